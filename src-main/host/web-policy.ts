/**
 * The web policy both shells apply to the renderer: the Content-Security-Policy (the Electron window
 * and the browser host send the same one) and the Host-header check that stops DNS rebinding on the
 * loopback host. Pure, no Electron import; unit-tested in test/electron/policy.test.ts.
 */

/** A strict Content-Security-Policy for the renderer. `connect` lists extra origins (the event socket). */
export function buildCsp(opts: { connect?: string[]; dev?: boolean } = {}): string {
  const connect = ["'self'", ...(opts.connect ?? [])];
  const script = ["'self'"];
  if (opts.dev) {
    // Vite's dev server injects the React refresh preamble inline and talks over a websocket.
    script.push("'unsafe-inline'");
    connect.push('ws://localhost:*', 'ws://127.0.0.1:*', 'http://localhost:*', 'http://127.0.0.1:*');
  }
  return [
    "default-src 'none'",
    `script-src ${script.join(' ')}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connect.join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "frame-src 'none'",
    "worker-src 'none'",
    "manifest-src 'self'",
  ].join('; ');
}

/** Host header values the loopback browser host answers to (stops DNS-rebinding attacks). */
export function isAllowedHostHeader(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}
