import { useCallback, useEffect, useRef, useState } from 'react';
import { useApp } from './store';

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload(): void;
}

/** Load data for a view; reloads when deps change or after any signed action / chain event. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const refreshKey = useApp((s) => s.refreshKey);
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    loadRef.current().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (e: unknown) => live && setState((s) => ({ data: s.data, error: e instanceof Error ? e.message : String(e), loading: false })),
    );
    return () => { live = false; };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [refreshKey, tick, ...deps]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** Run a signed action; returns the result, or null if the user declined. Errors become toasts. */
export async function runSigned<T>(fn: () => Promise<T | null>): Promise<T | null> {
  try {
    return await fn();
  } catch (e) {
    useApp.getState().toast('error', e instanceof Error ? e.message : String(e));
    return null;
  }
}
