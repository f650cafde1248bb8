/**
 * Pure security decisions of the Trichain shells (no Electron import, unit-tested in test/electron/policy.test.ts).
 * Used by the Electron main process (main.ts). The policy the browser host shares with it (CSP, Host
 * header) lives in src-main/host/web-policy.ts; it is re-exported here.
 *
 * Electron security checklist (https://www.electronjs.org/docs/latest/tutorial/security), item by item:
 *  1. Only load secure content ............ the window loads only our own renderer: a file:// URL of the
 *                                            built out/renderer/index.html (or the electron-vite dev server
 *                                            on loopback in development); checked by isAllowedRendererUrl.
 *  2. No Node.js integration for remote content ... main.ts webPreferences.nodeIntegration = false (and
 *                                            nodeIntegrationInWorker / InSubFrames false).
 *  3. Context isolation ................... main.ts webPreferences.contextIsolation = true; preload.ts
 *                                            exposes only window.trichain through contextBridge.
 *  4. Process sandboxing .................. main.ts webPreferences.sandbox = true and app.enableSandbox().
 *  5. Session permission requests ......... main.ts session.setPermissionRequestHandler → permissionDecision()
 *                                            (denies all but the app page's camera) and setPermissionCheckHandler.
 *  6. Do not disable webSecurity .......... main.ts webPreferences.webSecurity = true (explicit).
 *  7. Content-Security-Policy ............. buildCsp(); main.ts sets it on every response through
 *                                            session.webRequest.onHeadersReceived; the browser host sends it
 *                                            as a header; index.html carries a <meta> copy as a fallback.
 *  8. Do not enable allowRunningInsecureContent ... main.ts sets it false explicitly.
 *  9. Do not enable experimental features ......... main.ts sets experimentalFeatures false explicitly.
 * 10. Do not use enableBlinkFeatures ............. not set anywhere.
 * 11. <webview> allowpopups ....................... no <webview>: webviewTag false; will-attach-webview
 *                                                  prevented in main.ts.
 * 12. Verify webview options before creation ..... same: every webview attachment is prevented.
 * 13. Disable or limit navigation ................ main.ts will-navigate / will-redirect → preventDefault
 *                                                  unless isAllowedRendererUrl (only same document).
 * 14. Disable or limit creation of new windows ... main.ts setWindowOpenHandler → { action: 'deny' };
 *                                                  http(s) links are handed to the OS browser only if
 *                                                  isSafeExternalUrl.
 * 15. Do not use shell.openExternal with untrusted content ... only via isSafeExternalUrl (https only).
 * 16. Use a current version of Electron ......... package.json pins electron ^45.
 * 17. Validate the sender of all IPC messages .... main.ts checks event.senderFrame.url with
 *                                                  isAllowedRendererUrl in every ipcMain.handle; the input
 *                                                  is then validated against the zod contract.
 * 18. Avoid file:// for your app ................ the renderer is loaded from file:// by design (no local
 *                                                  server in the Electron process); file access is limited
 *                                                  because the only allowed file URL is our index.html and
 *                                                  CSP forbids everything except 'self'.
 * 19. Check which fuses you can change .......... packaging is out of scope here; when packaged, flip
 *                                                  RunAsNode off, EnableNodeCliInspectArguments off,
 *                                                  EnableEmbeddedAsarIntegrityValidation on, OnlyLoadAppFromAsar on.
 * 20. Do not expose Electron APIs to untrusted web content ... preload exposes two functions (call, on),
 *                                                  never ipcRenderer itself; call() accepts only renderer
 *                                                  methods; on() only contract events.
 * Plus, Trichain-specific: secret keys never reach the renderer. The node engine runs in a separate
 * `node` process; signing happens there after sign.prepare/sign.confirm; safeStorage holds only the
 * keystore unlock secret and only with a real OS backend (isSafeStorageUsable).
 */

export { buildCsp, isAllowedHostHeader } from '../host/web-policy';


/** Is this the renderer we loaded? (`rendererUrl` is what main.ts passed to loadURL/loadFile.) */
export function isAllowedRendererUrl(url: string | undefined | null, rendererUrl: string): boolean {
  if (!url) return false;
  let u: URL;
  let r: URL;
  try {
    u = new URL(url);
    r = new URL(rendererUrl);
  } catch {
    return false;
  }
  if (u.protocol !== r.protocol) return false;
  if (r.protocol === 'file:') return u.pathname === r.pathname && u.host === r.host;
  if (r.protocol === 'http:') {
    // Development only: the electron-vite dev server on loopback.
    const loopback = ['localhost', '127.0.0.1', '[::1]'];
    return u.origin === r.origin && loopback.includes(u.hostname);
  }
  return false;
}

/**
 * Every permission (geolocation, notifications, clipboard, microphone, ...) is denied, with one
 * exception: the camera, video only, for the app's own page, where joining a network reads the
 * invite's QR code with it (components/ScanInvite.tsx). A request that also asks for the
 * microphone, or comes from any other page, is denied.
 */
export function permissionDecision(permission: string, requestingUrl: string | undefined, o: { rendererUrl: string; mediaTypes?: readonly string[] }): boolean {
  if (permission !== 'media' || !requestingUrl || !isAllowedRendererUrl(requestingUrl, o.rendererUrl)) return false;
  return !!o.mediaTypes && o.mediaTypes.length > 0 && o.mediaTypes.every((m) => m === 'video');
}

/** Links the user may open in the system browser: https only, no credentials in the URL. */
export function isSafeExternalUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && !u.username && !u.password;
  } catch {
    return false;
  }
}

/** safeStorage may hold the keystore unlock secret only with a real OS-backed encryption. */
export function isSafeStorageUsable(encryptionAvailable: boolean, backend: string | undefined): boolean {
  if (!encryptionAvailable) return false;
  // On Linux, 'basic_text' means a hard-coded password: not protection. Unknown means not Linux.
  return backend !== 'basic_text' && backend !== 'unknown';
}

