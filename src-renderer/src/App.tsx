import { useEffect, useState } from 'react';
import { useApp } from './store';
import { FirstRun } from './screens/FirstRun';
import { Shell } from './Shell';
import { SignDialog } from './components/SignDialog';
import { Toasts } from './components/Toasts';
import { ThemeToggle } from './components/ThemeToggle';

/** Top level: not connected → explain; no identity → first run; else the role's shell. */
export function App() {
  const client = useApp((s) => s.client);
  const info = useApp((s) => s.info);
  const loadSession = useApp((s) => s.loadSession);
  const refresh = useApp((s) => s.refresh);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!client) return;
    loadSession().catch((e: Error) => setError(e.message));
  }, [client, loadSession]);

  // New blocks change what every view shows: reload the visible view, at most every 2 s.
  useEffect(() => {
    if (!client) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    return client.bridge.on('chain.updated', () => {
      if (timer) return;
      timer = setTimeout(() => { timer = null; refresh(); }, 2000);
    });
  }, [client, refresh]);

  let body;
  if (!client) {
    body = (
      <main className="state state-error" role="alert" data-testid="no-token">
        <h1>Not connected</h1>
        <p>Open Trichain from the address printed by <code>npm start</code> (it ends with <code>#token=…</code>).</p>
      </main>
    );
  } else if (error && !info) {
    body = (
      <main className="state state-error" role="alert" data-testid="connect-error">
        <h1>Cannot reach the Trichain node</h1>
        <p>{error}</p>
        <button type="button" onClick={() => { setError(null); loadSession().catch((e: Error) => setError(e.message)); }}>Retry</button>
      </main>
    );
  } else if (!info) {
    body = <main className="state state-loading" role="status" aria-busy="true" data-testid="loading-state">Connecting to the Trichain node…</main>;
  } else if (!info.initialized) {
    body = <FirstRun />;
  } else {
    body = <Shell />;
  }

  return (
    <>
      <a className="skip-link" href="#main-content">Skip to content</a>
      {(!info || !info.initialized) && <div className="topbar-plain"><span className="brand">Trichain</span><ThemeToggle /></div>}
      {body}
      <SignDialog />
      <Toasts />
    </>
  );
}
