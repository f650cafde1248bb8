import { create } from 'zustand';
import type { ApiOutput, UserRole, RoleSession, SignAction, SignResult, TrichainApi } from '../../src-shared/api';
import { ApiError, type Client } from './api/client';
import { checkAction } from './validate';
import { VIEWS_BY_ROLE, formatRoute, parseHash, viewOf, type Route, type View } from './router';

export { VIEWS_BY_ROLE, type View } from './router';

export type Theme = 'system' | 'light' | 'dark';
export type AppInfo = ApiOutput<'app.info'>;
type Prepared = ApiOutput<'sign.prepare'>;

interface SignState {
  action: SignAction;
  prepared: Prepared;
  busy: boolean;
  resolve: (r: SignResult | null) => void;
  reject: (e: unknown) => void;
}

export interface Toast { id: number; kind: 'info' | 'error'; text: string }

interface AppState {
  client: Client | null;
  info: AppInfo | null;
  roles: RoleSession[];
  active: RoleSession | null;
  view: View;
  patientId: string | null;
  /** The import shown on the import screen (its result is re-read from the node after a reload). */
  importId: string | null;
  theme: Theme;
  sign: SignState | null;
  toasts: Toast[];
  /** Bumped after every signed action and chain event so that views reload. */
  refreshKey: number;

  setClient(client: Client | null): void;
  loadSession(): Promise<void>;
  switchRole(roleId: string): Promise<void>;
  /** Show a view (and its patient or import); the address follows ('push': a new history entry). */
  go(view: View, param?: string | null, mode?: 'push' | 'replace'): void;
  /** Show what an address names (after a reload, Back/Forward, or an edited address). */
  applyRoute(route: Route | null): Promise<void>;
  setTheme(theme: Theme): void;
  refresh(): void;
  toast(kind: Toast['kind'], text: string): void;
  dismissToast(id: number): void;
  /** Ask the node to prepare a signed action, show its summary, and run it only if the user confirms. */
  requestSignature(action: SignAction): Promise<SignResult | null>;
  confirmSign(): Promise<void>;
  cancelSign(): void;
}

function initialTheme(): Theme {
  try {
    const t = localStorage.getItem('trichain.theme');
    if (t === 'light' || t === 'dark' || t === 'system') return t;
  } catch { /* storage unavailable */ }
  return 'system';
}

let toastSeq = 0;

const currentHash = () => (typeof window === 'undefined' ? '' : window.location.hash);

/** Write the state's address into the address bar (no hashchange event: pushState/replaceState). */
function syncAddress(s: Pick<AppState, 'active' | 'view' | 'patientId' | 'importId'>, mode: 'push' | 'replace'): void {
  if (typeof window === 'undefined' || !s.active) return;
  const param = s.view === 'chart' || s.view === 'audit' ? s.patientId : s.view === 'import' ? s.importId : null;
  const hash = formatRoute({ roleId: s.active.id, view: s.view, param: param ?? undefined });
  if (window.location.hash === hash) return;
  const url = window.location.pathname + window.location.search + hash;
  if (mode === 'push') window.history.pushState(null, '', url);
  else window.history.replaceState(null, '', url);
}

export function api(): TrichainApi {
  const c = useApp.getState().client;
  if (!c) throw new Error('Not connected to a Trichain node');
  return c.api;
}

export const useApp = create<AppState>()((set, get) => ({
  client: null,
  info: null,
  roles: [],
  active: null,
  view: 'network',
  patientId: null,
  importId: null,
  theme: initialTheme(),
  sign: null,
  toasts: [],
  refreshKey: 0,

  setClient: (client) => set({ client }),

  async loadSession() {
    const info = await api()['app.info']({});
    let roles: RoleSession[] = [];
    let active: RoleSession | null = null;
    if (info.initialized) {
      const r = await api()['session.roles']({});
      roles = r.roles;
      active = r.roles.find((x) => x.id === r.active) ?? r.roles[0] ?? null;
    }
    set({ info, roles, active });
    if (active) await get().applyRoute(parseHash(currentHash()));
  },

  async switchRole(roleId) {
    const { active } = await api()['session.switchRole']({ roleId });
    set((s) => ({ active, view: VIEWS_BY_ROLE[active.role][0].view, patientId: null, importId: null, refreshKey: s.refreshKey + 1 }));
    syncAddress(get(), 'push');
  },

  go(view, param, mode = 'push') {
    set((s) => ({
      view,
      patientId: (view === 'chart' || view === 'audit') && param !== undefined ? param : s.patientId,
      importId: view === 'import' ? (param ?? null) : s.importId,
    }));
    syncAddress(get(), mode);
  },

  async applyRoute(route) {
    const s = get();
    let active = s.active;
    if (!active) return;
    if (route && route.roleId !== active.id) {
      if (s.roles.some((r) => r.id === route!.roleId)) active = (await api()['session.switchRole']({ roleId: route.roleId })).active;
      else route = null;
    }
    const roleChanged = active.id !== s.active?.id;
    const keepPatient = !roleChanged && active.role !== 'patient';
    if (!route || !viewOf(active.role, route.view)) {
      set((st) => ({ active, view: VIEWS_BY_ROLE[active!.role][0].view, patientId: keepPatient ? st.patientId : null, importId: null, refreshKey: st.refreshKey + (roleChanged ? 1 : 0) }));
      syncAddress(get(), 'replace');
      return;
    }
    const withPatient = route.view === 'chart' || route.view === 'audit';
    set((st) => ({
      active,
      view: route!.view,
      patientId: withPatient ? (route!.param ?? (keepPatient ? st.patientId : null)) : keepPatient ? st.patientId : null,
      importId: route!.view === 'import' ? (route!.param ?? null) : null,
      refreshKey: st.refreshKey + (roleChanged ? 1 : 0),
    }));
    if (withPatient && !route.param && get().patientId) syncAddress(get(), 'replace');
  },

  setTheme(theme) {
    try { localStorage.setItem('trichain.theme', theme); } catch { /* ignore */ }
    set({ theme });
  },

  refresh: () => set((s) => ({ refreshKey: s.refreshKey + 1 })),

  toast(kind, text) {
    const id = ++toastSeq;
    set((s) => ({ toasts: [...s.toasts.slice(-3), { id, kind, text }] }));
    setTimeout(() => get().dismissToast(id), kind === 'error' ? 8000 : 4000);
  },
  dismissToast: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),

  async requestSignature(action) {
    if (get().sign) throw new Error('Another signature is waiting for confirmation');
    // The node's own schema, here first: nothing the node would refuse reaches the sign dialog.
    const checked = checkAction(action);
    if (!checked.valid) throw new ApiError('BAD_REQUEST', `Not signed: ${checked.all.join('; ')}`);
    const prepared = await api()['sign.prepare'](action);
    return new Promise<SignResult | null>((resolve, reject) => {
      set({ sign: { action, prepared, busy: false, resolve, reject } });
    });
  },

  async confirmSign() {
    const s = get().sign;
    if (!s || s.busy) return;
    set({ sign: { ...s, busy: true } });
    try {
      const result = await api()['sign.confirm']({ requestId: s.prepared.requestId });
      set((st) => ({ sign: null, refreshKey: st.refreshKey + 1 }));
      s.resolve(result);
    } catch (e) {
      set({ sign: null });
      s.reject(e);
    }
  },

  cancelSign() {
    const s = get().sign;
    if (!s || s.busy) return;
    set({ sign: null });
    api()['sign.cancel']({ requestId: s.prepared.requestId }).catch(() => {});
    s.resolve(null);
  },
}));
