import { _electron as electron, test, expect } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { electronBinary } from './electron-binary';
import { screenshotPath } from './fixtures/host';

// The Electron app itself: runs only when the Electron binary is installed (scripts/e2e.mjs then
// builds it with electron-vite first). Otherwise the test is skipped with the reason printed.
const ROOT = path.resolve(import.meta.dirname, '..');
const bin = electronBinary(ROOT);

test('Electron window: first run renders, the bridge is exactly { call, on }, no Node in the page', async () => {
  if ('missing' in bin) {
    const reason = `Electron binary not present at node_modules/electron/dist: ${bin.missing}. To run this test, fetch it where Electron's download is reachable (node node_modules/electron/install.js), then npm run test:e2e`;
    console.log(`[electron.spec] skipped: ${reason}`);
    test.skip(true, reason);
    return;
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'trichain-electron-'));
  const app = await electron.launch({
    executablePath: bin.path,
    args: [ROOT, '--no-sandbox'],
    cwd: ROOT,
    env: { ...process.env, TRICHAIN_DATA: dataDir, TRICHAIN_NO_DEMO: '1' }, // the first-run screen, not the demo
  });
  try {
    const win = await app.firstWindow();
    await expect(win.getByTestId('first-run')).toBeVisible({ timeout: 60_000 });
    const shape = await win.evaluate(() => ({
      keys: Object.keys((window as unknown as { trichain: object }).trichain).sort(),
      require: typeof (window as unknown as { require?: unknown }).require,
      process: typeof (window as unknown as { process?: unknown }).process,
    }));
    expect(shape).toEqual({ keys: ['call', 'on'], require: 'undefined', process: 'undefined' });
    // A signed method cannot be called directly from the window.
    const direct = await win.evaluate(() => (window as unknown as { trichain: { call(m: string, i: unknown): Promise<unknown> } }).trichain.call('records.add', {}));
    expect(direct).toMatchObject({ ok: false });
    await win.screenshot({ path: screenshotPath('electron-first-run') });
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
