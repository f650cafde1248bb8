import { test, expect } from './fixtures/host';

// Renderer walk-through against the TEST-ONLY fake engine (e2e/fixtures/fake-service.ts): proves the
// screens, the signing dialog, events and navigation work end to end through the real browser host.
// It says nothing about the node's rules; flow.spec.ts (real engine) will.
test.use({ engine: 'fake' });

test('demo: roles, chart with labels, consent, request, approve, verify, revoke, audit', async ({ page, host }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(host.url);
  await page.getByTestId('start-demo').click();
  await expect(page.getByTestId('shell')).toHaveAttribute('data-role', 'clinician');

  // Clinician: search, open the chart, labels with reasons.
  await page.getByTestId('patient-search').fill('maria');
  await page.getByTestId('open-patient-pat-1').click();
  await expect(page.getByTestId('chart-patient-name')).toHaveText('Maria Lopez');
  await expect(page.getByTestId('timeline-item')).toHaveCount(4);
  await expect(page.getByTestId('chip-sensitivity').first()).toHaveText('HIV');
  await page.getByTestId('label-why').first().click();
  await expect(page.getByTestId('label-reasons').first()).toBeVisible();
  await page.screenshot({ path: 'docs/screenshots/chart.png', fullPage: true });

  // Add a record through the signing dialog.
  await page.getByTestId('add-record').click();
  await page.getByTestId('record-code').fill('2339-0');
  await page.getByTestId('record-display').fill('Glucose');
  await page.getByTestId('record-value').fill('5.4');
  await page.getByTestId('record-submit').click();
  await expect(page.getByTestId('sign-dialog')).toBeVisible();
  await expect(page.getByTestId('sign-what')).toContainText('records.add');
  await expect(page.getByTestId('sign-chain')).toContainText('hospital chain');
  await page.screenshot({ path: 'docs/screenshots/sign-dialog.png' });
  await page.getByTestId('sign-confirm').click();
  await expect(page.getByTestId('sign-dialog')).toBeHidden();
  await expect(page.getByTestId('timeline-item')).toHaveCount(5);

  // Cancelling a signature runs nothing.
  await page.getByTestId('add-record').click();
  await page.getByTestId('record-code').fill('x');
  await page.getByTestId('record-display').fill('Cancelled');
  await page.getByTestId('record-submit').click();
  await expect(page.getByTestId('sign-dialog')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('sign-dialog')).toBeHidden();
  await expect(page.getByTestId('timeline-item')).toHaveCount(5);

  // Patient grants consent.
  await page.getByTestId('role-switcher').selectOption('p1');
  await expect(page.getByTestId('shell')).toHaveAttribute('data-role', 'patient');
  await page.getByTestId('nav-consents').click();
  await page.getByTestId('grant-consent').click();
  await page.getByTestId('consent-purpose').fill('claims processing');
  await page.getByTestId('category-lab').check();
  await page.getByTestId('category-condition').check();
  await page.getByTestId('consent-submit').click();
  await page.getByTestId('sign-confirm').click();
  await expect(page.getByTestId('consent-card')).toHaveAttribute('data-status', 'active');
  await page.screenshot({ path: 'docs/screenshots/consents.png', fullPage: true });

  // Insurer files a request.
  await page.getByTestId('role-switcher').selectOption('e1');
  await page.getByTestId('new-request').click();
  await page.getByTestId('request-patient').fill('pat-1');
  await page.getByTestId('request-purpose').fill('claim 1234');
  await page.getByTestId('category-lab').check();
  await page.getByTestId('category-condition').check();
  await page.getByTestId('request-submit').click();
  await page.getByTestId('sign-confirm').click();
  await expect(page.getByTestId('entity-request')).toHaveAttribute('data-status', 'pending');

  // Clinician previews (sensitive record left out) and approves.
  await page.getByTestId('role-switcher').selectOption('h1');
  await page.getByTestId('nav-requests').click();
  await page.getByTestId('open-preview').click();
  await expect(page.getByTestId('preview-decision')).toHaveAttribute('data-decision', 'allowed');
  await expect(page.getByTestId('preview-excluded')).toContainText(['HIV']);
  await page.screenshot({ path: 'docs/screenshots/share-preview.png', fullPage: true });
  await page.getByTestId('approve-request').click();
  await page.getByTestId('sign-confirm').click();
  await expect(page.getByTestId('empty-state')).toBeVisible();

  // Insurer verifies the package and exports it.
  await page.getByTestId('role-switcher').selectOption('e1');
  await page.getByTestId('nav-packages').click();
  await page.getByTestId('verify-package').click();
  await expect(page.getByTestId('verification-badge')).toHaveText('verified');
  await expect(page.getByTestId('proof-details')).toBeVisible();
  const download = page.waitForEvent('download');
  await page.getByTestId('export-csv').click();
  expect((await download).suggestedFilename()).toMatch(/\.csv$/);
  await page.screenshot({ path: 'docs/screenshots/packages.png', fullPage: true });

  // Patient revokes; the access log lists what happened.
  await page.getByTestId('role-switcher').selectOption('p1');
  await page.getByTestId('nav-consents').click();
  await page.getByTestId('revoke-consent').click();
  await page.getByTestId('sign-confirm').click();
  await expect(page.getByTestId('consent-card')).toHaveAttribute('data-status', 'revoked');
  await expect(page.getByTestId('already-shared')).toContainText('Acme Insurance');
  await page.getByTestId('nav-access').click();
  await expect(page.locator('[data-testid="audit-row"][data-action="consent.revoke"]')).toHaveCount(1);
  await expect(page.locator('[data-testid="audit-row"][data-action="share"]')).toHaveCount(1);

  // Network: three chains, explorer, signature chart; dark theme screenshot.
  await page.getByTestId('nav-network').click();
  for (const c of ['hospital', 'patient', 'social']) await expect(page.getByTestId(`chain-${c}`)).toBeVisible();
  await page.getByTestId('explore-social').click();
  await page.getByTestId('block-row').first().getByRole('button').click();
  await expect(page.getByTestId('certificate')).toContainText('96 bytes');
  await expect(page.getByTestId('signature-chart').locator('.recharts-bar-rectangle').first()).toBeVisible();
  await page.getByTestId('theme-toggle').click(); // system → light
  await page.getByTestId('theme-toggle').click(); // light → dark
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.screenshot({ path: 'docs/screenshots/network-dark.png', fullPage: true });
  expect(errors).toEqual([]);
});

test('import shows progress and the result', async ({ page, host }) => {
  await page.goto(host.url);
  await page.getByTestId('start-demo').click();
  await page.getByTestId('nav-import').click();
  const bundle = { resourceType: 'Bundle', type: 'collection', entry: Array.from({ length: 5 }, () => ({ resource: { resourceType: 'Observation' } })) };
  await page.getByTestId('import-json').fill(JSON.stringify(bundle));
  await page.getByTestId('import-submit').click();
  await expect(page.getByTestId('import-progress')).toBeVisible();
  await page.getByTestId('sign-confirm').click();
  await expect(page.getByTestId('import-result')).toContainText('Imported 5 resources');
});

test('keyboard: the navigation and the signing dialog work without a mouse', async ({ page, host }) => {
  await page.goto(host.url);
  await page.getByTestId('start-demo').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('shell')).toBeVisible();
  await page.getByTestId('nav-patients').focus();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId('nav-chart')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('chart-view')).toBeVisible();
});
