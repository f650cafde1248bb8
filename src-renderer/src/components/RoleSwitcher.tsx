import { useApp } from '../store';

/** In a demo the trainer acts as any of its nodes: two hospitals, a patient, an insurer, a research institute. */
export function RoleSwitcher() {
  const roles = useApp((s) => s.roles);
  const active = useApp((s) => s.active);
  const switchRole = useApp((s) => s.switchRole);
  const toast = useApp((s) => s.toast);
  if (roles.length < 2) return active ? <span className="whoami" data-testid="whoami">{active.label}</span> : null;
  return (
    <label className="role-switcher">
      <span>Acting as</span>
      <select
        value={active?.id ?? ''}
        onChange={(e) => switchRole(e.target.value).catch((err: Error) => toast('error', err.message))}
        data-testid="role-switcher"
      >
        {roles.map((r) => (
          <option key={r.id} value={r.id}>{r.label} ({r.role})</option>
        ))}
      </select>
    </label>
  );
}
