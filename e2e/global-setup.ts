/**
 * Builds the demo consortium ONCE for the whole run, the way a new user gets it: the real host
 * (`src-main/host/main.ts`, what `npm start` runs without Electron) on an empty data folder starts
 * the demo by itself; a browser page waits until the app is interactive. That first start is also
 * the "fresh demo" figure of docs/e2e-timing.md. The host is then stopped and its data folder is the
 * template every test copies (fixtures/host.ts → copyTemplate).
 */
import { chromium, type FullConfig } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TEMPLATE_ENV, startHostProcess, waitInteractive } from './fixtures/host';

export const FRESH_TIMING_ENV = 'TRICHAIN_E2E_FRESH_TIMING';

export default async function globalSetup(config: FullConfig) {
  const root = mkdtempSync(path.join(tmpdir(), 'trichain-e2e-template-'));
  const dataDir = path.join(root, 'data');
  const launch = config.projects[0]?.use.launchOptions ?? {};
  const browser = await chromium.launch({ ...launch, headless: true });
  const host = await startHostProcess(dataDir, { timeoutMs: 120_000 });
  try {
    const page = await browser.newPage();
    await page.goto(host.url);
    // Generous: on a loaded 2-core machine building five nodes and seeding them can take minutes.
    await waitInteractive(page, 420_000);
    const interactiveAt = performance.now();
    const timing = { spawnToReadyMs: Math.round(host.readyAt - host.spawnedAt), spawnToInteractiveMs: Math.round(interactiveAt - host.spawnedAt) };
    writeFileSync(path.join(root, 'fresh-timing.json'), JSON.stringify(timing));
    process.env[FRESH_TIMING_ENV] = JSON.stringify(timing);
    console.log(`[e2e] demo template built in ${(timing.spawnToInteractiveMs / 1000).toFixed(1)} s (host spawn → interactive page): ${dataDir}`);
  } catch (e) {
    console.error(host.output.join('\n'));
    throw e;
  } finally {
    await browser.close();
    await host.stop({ keepData: true });
  }
  process.env[TEMPLATE_ENV] = dataDir;
  return async () => rmSync(root, { recursive: true, force: true });
}
