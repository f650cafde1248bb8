import { defineConfig } from '@playwright/test';

// End-to-end tests over the real node engine. Browser tests run Debian's Chromium
// (/usr/bin/chromium; `apt-get install -y chromium`) against the browser host (src-main/host/main.ts,
// what `npm start` runs when the Electron binary is absent); electron.spec.ts runs only when the
// Electron binary exists and otherwise reports itself skipped with the reason.
// global-setup.ts builds the demo consortium once (a template data folder); every test runs its own
// host on a copy of it (e2e/fixtures/host.ts). Run through `npm run test:e2e` (scripts/e2e.mjs
// rebuilds the renderer first when it is stale).
export default defineConfig({
  testDir: 'e2e',
  testIgnore: ['**/fixtures/**'],
  globalSetup: './e2e/global-setup.ts',
  outputDir: 'test-results',
  timeout: 120_000,
  expect: { timeout: 20_000 },
  fullyParallel: true,
  // Each test runs five nodes and a browser: two at a time is what a loaded 2-core machine takes.
  workers: Number(process.env.TRICHAIN_E2E_WORKERS) || 2,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    trace: 'retain-on-failure',
    actionTimeout: 30_000,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
});
