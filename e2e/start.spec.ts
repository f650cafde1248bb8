/**
 * `npm start` as a user runs it (scripts/start.mjs), here where the Electron binary is absent: one
 * line says so, the built engine serves the app on loopback, and a restart comes back at the same
 * address with the same token, so a bookmarked tab (and a tab left open) keeps working.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, expect, startHostProcess, test } from './fixtures/host';
import { electronBinary } from './electron-binary';

test('npm start without Electron: one line, then the app; a restart keeps the address and token', async ({ page }) => {
  test.skip('path' in electronBinary(ROOT), 'the Electron binary is present here, so npm start opens a window (electron.spec.ts covers it)');
  const dir = mkdtempSync(path.join(tmpdir(), 'trichain-e2e-start-'));
  const npmStart = { argv: ['scripts/start.mjs'], env: { TRICHAIN_NO_DEMO: '1', TRICHAIN_PORT: '' } };
  try {
    const first = await startHostProcess(dir, npmStart);
    const said = first.output.filter((l) => /Electron/.test(l));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^Electron binary not available.*serving Trichain in your browser instead\.$/);
    await page.goto(first.url);
    await expect(page.getByTestId('first-run')).toBeVisible();
    await first.stop({ keepData: true });

    const second = await startHostProcess(dir, npmStart);
    try {
      expect(second.url).toBe(first.url);
      // The tab left open reconnects on reload; a bookmark of the printed address opens the app.
      await page.reload();
      await expect(page.getByTestId('first-run')).toBeVisible();
      const bookmarked = await page.context().newPage();
      await bookmarked.goto(first.url);
      await expect(bookmarked.getByTestId('first-run')).toBeVisible();
    } finally {
      await second.stop({ keepData: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
