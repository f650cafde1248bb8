#!/usr/bin/env node
// npm run test:e2e: build what the tests need, then run Playwright (extra arguments are passed on).
//  - Chromium: Debian's /usr/bin/chromium (or CHROMIUM_PATH); `apt-get install -y chromium`.
//  - Electron binary present → electron-vite build (main, preload, renderer) so electron.spec.ts runs;
//    else only the renderer is (re)built when stale and electron.spec.ts skips with its reason;
//  - the engine (out/engine, what npm start runs and the fixtures spawn) is rebuilt when stale.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT, buildElectron, buildEngine, buildRenderer, electronBinaryPath, engineIsStale, rendererIsStale } from './start.mjs';

const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (!existsSync(chromium)) {
  console.error(`Chromium not found at ${chromium}. Install it (apt-get install -y chromium) or set CHROMIUM_PATH.`);
  process.exit(1);
}
try {
  if (electronBinaryPath()) buildElectron();
  else if (rendererIsStale()) buildRenderer();
  if (engineIsStale()) buildEngine();
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
const cli = path.join(ROOT, 'node_modules/@playwright/test/cli.js');
const r = spawnSync(process.execPath, [cli, 'test', ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit' });
process.exit(r.status ?? 1);
