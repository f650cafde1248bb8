import { create } from 'zustand';
import type { ApiOutput, Role, RoleSession, SignAction, SignResult, TrichainApi } from '../../src-shared/api';
import { ApiError, type Client } from './api/client';
import { checkAction } from './validate';

export type View =
  | 'patients' | 'chart' | 'import' | 'requests' | 'audit'
  | 'records' | 'consents' | 'access'
  | 'file-request' | 'packages'
  | 'network';

export const VIEWS_BY_ROLE: Record<Role, { view: View; label: string }[]> = {
  clinician: [
    { view: 'patients', label: 'Patients' },
    { view: 'chart', label: 'Chart' },
    { view: 'import', label: 'Import' },
    { view: 'requests', label: 'Share requests' },
    { view: 'audit', label: 'Audit trail' },
    { view: 'network', label: 'Network' },
  ],
  patient: [
    { view: 'records', label: 'My records' },
    { view: 'consents', label: 'Consents' },
    { view: 'access', label: 'Access log' },
    { view: 'network', label: 'Network' },
  ],
  entity: [
    { view: 'file-request', label: 'Requests' },
    { view: 'packages', label: 'Packages' },
    { view: 'network', label: 'Network' },
  ],
};

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
  theme: Theme;
  sign: SignState | null;
  toasts: Toast[];
  /** Bumped after every signed action and chain event so that views reload. */
  refreshKey: number;

  setClient(client: Client | null): void;
  loadSession(): Promise<void>;
  switchRole(roleId: string): Promise<void>;
  go(view: View, patientId?: string | null): void;
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
    const keep = active && get().active?.role === active.role && VIEWS_BY_ROLE[active.role].some((v) => v.view === get().view);
    set({
      info,
      roles,
      active,
      view: active ? (keep ? get().view : VIEWS_BY_ROLE[active.role][0].view) : get().view,
      patientId: active?.role === 'patient' ? null : get().patientId,
    });
  },

  async switchRole(roleId) {
    const { active } = await api()['session.switchRole']({ roleId });
    set((s) => ({ active, view: VIEWS_BY_ROLE[active.role][0].view, patientId: null, refreshKey: s.refreshKey + 1 }));
  },

  go: (view, patientId) => set((s) => ({ view, patientId: patientId === undefined ? s.patientId : patientId })),

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
