/**
 * What to do when this page cannot talk to the node: no session token in the address, or a token
 * the node refuses (the app was restarted, or the address is from an older run).
 */
export function Reconnect({ reason }: { reason: 'no-token' | 'bad-token' }) {
  return (
    <main className="state state-error reconnect" role="alert" data-testid={reason === 'no-token' ? 'no-token' : 'bad-token'}>
      <h1>{reason === 'no-token' ? 'Not connected: this page has no session token' : 'This session has expired'}</h1>
      <p>
        {reason === 'no-token'
          ? 'The browser host lets in only the page opened from the address it printed, which carries a session token.'
          : 'The Trichain node refused this page\'s session token: the app was restarted (each start makes a new token), or this address is from an older run.'}
      </p>
      <h2>To reconnect</h2>
      <ol data-testid="reconnect-steps">
        <li>Find the terminal where you ran <code>npm start</code>. It printed a line <code>Trichain is serving at http://127.0.0.1:…/#token=…</code>.</li>
        <li>Open that whole address, including the part after <code>#token=</code>. Later reloads of the page keep working.</li>
        <li>If that terminal is closed or the app has stopped, run <code>npm start</code> again: it comes back at the same address, so this tab works again after a reload (if it says the port was taken, open the address it prints). Your data stays in the data folder.</li>
      </ol>
      <p className="muted">In the desktop window (Electron) no token is needed: close the window and run <code>npm start</code> again.</p>
    </main>
  );
}
