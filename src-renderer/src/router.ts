/**
 * Every screen has an address: `#/<roleId>/<view>[/<param>]` (hash routing: it works alike in the
 * browser host and in Electron's file:// window, needs no server support, and survives a reload).
 * The param is the patient of a chart or audit trail, or the import of the import screen.
 * The role is in the address so that Back after a role switch returns to the role it left.
 */
import type { UserRole } from '../../src-shared/api';

export type View =
  | 'patients' | 'chart' | 'import' | 'requests' | 'audit'
  | 'records' | 'consents' | 'access'
  | 'file-request' | 'packages'
  | 'network';

export const VIEWS_BY_ROLE: Record<UserRole, { view: View; label: string }[]> = {
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

export interface Route {
  roleId: string;
  view: View;
  /** chart/audit: the patient id; import: the import id. */
  param?: string;
}

const ALL_VIEWS = new Set<string>(Object.values(VIEWS_BY_ROLE).flatMap((vs) => vs.map((v) => v.view)));
const SAFE = /^[A-Za-z0-9._~-]{1,200}$/;

/** `#/stMary/chart/ab12…` → a route; anything else → null. */
export function parseHash(hash: string): Route | null {
  const m = /^#\/([^/]+)\/([^/]+)(?:\/([^/]+))?\/?$/.exec(hash);
  if (!m) return null;
  const [, roleId, view, param] = m.map((x) => (x === undefined ? x : decodeURIComponent(x)));
  if (!SAFE.test(roleId) || !ALL_VIEWS.has(view) || (param !== undefined && !SAFE.test(param))) return null;
  return { roleId, view: view as View, param };
}

export function formatRoute(r: Route): string {
  return `#/${encodeURIComponent(r.roleId)}/${r.view}${r.param ? `/${encodeURIComponent(r.param)}` : ''}`;
}

/** Whether a view belongs to a role's navigation. */
export const viewOf = (role: UserRole, view: View): boolean => VIEWS_BY_ROLE[role].some((v) => v.view === view);
