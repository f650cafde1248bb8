#!/usr/bin/env node
// npm start: the Electron app if its binary is available, else Trichain in your browser.
//
//  1. Electron binary present (node_modules/electron/path.txt names a file under dist/)?
//     → electron-vite build and the engine build, then launch Electron on this project (its main
//     process spawns the built engine, out/engine/src-main/host/main.js).
//  2. Missing → try Electron's first-run download once (node node_modules/electron/install.js, short
//     timeout). Still missing → print one line and serve in the browser instead:
//     build the renderer and the engine where they are missing or older than their sources, then
//     start the built node engine + browser host (node out/engine/src-main/host/main.js) on
//     127.0.0.1. The host prints the address and a machine-readable `TRICHAIN_READY url=…` line.
//  Data folder: TRICHAIN_DATA, else $XDG_DATA_HOME/trichain or ~/.local/share/trichain,
//  ~/Library/Application Support/Trichain, %APPDATA%/Trichain. Port: TRICHAIN_PORT, else the port of
//  the previous run (DATA/host.json, with its token: a bookmarked tab keeps working), else a free one.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const node = process.execPath;

/** Path of the Electron binary if installed, else null. Looks at files only. */
export function electronBinaryPath(root = ROOT) {
  const pathTxt = path.join(root, 'node_modules/electron/path.txt');
  if (!existsSync(pathTxt)) return null;
  const bin = path.join(root, 'node_modules/electron/dist', readFileSync(pathTxt, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

function newestMtime(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(p)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(path.join(p, name)));
  }
  return newest;
}

/** Is out/renderer missing or older than the renderer's sources? */
export function rendererIsStale(root = ROOT) {
  const index = path.join(root, 'out/renderer/index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  const sources = ['src-renderer', 'src-shared', 'vite.renderer.config.ts'].map((p) => newestMtime(path.join(root, p)));
  return Math.max(...sources) > built;
}

/** The built engine's entry (vite.engine.config.ts). */
export const ENGINE_MAIN = 'out/engine/src-main/host/main.js';

/** Is the built engine missing or older than the sources it is built from? */
export function engineIsStale(root = ROOT) {
  const main = path.join(root, ENGINE_MAIN);
  if (!existsSync(main)) return true;
  const built = statSync(main).mtimeMs;
  const sources = ['src-main', 'src-shared', 'vite.engine.config.ts', 'package.json'].map((p) => newestMtime(path.join(root, p)));
  return Math.max(...sources) > built;
}

export function buildEngine(root = ROOT) {
  const r = spawnSync(node, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'vite.engine.config.ts', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('Building the engine failed');
}

export function buildRenderer(root = ROOT) {
  const r = spawnSync(node, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'vite.renderer.config.ts', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('Building the renderer failed');
}

export function buildElectron(root = ROOT) {
  const cli = path.join(root, 'node_modules/electron-vite/bin/electron-vite.js');
  const r = spawnSync(node, [existsSync(cli) ? cli : path.join(root, 'node_modules/.bin/electron-vite'), 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('electron-vite build failed');
}

/** Try Electron's first-run download once, quietly, with a short timeout. */
function tryDownloadElectron(timeoutMs = 20_000) {
  const install = path.join(ROOT, 'node_modules/electron/install.js');
  if (!existsSync(install)) return null;
  spawnSync(node, [install], { cwd: path.join(ROOT, 'node_modules/electron'), stdio: 'ignore', timeout: timeoutMs, killSignal: 'SIGKILL' });
  return electronBinaryPath();
}

function run(cmd, args, opts) {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit', ...opts });
  const forward = (sig) => () => { if (child.exitCode === null) child.kill(sig); };
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function main() {
  let bin = electronBinaryPath() ?? tryDownloadElectron();
  if (bin) {
    buildElectron();
    buildEngine();
    const env = { ...process.env };
    delete env.ELECTRON_RUN_AS_NODE;
    run(bin, [ROOT], { env });
    return;
  }
  console.log('Electron binary not available (could not download); serving Trichain in your browser instead.');
  if (rendererIsStale()) buildRenderer();
  if (engineIsStale()) buildEngine();
  const args = [path.join(ROOT, ENGINE_MAIN)];
  if (process.env.TRICHAIN_DATA) args.push('--data', process.env.TRICHAIN_DATA);
  run(node, args, { env: process.env });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (e) {
    console.error(`trichain: ${e.message}`);
    process.exit(1);
  }
}
