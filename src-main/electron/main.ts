/**
 * Electron main process: one window, locked down (see the checklist in policy.ts), and an IPC
 * forwarder. The node engine does NOT run here: it runs in a separate system `node` process
 * (better-sqlite3 is built for Node's ABI) started as the browser host on a random loopback port with
 * a random token; `trichain:call` is forwarded to it over loopback HTTP and its events are relayed.
 */
import { app, BrowserWindow, ipcMain, safeStorage, session, shell, type IpcMainInvokeEvent } from 'electron';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { IPC, READY_PREFIX, TOKEN_HEADER, fail, isRendererMethod, validateEvent, type Envelope } from '../../src-shared/api';
import { defaultDataDir } from '../host/paths';
import { buildCsp, isAllowedRendererUrl, isSafeExternalUrl, isSafeStorageUsable, permissionDecision } from './policy';

const here = path.dirname(fileURLToPath(import.meta.url)); // out/main
const projectRoot = app.getAppPath();
const devUrl = process.env.ELECTRON_RENDERER_URL;
const rendererUrl = devUrl ?? pathToFileURL(path.join(here, '../renderer/index.html')).href;

let win: BrowserWindow | null = null;
let engine: ChildProcess | null = null;
let engineOrigin: string | null = null;
let events: WebSocket | null = null;
const token = randomBytes(32).toString('hex');

app.enableSandbox();
if (!app.requestSingleInstanceLock()) app.quit();

/** The keystore unlock secret, kept by safeStorage only with a real OS backend; else none. */
function keystoreUnlockSecret(dataDir: string): string | undefined {
  const backend = process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : undefined;
  if (!isSafeStorageUsable(safeStorage.isEncryptionAvailable(), backend)) return undefined;
  const file = path.join(dataDir, 'keystore-unlock.safestorage');
  if (existsSync(file)) return safeStorage.decryptString(readFileSync(file));
  const secret = randomBytes(32).toString('base64');
  writeFileSync(file, safeStorage.encryptString(secret), { mode: 0o600 });
  return secret;
}

/** Start the node engine + host with system Node and wait for its TRICHAIN_READY line. */
function startEngine(dataDir: string): Promise<string> {
  mkdirSync(dataDir, { recursive: true });
  const nodeBin = process.env.npm_node_execpath || process.env.NODE || 'node';
  const env: NodeJS.ProcessEnv = { ...process.env, TRICHAIN_TOKEN: token };
  delete env.ELECTRON_RUN_AS_NODE;
  const unlock = keystoreUnlockSecret(dataDir);
  if (unlock) env.TRICHAIN_KEYSTORE_UNLOCK = unlock;
  const child = spawn(nodeBin, [
    path.join(here, '../engine/src-main/host/main.js'), // the built engine (vite.engine.config.ts)
    '--data', dataDir, '--port', '0', '--renderer', path.join(here, '../renderer'), '--exit-with-stdin',
  ], { cwd: projectRoot, env, stdio: ['pipe', 'pipe', 'inherit'] });
  engine = child;
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      console.log(`[engine] ${line.replaceAll(token, '…')}`);
      const m = new RegExp(`^${READY_PREFIX} .*port=(\\d+)`).exec(line);
      if (m) resolve(`http://127.0.0.1:${m[1]}`);
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      engine = null;
      reject(new Error(`The Trichain node engine exited (code ${code})`));
      if (win) app.quit();
    });
  });
}

function relayEvents(origin: string) {
  const ws = new WebSocket(`${origin.replace('http', 'ws')}/events?token=${token}`);
  events = ws;
  ws.on('message', (data) => {
    let parsed: unknown;
    try { parsed = JSON.parse(String(data)); } catch { return; }
    const ev = validateEvent(parsed);
    if (ev && win && !win.isDestroyed()) win.webContents.send(IPC.event, ev);
  });
  ws.on('close', () => { if (events === ws && engine) setTimeout(() => relayEvents(origin), 1000); });
  ws.on('error', () => { /* close follows */ });
}

async function forward(event: IpcMainInvokeEvent, method: unknown, input: unknown): Promise<Envelope<unknown>> {
  // Validate the sender: only our renderer's main frame may call.
  const frameUrl = event.senderFrame?.url;
  if (!isAllowedRendererUrl(frameUrl, rendererUrl) || event.senderFrame !== win?.webContents.mainFrame) {
    return fail('FORBIDDEN', 'Refused: the request did not come from the Trichain window');
  }
  if (!isRendererMethod(method)) return fail('UNKNOWN_METHOD', `Not callable from the window: ${String(method).slice(0, 100)}`);
  if (!engineOrigin) return fail('UNAVAILABLE', 'The node engine is starting');
  try {
    const res = await fetch(`${engineOrigin}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token },
      body: JSON.stringify(input ?? {}),
    });
    return (await res.json()) as Envelope<unknown>;
  } catch (e) {
    return fail('UNAVAILABLE', `The node engine did not answer: ${(e as Error).message}`);
  }
}

function lockDownSession() {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback, details) =>
    callback(permissionDecision(permission, details.requestingUrl, { rendererUrl, mediaTypes: 'mediaTypes' in details ? details.mediaTypes : undefined })),
  );
  ses.setPermissionCheckHandler((_wc, permission, _origin, details) =>
    permissionDecision(permission, details.requestingUrl, { rendererUrl, mediaTypes: details.mediaType ? [details.mediaType] : undefined }),
  );
  const csp = buildCsp({ dev: !!devUrl });
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
}

function createWindow() {
  win = new BrowserWindow({
    width: 1280,
    height: 860,
    show: false,
    title: 'Trichain',
    webPreferences: {
      preload: path.join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  const wc = win.webContents;
  wc.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  const guard = (e: Electron.Event, url: string) => {
    if (!isAllowedRendererUrl(url, rendererUrl) || url.split('#')[0] !== rendererUrl.split('#')[0]) e.preventDefault();
  };
  wc.on('will-navigate', guard);
  wc.on('will-redirect', guard);
  wc.on('will-attach-webview', (e) => e.preventDefault());
  win.once('ready-to-show', () => win?.show());
  win.on('closed', () => { win = null; });
  if (devUrl) void win.loadURL(devUrl);
  else void win.loadFile(path.join(here, '../renderer/index.html'));
}

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

app.whenReady().then(async () => {
  lockDownSession();
  ipcMain.handle(IPC.call, forward);
  try {
    engineOrigin = await startEngine(defaultDataDir());
    relayEvents(engineOrigin);
  } catch (e) {
    console.error(`Trichain could not start its node engine: ${(e as Error).message}`);
    app.exit(1);
    return;
  }
  createWindow();
});

app.on('second-instance', () => { if (win) { if (win.isMinimized()) win.restore(); win.focus(); } });
app.on('window-all-closed', () => app.quit());
app.on('will-quit', () => {
  events?.close();
  events = null;
  if (engine) { engine.stdin?.end(); engine.kill('SIGTERM'); }
});
