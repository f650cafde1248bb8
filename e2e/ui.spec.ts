import { test, expect, actAs, screenshotPath, waitInteractive, pageErrors } from './fixtures/host';

// Screens beyond the main walk (flow.spec.ts), each on its own copy of the real demo consortium:
// adding a record through the signing dialog (and cancelling one), the network screen with the
// block explorer and the measured signature-storage chart (light and dark), keyboard use.

test('clinician adds a record through the sign dialog; a cancelled signature writes nothing', async ({ page, host }) => {
  const errors = pageErrors(page);
  await page.goto(host.url);
  await waitInteractive(page);
  await page.getByRole('searchbox', { name: 'Search patients' }).fill('clemente');
  await page.getByTestId('patient-row').getByRole('button', { name: /Clemente/ }).click();
  await expect(page.getByTestId('chart-patient-name')).toContainText('Clemente');
  const items = page.getByTestId('timeline-item');
  await expect(items.first()).toBeVisible();
  const before = await items.count();

  await page.getByRole('button', { name: 'Add record' }).click();
  const form = page.getByRole('form', { name: 'Add record' });
  await form.getByTestId('record-code').fill('2339-0');
  await form.getByTestId('record-display').fill('Glucose [Mass/volume] in Blood');
  await form.getByTestId('record-value').fill('5.4');
  await form.getByRole('button', { name: 'Sign and save' }).click();
  const dialog = page.getByRole('dialog', { name: 'Confirm and sign' });
  await expect(dialog.getByTestId('sign-what')).toContainText('Add a Observation to Clemente');
  await expect(dialog.getByTestId('sign-chain')).toHaveText('hospital chain, patient chain');
  await dialog.getByRole('button', { name: 'Sign' }).click();
  await expect(dialog).toBeHidden();
  await expect(items).toHaveCount(before + 1);
  await expect(items.filter({ hasText: 'Glucose [Mass/volume] in Blood' })).toHaveCount(1);

  // Escape cancels the signature: nothing is written.
  await page.getByRole('button', { name: 'Add record' }).click();
  await form.getByTestId('record-code').fill('8867-4');
  await form.getByTestId('record-display').fill('Cancelled heart rate');
  await form.getByRole('button', { name: 'Sign and save' }).click();
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(items.filter({ hasText: 'Cancelled heart rate' })).toHaveCount(0);
  await expect(items).toHaveCount(before + 1);
  expect(errors).toEqual([]);
});

test('network: three chains, block explorer with a 96-byte certificate, measured signature storage (light and dark)', async ({ page, host }) => {
  await page.goto(host.url);
  await waitInteractive(page);
  await page.getByTestId('nav-network').click();
  for (const c of ['hospital', 'patient', 'social']) await expect(page.getByTestId(`chain-${c}`).getByTestId('chain-height')).toHaveText(/^[1-9]\d*$/);
  await page.getByTestId('explore-hospital').click();
  const explorer = page.getByTestId('block-explorer');
  await expect(explorer.getByTestId('block-row').first()).toBeVisible();
  await explorer.getByTestId('block-row').first().getByRole('button').click();
  await expect(page.getByTestId('certificate')).toContainText('one aggregate signature of 96 bytes');
  await expect(page.getByTestId('signature-chart').locator('.recharts-bar-rectangle').first()).toBeVisible();
  await expect(page.getByTestId('signature-chart')).toContainText(/measured/);

  const theme = page.getByTestId('theme-toggle');
  for (const want of ['light', 'dark'] as const) {
    // system → light → dark
    while ((await page.locator('html').getAttribute('data-theme')) !== want || !(await theme.getAttribute('aria-label'))?.startsWith(`Theme: ${want}`)) await theme.click();
    await expect(page.locator('html')).toHaveAttribute('data-theme', want);
    await page.getByTestId('signature-chart').scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath(want === 'light' ? 'network' : 'network-dark'), fullPage: true });
  }

  // A patient's laptop replicates the patient chain only.
  await actAs(page, 'patient');
  await page.getByTestId('nav-network').click();
  await expect(page.getByTestId('chain-patient').getByTestId('chain-height')).toHaveText(/^[1-9]\d*$/);
  await expect(page.getByTestId('explore-hospital')).toHaveCount(0);
});

test('keyboard: the navigation and the role switcher work without a mouse', async ({ page, host }) => {
  await page.goto(host.url);
  await waitInteractive(page);
  await page.getByTestId('nav-patients').focus();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId('nav-chart')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('chart-view')).toContainText('No patient selected');
  await page.getByRole('combobox', { name: /acting as/i }).focus();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId('shell')).toHaveAttribute('data-role', 'clinician');
  await expect(page.getByRole('heading', { name: 'Patients' })).toBeVisible();
});
