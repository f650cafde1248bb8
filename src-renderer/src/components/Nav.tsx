import { useApp, VIEWS_BY_ROLE } from '../store';

/** The views of the active role. Arrow keys move between items (roving focus is the native tab order). */
export function Nav() {
  const active = useApp((s) => s.active);
  const view = useApp((s) => s.view);
  const go = useApp((s) => s.go);
  if (!active) return null;
  const items = VIEWS_BY_ROLE[active.role];
  const onKey = (e: React.KeyboardEvent<HTMLElement>) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const buttons = [...e.currentTarget.querySelectorAll('button')];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next = buttons[(i + (e.key === 'ArrowDown' ? 1 : -1) + buttons.length) % buttons.length];
    next?.focus();
    e.preventDefault();
  };
  return (
    <nav aria-label="Main" className="nav" onKeyDown={onKey}>
      <ul>
        {items.map((it) => (
          <li key={it.view}>
            <button type="button" aria-current={view === it.view ? 'page' : undefined} onClick={() => go(it.view)} data-testid={`nav-${it.view}`}>
              {it.label}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
