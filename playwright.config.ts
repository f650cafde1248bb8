import { defineConfig } from '@playwright/test';

// End-to-end tests. Browser tests run Debian's Chromium (/usr/bin/chromium; `apt-get install -y
// chromium`) against the browser host; electron.spec.ts runs only when the Electron binary exists.
// Run through `npm run test:e2e` (scripts/e2e.mjs builds the renderer first).
export default defineConfig({
  testDir: 'e2e',
  // flow.spec.ts is a DRAFT of the full demo flow (demo → chart → consent → request → approve →
  // verify → revoke → refused → audit). It needs the real node engine (src-main/app/service.ts),
  // which does not exist yet, so it is excluded here on purpose — not skipped silently. Remove this
  // line once the service lands.
  testIgnore: ['**/flow.spec.ts', '**/fixtures/**'],
  outputDir: 'test-results',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: process.env.CI ? 2 : undefined,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
});
