/**
 * Every screen has an address: a reload stays where it was, Back and Forward move between screens
 * (and roles), an import's result is still there after a reload, a wrong token explains how to
 * reconnect, and the network page fits a 1280 px window with its ECDSA baseline.
 */
import { test, expect, actAs, apiCall, waitInteractive } from './fixtures/host';

test('routes: reload and Back keep the place, across screens and roles; the network page fits 1280 px', async ({ page, host }) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(host.url);
  await waitInteractive(page);
  await expect(page).toHaveURL(/#\/stMary\/patients$/);

  await page.getByRole('searchbox', { name: 'Search patients' }).fill('milan');
  await page.getByTestId('patient-row').getByRole('button', { name: 'Milan Beatty' }).click();
  await expect(page).toHaveURL(/#\/stMary\/chart\/[0-9a-f]{96}$/);
  await expect(page.getByTestId('chart-patient-name')).toHaveText('Milan Beatty');
  await page.reload();
  await waitInteractive(page);
  await expect(page.getByTestId('chart-patient-name')).toHaveText('Milan Beatty');

  await page.getByTestId('nav-requests').click();
  await expect(page).toHaveURL(/#\/stMary\/requests$/);
  await page.goBack();
  await expect(page.getByTestId('chart-patient-name')).toHaveText('Milan Beatty');
  await page.goBack();
  await expect(page.getByTestId('patients-view')).toBeVisible();
  await page.goForward();
  await expect(page.getByTestId('chart-patient-name')).toHaveText('Milan Beatty');

  // A role switch is a step too: Back returns to the role and screen it left.
  await actAs(page, 'research');
  await expect(page).toHaveURL(/#\/research\/file-request$/);
  await page.getByTestId('nav-network').click();
  await expect(page).toHaveURL(/#\/research\/network$/);
  await page.reload();
  await waitInteractive(page);
  await expect(page.getByTestId('network-view')).toBeVisible();
  await expect(page.getByTestId('shell')).toHaveAttribute('data-role', 'entity');
  await page.goBack();
  await expect(page.getByTestId('entity-requests-view')).toBeVisible();
  await page.goBack();
  await expect(page.getByTestId('shell')).toHaveAttribute('data-role', 'clinician');
  await expect(page.getByTestId('chart-patient-name')).toHaveText('Milan Beatty');

  // The network page with the explorer and a block open fits the window; the chart has its ECDSA baseline.
  await page.getByTestId('nav-network').click();
  await page.getByTestId('explore-hospital').click();
  await page.getByTestId('block-explorer').getByTestId('block-row').first().getByRole('button').click();
  await expect(page.getByTestId('certificate')).toBeVisible();
  await expect(page.getByTestId('signature-chart')).toContainText('baseline: one ECDSA signature per party');
  await expect(page.getByTestId('signature-chart').locator('.recharts-bar-rectangle').first()).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
});

test('a long import reports its result after a reload; a wrong token says how to reconnect', async ({ page, host, browser }) => {
  test.setTimeout(240_000);
  await page.goto(host.url);
  await waitInteractive(page);
  await page.getByTestId('nav-import').click();
  const subject = { reference: 'Patient/route-patient-1' };
  const bundle = {
    resourceType: 'Bundle', type: 'collection', entry: [
      { resource: { resourceType: 'Patient', id: 'route-patient-1', name: [{ given: ['Rita'], family: 'Route' }], gender: 'female', birthDate: '1980-02-02' } },
      ...[1, 2, 3].map((i) => ({ resource: { resourceType: 'Observation', id: `route-obs-${i}`, status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'Body Weight' }] }, subject, effectiveDateTime: `2024-0${i}-01`, valueQuantity: { value: 70 + i, unit: 'kg' } } })),
    ],
  };
  await page.getByTestId('import-json').fill(JSON.stringify(bundle));
  await page.getByTestId('import-submit').click();
  await page.getByRole('dialog', { name: 'Confirm and sign' }).getByRole('button', { name: 'Sign' }).click();
  await expect(page.getByTestId('import-result')).toContainText('Imported 4 resources', { timeout: 90_000 });
  await expect(page).toHaveURL(/#\/stMary\/import\/imp-[a-z0-9-]+$/);
  const importId = /import\/(imp-[a-z0-9-]+)$/.exec(page.url())![1];
  expect((await apiCall<{ phase: string }>(host, 'imports.status', { importId })).phase).toBe('done');
  await page.reload();
  await waitInteractive(page);
  await expect(page.getByTestId('import-result')).toContainText('Imported 4 resources');
  await page.getByRole('button', { name: 'Open the chart' }).click();
  await expect(page.getByTestId('chart-patient-name')).toContainText('Rita');

  // An old or wrong token: a page that says how to reconnect.
  const other = await browser.newPage();
  await other.goto(`${host.origin}/#token=${'0'.repeat(64)}`);
  const bad = other.getByTestId('bad-token');
  await expect(bad).toBeVisible();
  await expect(bad.getByRole('heading', { level: 1 })).toHaveText('This session has expired');
  await expect(bad.getByTestId('reconnect-steps')).toContainText('npm start');
  await expect(bad.getByTestId('reconnect-steps')).toContainText('#token=');
  await other.close();
});
