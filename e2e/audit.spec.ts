/**
 * The patient's audit trail in words, on the real demo consortium: the demo's first-run import and
 * Riverside's visit (recorded before Milan enrolled) are in it, a chart view is one entry per
 * sign-in (reopening the chart in the same sign-in adds none; signing in again adds one), a record
 * added and a request filed are in it, and the FHIR AuditEvent export holds the same entries with
 * the same sentences.
 */
import { test, expect, actAs, waitInteractive, pageErrors } from './fixtures/host';
import type { Page } from '@playwright/test';

const COMMITTED = { timeout: 90_000 };
const VIEWED = 'St Mary Hospital viewed the chart (';

async function openMilan(page: Page) {
  await page.getByTestId('nav-patients').click();
  await page.getByRole('searchbox', { name: 'Search patients' }).fill('milan');
  await page.getByTestId('patient-row').getByRole('button', { name: 'Milan Beatty' }).click();
  await expect(page.getByTestId('chart-patient-name')).toHaveText('Milan Beatty');
}

/** The trail's rows of one action whose sentence matches. */
const rows = (page: Page, action: string, subject: string | RegExp) =>
  page.getByTestId('audit-row').and(page.locator(`[data-action="${action}"]`)).filter({ has: page.getByTestId('audit-subject').filter({ hasText: subject }) });

test('audit trail: first-run import, visit, views per sign-in, a record added, the FHIR AuditEvent export', async ({ page, host }) => {
  test.setTimeout(240_000);
  const errors = pageErrors(page);
  await page.goto(host.url);
  await waitInteractive(page);

  // The demo's first run: St Mary imported Milan's bundle, Riverside recorded a visit, before he enrolled.
  await actAs(page, 'patient');
  await page.getByTestId('nav-access').click();
  const imported = rows(page, 'import', /^St Mary Hospital imported [1-9]\d{2} records \(on \d{4}-\d{2}-\d{2}, before enrolment\)$/);
  await expect(imported).toHaveCount(1);
  await expect(imported.locator('.badge')).toHaveText('imported');
  await expect(rows(page, 'write', /^Riverside Clinic added an? [a-z ]+ record \(on \d{4}-\d{2}-\d{2}, before enrolment\)$/).first()).toBeVisible();
  const viewsBefore = await rows(page, 'read', VIEWED).count();

  // One sign-in as St Mary: the chart opened twice, one entry.
  await actAs(page, 'stMary');
  await openMilan(page);
  await openMilan(page);
  // A record added (its own entry).
  await page.getByRole('button', { name: 'Add record' }).click();
  const form = page.getByRole('form', { name: 'Add record' });
  await form.getByTestId('record-code').fill('8867-4');
  await form.getByTestId('record-display').fill('Heart rate');
  await form.getByTestId('record-value').fill('64');
  await form.getByRole('button', { name: 'Sign and save' }).click();
  const dialog = page.getByRole('dialog', { name: 'Confirm and sign' });
  await dialog.getByRole('button', { name: 'Sign' }).click();
  await expect(dialog).toBeHidden({ timeout: 60_000 });
  await actAs(page, 'patient');
  await page.getByTestId('nav-access').click();
  await expect(rows(page, 'write', /^St Mary Hospital added an observation record$/)).toHaveCount(1, COMMITTED);
  await expect(rows(page, 'read', VIEWED)).toHaveCount(viewsBefore + 1, COMMITTED);

  // A new sign-in as St Mary that opens the chart: one more entry.
  await actAs(page, 'stMary');
  await openMilan(page);
  await actAs(page, 'patient');
  await page.getByTestId('nav-access').click();
  await expect(rows(page, 'read', VIEWED)).toHaveCount(viewsBefore + 2, COMMITTED);
  await expect(rows(page, 'read', VIEWED).first().locator('.badge')).toHaveText('viewed');

  // The FHIR AuditEvent export: the same entries, the same sentences.
  const subjects = await page.getByTestId('audit-subject').allTextContents();
  const download = page.waitForEvent('download');
  await page.getByTestId('audit-export').click();
  const d = await download;
  expect(d.suggestedFilename()).toMatch(/^audit-[0-9a-f]{12}\.json$/);
  const bundle = JSON.parse((await (await d.createReadStream()).toArray()).join('')) as { resourceType: string; entry: { resource: { resourceType: string; outcomeDesc: string; action: string } }[] };
  expect(bundle.resourceType).toBe('Bundle');
  expect(bundle.entry.every((e) => e.resource.resourceType === 'AuditEvent')).toBe(true);
  expect(bundle.entry.map((e) => e.resource.outcomeDesc)).toEqual(subjects);
  expect(errors).toEqual([]);
});
