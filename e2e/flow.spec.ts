/**
 * DRAFT — full demo flow against the REAL node engine (src-main/app/service.ts).
 * Excluded in playwright.config.ts (testIgnore) until the service exists; remove it from testIgnore
 * then. Written against the renderer's data-testids; expectations on the node's behaviour (which
 * records a consent selects, what is refused, what the audit shows) follow DESIGN.md §6.
 */
import { test, expect } from './fixtures/host';

test.use({ engine: 'real' });

/** Act as the first demo role whose label matches. */
async function actAs(page: import('@playwright/test').Page, label: RegExp | 'first') {
  const select = page.getByTestId('role-switcher');
  if (label === 'first') return void (await select.selectOption({ index: 0 }));
  for (const o of await select.locator('option').all()) {
    if (label.test((await o.textContent()) ?? '')) return void (await select.selectOption((await o.getAttribute('value')) ?? ''));
  }
  throw new Error(`no demo role matches ${label}`);
}

test('demo → chart → consent → request → approve → verify → revoke → refused → audit', async ({ page, host }) => {
  await page.goto(host.url);
  await page.getByTestId('start-demo').click();
  await expect(page.getByTestId('shell')).toHaveAttribute('data-role', 'clinician');

  // Clinician opens a chart; labels and their reasons are shown.
  await page.getByTestId('patient-row').first().getByRole('button').click();
  await expect(page.getByTestId('timeline-item').first()).toBeVisible();
  await page.getByTestId('label-why').first().click();
  await expect(page.getByTestId('label-reasons').first()).toBeVisible();
  const patientName = (await page.getByTestId('chart-patient-name').textContent()) ?? '';

  // The patient grants the insurer lab + medication until next year.
  await actAs(page, /patient/i);
  await page.getByTestId('nav-consents').click();
  await page.getByTestId('grant-consent').click();
  await page.getByTestId('consent-purpose').fill('claims processing');
  await page.getByTestId('category-lab').check();
  await page.getByTestId('category-medication').check();
  await page.getByTestId('consent-submit').click();
  await expect(page.getByTestId('sign-who')).not.toBeEmpty();
  await expect(page.getByTestId('sign-chain')).toContainText('patient');
  await page.getByTestId('sign-confirm').click();
  await expect(page.getByTestId('consent-card').first()).toHaveAttribute('data-status', 'active');

  // The insurer files a request for the patient.
  await actAs(page, /insur/i);
  await page.getByTestId('new-request').click();
  await page.getByTestId('request-patient').fill(patientName); // TODO: the id the demo gives the insurer
  await page.getByTestId('request-purpose').fill('claims processing');
  await page.getByTestId('category-lab').check();
  await page.getByTestId('request-submit').click();
  await page.getByTestId('sign-confirm').click();

  // A hospital approves after the de-identified preview.
  await actAs(page, 'first');
  await page.getByTestId('nav-requests').click();
  await page.getByTestId('open-preview').first().click();
  await expect(page.getByTestId('preview-decision')).toHaveAttribute('data-decision', 'allowed');
  await page.getByTestId('approve-request').click();
  await page.getByTestId('sign-confirm').click();

  // The insurer verifies the package.
  await actAs(page, /insur/i);
  await page.getByTestId('nav-packages').click();
  await page.getByTestId('verify-package').first().click();
  await expect(page.getByTestId('verification-badge').first()).toHaveText('verified');

  // The patient revokes; a new request is refused.
  await actAs(page, /patient/i);
  await page.getByTestId('nav-consents').click();
  await page.getByTestId('revoke-consent').first().click();
  await page.getByTestId('sign-confirm').click();
  await expect(page.getByTestId('consent-card').first()).toHaveAttribute('data-status', 'revoked');
  await actAs(page, /insur/i);
  await page.getByTestId('new-request').click();
  await page.getByTestId('request-patient').fill(patientName);
  await page.getByTestId('request-purpose').fill('claims processing');
  await page.getByTestId('category-lab').check();
  await page.getByTestId('request-submit').click();
  await page.getByTestId('sign-confirm').click();
  await actAs(page, 'first');
  await page.getByTestId('nav-requests').click();
  await page.getByTestId('open-preview').first().click();
  await expect(page.getByTestId('preview-decision')).toHaveAttribute('data-decision', 'refused');

  // The patient's access log shows the share and the revocation.
  await actAs(page, /patient/i);
  await page.getByTestId('nav-access').click();
  await expect(page.locator('[data-testid="audit-row"][data-action="share"]')).not.toHaveCount(0);
  await expect(page.locator('[data-testid="audit-row"][data-action="consent.revoke"]')).not.toHaveCount(0);
});
