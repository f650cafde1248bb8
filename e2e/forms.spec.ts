/**
 * Forms stop mistakes before signing: each walk enters what a new user might, and checks that the
 * form says what is wrong in words and that the sign dialog never opens (the same schema the node
 * applies at sign.prepare). Amend is offered on this organization's own records only, with a form.
 */
import type { Page } from '@playwright/test';
import { test, expect, actAs, waitInteractive } from './fixtures/host';

const signDialog = (page: Page) => page.getByRole('dialog', { name: 'Confirm and sign' });

test('refusals before signing: a purpose is picked (never typed), no past "valid until", no inverted period', async ({ page, host }) => {
  await page.goto(host.url);
  await waitInteractive(page);

  // The patient's consent form: purposes are HL7 purposes of use named in words.
  await actAs(page, 'patient');
  await page.getByTestId('nav-consents').click();
  await page.getByRole('button', { name: 'Grant consent' }).click();
  const consent = page.getByRole('form', { name: 'Grant consent' });
  const purpose = consent.getByTestId('consent-purpose');
  await expect(purpose).toHaveJSProperty('tagName', 'SELECT');
  await expect(purpose.locator('option', { hasText: 'Healthcare research (HRESCH)' })).toHaveCount(1);
  await expect(purpose.locator('option', { hasText: 'Healthcare payment (HPAYMT)' })).toHaveCount(1);
  await consent.getByTestId('category-condition').check();
  await consent.getByTestId('consent-until').fill('2001-01-01');
  await expect(consent.getByTestId('error-consent-until-error')).toHaveText('2001-01-01 is in the past: choose today or a later date');
  await consent.getByRole('button', { name: 'Sign consent' }).click();
  await expect(consent.getByTestId('error-consent-purpose-error')).toContainText("choose a purpose of use from HL7's PurposeOfUse list");
  await expect(signDialog(page)).toBeHidden();
  await purpose.selectOption('HPAYMT');
  await expect(consent.getByTestId('error-consent-purpose-error')).toHaveCount(0);
  await consent.getByRole('button', { name: 'Sign consent' }).click();
  await expect(signDialog(page)).toBeHidden();
  await expect(consent.getByTestId('error-consent-until-error')).toBeVisible();

  // The insurer's request form: the period must start on or before its end.
  await actAs(page, 'insurer');
  await page.getByRole('button', { name: 'File a request' }).click();
  const request = page.getByRole('form', { name: 'File a request' });
  await expect(request.getByTestId('request-purpose')).toHaveJSProperty('tagName', 'SELECT');
  await request.getByTestId('request-patient').fill('Milan Beatty');
  await request.getByTestId('request-purpose').selectOption('HPAYMT');
  await request.getByTestId('category-condition').check();
  await request.getByTestId('request-from').fill('2024-06-01');
  await request.getByTestId('request-to').fill('2024-01-01');
  await expect(request.getByTestId('error-request-to-error')).toHaveText('the period must start on or before its end');
  await request.getByRole('button', { name: 'Sign and file' }).click();
  await expect(request.getByTestId('error-request-patient-error')).toContainText('96 hexadecimal characters');
  await expect(signDialog(page)).toBeHidden();
});

test('refusals before signing: a blank code, an oversized description; amend only own records, with a form', async ({ page, host }) => {
  await page.goto(host.url);
  await waitInteractive(page);
  await page.getByRole('searchbox', { name: 'Search patients' }).fill('milan');
  await page.getByTestId('patient-row').getByRole('button', { name: 'Milan Beatty' }).click();
  await expect(page.getByTestId('chart-patient-name')).toHaveText('Milan Beatty');

  await page.getByRole('button', { name: 'Add record' }).click();
  const form = page.getByRole('form', { name: 'Add record' });
  await expect(form).toBeInViewport();
  await form.getByTestId('record-code').fill('   ');
  await form.getByTestId('record-display').fill('Glucose');
  await expect(form.getByTestId('error-record-code-error')).toHaveText('a code cannot be blank');
  await form.getByRole('button', { name: 'Sign and save' }).click();
  await expect(signDialog(page)).toBeHidden();
  await form.getByTestId('record-code').fill('2339-0');
  await expect(form.getByTestId('error-record-code-error')).toHaveCount(0);
  await form.getByTestId('record-display').fill('x'.repeat(200_000));
  await expect(form.getByTestId('error-record-display-error')).toHaveText('200,000 characters is too long: the limit is 10,000');
  await form.getByRole('button', { name: 'Sign and save' }).click();
  await expect(signDialog(page)).toBeHidden();
  await expect(form.getByTestId('form-errors')).toContainText('Nothing was signed');
  await form.getByRole('button', { name: 'Cancel' }).click();

  // Riverside's records in St Mary's chart offer no Amend; St Mary's own do. (Without a key for
  // them, St Mary cannot read their dates: they are listed last, after the first page, saying so.)
  const items = page.getByTestId('timeline-item');
  await page.getByTestId('timeline-show-all').click();
  await expect(items.filter({ hasText: 'Riverside Clinic' }).first()).toBeVisible();
  await expect(items.filter({ hasText: 'Riverside Clinic' }).first().getByTestId('date-unreadable')).toHaveText('date not readable here');
  await expect(items.filter({ hasText: 'Riverside Clinic' }).getByTestId('undated')).toHaveCount(0);
  await expect(items.filter({ hasText: 'Riverside Clinic' }).getByTestId('amend-record')).toHaveCount(0);
  const own = items.and(page.locator('[data-resource-type="Observation"]')).filter({ hasText: 'St Mary Hospital' }).first();
  await own.getByTestId('amend-record').click();
  const amend = page.getByRole('form', { name: 'Amend record' });
  await expect(amend).toBeInViewport();
  await expect(amend.getByTestId('amend-json')).toHaveCount(0);
  await amend.getByTestId('amend-value').fill('81.5');
  await amend.getByTestId('amend-unit').fill('kg');
  await amend.getByRole('button', { name: 'Sign amendment' }).click();
  await expect(amend.getByTestId('error-amend-reason-error')).toBeVisible();
  await expect(signDialog(page)).toBeHidden();
  await amend.getByTestId('amend-reason').fill('value entered wrongly');
  await amend.getByRole('button', { name: 'Sign amendment' }).click();
  await expect(signDialog(page).getByTestId('sign-what')).toHaveText(/^Amend /);
  await signDialog(page).getByRole('button', { name: 'Sign' }).click();
  await expect(signDialog(page)).toBeHidden({ timeout: 60_000 });
  await expect(amend).toBeHidden();
  // Signing answers at once (the record shows pending); the new version shows once its block has committed.
  await expect(items.filter({ hasText: '(amended)' }).first()).toBeVisible({ timeout: 90_000 });
});
