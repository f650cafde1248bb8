import type { ReactNode } from 'react';
import type { Loaded } from '../useLoad';

interface Props<T> {
  state: Loaded<T>;
  /** What is loading, for screen readers ("patients", "chart"). */
  label: string;
  isEmpty?: (data: T) => boolean;
  emptyText?: ReactNode;
  children: (data: T) => ReactNode;
}

/** Loading, error (with retry), empty and loaded states of a view, announced to assistive tech. */
export function Async<T>({ state, label, isEmpty, emptyText, children }: Props<T>) {
  if (state.error && !state.data) {
    return (
      <div className="state state-error" role="alert" data-testid="error-state">
        <p>Could not load {label}: {state.error}</p>
        <button type="button" onClick={state.reload}>Retry</button>
      </div>
    );
  }
  if (!state.data) {
    return <div className="state state-loading" role="status" aria-busy="true" data-testid="loading-state">Loading {label}…</div>;
  }
  if (isEmpty?.(state.data)) {
    return <div className="state state-empty" role="status" data-testid="empty-state">{emptyText ?? `No ${label} yet.`}</div>;
  }
  return (
    <div aria-busy={state.loading}>
      {state.error && <p className="inline-error" role="alert">Refresh failed: {state.error}</p>}
      {children(state.data)}
    </div>
  );
}
