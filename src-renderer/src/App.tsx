import { useEffect, useState } from 'react';
import { useApp } from './store';
import { FirstRun } from './screens/FirstRun';
import { Shell } from './Shell';
import { SignDialog } from './components/SignDialog';
import { Toasts } from './components/Toasts';
import { ThemeToggle } from './components/ThemeToggle';
import { Reconnect } from './screens/Reconnect';
import { ApiError } from './api/client';
import { parseHash } from './router';

/** Top level: not connected → explain; no identity → first run; else the role's shell. */
export function App() {
  const client = useApp((s) => s.client);
  const info = useApp((s) => s.info);
  const loadSession = useApp((s) => s.loadSession);
  const refresh = useApp((s) => s.refresh);
  const applyRoute = useApp((s) => s.applyRoute);
  const toast = useApp((s) => s.toast);
  const [error, setError] = useState<string | null>(null);
  const [badToken, setBadToken] = useState(false);

  const load = () => loadSession().catch((e: Error) => {
    if (e instanceof ApiError && e.code === 'UNAUTHORIZED') {
      // The node refused the token: forget it, so that the next address with a token is used.
      try { sessionStorage.removeItem('trichain.token'); } catch { /* storage unavailable */ }
      setBadToken(true);
    } else setError(e.message);
  });
  useEffect(() => {
    if (!client) return;
    void load();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, loadSession]);

  // Back, Forward and an edited address show the screen the address names.
  useEffect(() => {
    if (!info?.initialized) return;
    const onNav = () => { applyRoute(parseHash(window.location.hash)).catch((e: Error) => toast('error', e.message)); };
    window.addEventListener('popstate', onNav);
    window.addEventListener('hashchange', onNav);
    return () => {
      window.removeEventListener('popstate', onNav);
      window.removeEventListener('hashchange', onNav);
    };
  }, [info?.initialized, applyRoute, toast]);

  // New blocks change what every view shows: reload the visible view, at most every 2 s. An empty
  // block (validators keep heights moving) changes nothing a view shows but the explorer's, which
  // listens by itself.
  useEffect(() => {
    if (!client) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const later = () => {
      if (!timer) timer = setTimeout(() => { timer = null; refresh(); }, 2000);
    };
    const offs = [
      client.bridge.on('chain.updated', (p) => { if (p.txCount !== 0) later(); }),
      // a record's or a package's ciphertext arrived after its block: it can be shown now
      client.bridge.on('blobs.fetched', later),
    ];
    return () => offs.forEach((off) => off());
  }, [client, refresh]);

  // A transaction of this node that the network refused (a conflict, a rule) is said, wherever the user is.
  useEffect(() => {
    if (!client) return;
    return client.bridge.on('tx.pending', (p) => {
      if (p.status === 'failed') toast('error', `The network refused a ${p.kind} on the ${p.chain} chain: ${p.detail ?? 'no reason given'}. See Network.`);
    });
  }, [client, toast]);

  let body;
  if (!client) {
    body = <Reconnect reason="no-token" />;
  } else if (badToken) {
    body = <Reconnect reason="bad-token" />;
  } else if (error && !info) {
    body = (
      <main className="state state-error" role="alert" data-testid="connect-error">
        <h1>Cannot reach the Trichain node</h1>
        <p>{error}</p>
        <p>If the app was stopped, run <code>npm start</code> again and open the address it prints.</p>
        <button type="button" onClick={() => { setError(null); void load(); }}>Retry</button>
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
