/**
 * The whole demo walk a trainer makes, as a new user would, against the REAL node engine (five
 * nodes over HTTPS on loopback, a copy of the demo built in global-setup.ts):
 * demo roles → chart with labels → consent → request → preview → approve → verified package →
 * export → revoke → refused → access log. Waits only on UI state. Saves the screenshots of
 * README's pictures (test-results/screenshots, or docs/screenshots through `npm run screenshots`).
 */
import type { Locator, Page } from '@playwright/test';
import { test, expect, actAs, roleSwitcher, screenshotPath, waitInteractive, pageErrors } from './fixtures/host';

const RESEARCH = 'Institute for Outcomes Research';
/**
 * Signing answers once the transaction is queued; what it changes on another node shows once its
 * block has committed through the validators and that node has synced (the views reload on the
 * app's committed events). Waits for that, bounded generously for a loaded machine.
 */
const COMMITTED = { timeout: 90_000 };
const shot = (page: Page, name: string) => page.screenshot({ path: screenshotPath(name) });

/** Confirms the open sign dialog after checking its summary; resolves once it has closed. */
async function sign(page: Page, expected: { who?: RegExp; what?: RegExp; chain?: RegExp }, screenshot?: string) {
  const dialog = page.getByRole('dialog', { name: 'Confirm and sign' });
  await expect(dialog).toBeVisible();
  if (expected.who) await expect(dialog.getByTestId('sign-who')).toHaveText(expected.who);
  if (expected.what) await expect(dialog.getByTestId('sign-what')).toHaveText(expected.what);
  if (expected.chain) await expect(dialog.getByTestId('sign-chain')).toHaveText(expected.chain);
  if (screenshot) await shot(page, screenshot);
  await dialog.getByRole('button', { name: 'Sign' }).click();
  await expect(dialog).toBeHidden({ timeout: 60_000 });
}

/** The research institute files a request for the patient who consented to it. */
async function fileResearchRequest(page: Page, categories: string[]) {
  await actAs(page, 'research');
  await page.getByRole('button', { name: 'File a request' }).click();
  const form = page.getByRole('form', { name: 'File a request' });
  // The institute knows Milan only as a pseudonymous patient who named it in a consent.
  const pick = form.getByTestId('request-patient-pick');
  await expect(pick.locator('option')).toHaveCount(2, COMMITTED);
  await expect(pick.locator('option').nth(1)).toHaveText(/pseudonymous/);
  await pick.selectOption({ index: 1 });
  await expect(form.getByTestId('request-patient')).toHaveValue(/^[0-9a-f]{96}$/);
  await form.getByTestId('request-purpose').selectOption('HRESCH');
  for (const c of categories) await form.getByTestId(`category-${c}`).check();
  await form.getByTestId('request-from').fill('1900-01-01');
  await form.getByRole('button', { name: 'Sign and file' }).click();
  await sign(page, { who: new RegExp(RESEARCH), what: /^Request .* for Healthcare research \(HRESCH\)/, chain: /^social chain$/ });
  await expect(form).toBeHidden();
}

const card = (page: Page) => page.getByTestId('share-request').filter({ hasText: RESEARCH }).first();

/** St Mary's pending request from the institute, with its preview open. */
async function openPendingRequest(page: Page): Promise<Locator> {
  await actAs(page, 'stMary');
  await page.getByTestId('nav-requests').click();
  const card = page.getByTestId('share-request').filter({ hasText: RESEARCH }).and(page.locator('[data-status="pending"]'));
  await expect(card).toHaveCount(1, COMMITTED);
  await expect(card).toContainText('Milan Beatty');
  await card.getByRole('button', { name: 'Preview and decide' }).click();
  const preview = card.getByTestId('share-preview');
  await expect(preview.getByTestId('preview-decision')).toBeVisible();
  return preview;
}

test('demo roles → chart with labels → consent → request → approve → verified package → revoke → refused → access log', async ({ page, host }) => {
  test.setTimeout(480_000);
  const errors = pageErrors(page);

  // A new user opens the app: the demo consortium runs, its five roles are offered.
  await page.goto(host.url);
  await waitInteractive(page);
  await expect(roleSwitcher(page).locator('option')).toHaveText([/St Mary Hospital/, /Riverside Clinic/, /Milan Beatty — patient/, /Acme Health Insurance/, new RegExp(RESEARCH)]);
  await expect(page.getByTestId('shell')).toHaveAttribute('data-role', 'clinician');

  // St Mary's clinician finds Milan and opens the chart: label chips and the reasons behind them.
  await page.getByRole('searchbox', { name: 'Search patients' }).fill('milan');
  await expect(page.getByTestId('patient-row')).toHaveCount(1);
  await page.getByTestId('patient-row').getByRole('button', { name: 'Milan Beatty' }).click();
  await expect(page.getByTestId('chart-patient-name')).toHaveText('Milan Beatty');
  // The summary and the newest page of the timeline first; the older records a click away.
  await expect(page.getByTestId('timeline-item')).toHaveCount(100);
  await expect(page.getByTestId('timeline-more')).toContainText(/^Showing the newest 100 of [1-9]\d{2,} records\./);
  await page.getByTestId('timeline-show-all').click();
  await expect(page.getByTestId('timeline-more')).toHaveCount(0);
  expect(await page.getByTestId('timeline-item').count()).toBeGreaterThan(100);
  const sensitive = page.getByTestId('timeline-item').filter({ has: page.getByTestId('chip-sensitivity').filter({ hasText: 'PSY' }) }).first();
  // Words first, the HL7 code beside them for staff; the reasons are sentences with the rule id as a detail.
  await expect(sensitive.getByTestId('chip-sensitivity').filter({ hasText: 'PSY' })).toHaveText('Mental health PSY');
  await sensitive.getByRole('button', { name: 'Why?' }).click();
  await expect(sensitive.getByTestId('label-reasons')).toContainText('Mental health PSY');
  await expect(sensitive.getByTestId('label-reasons')).toContainText(/(mentions “|is (SNOMED CT|ICD-10-CM|RxNorm|LOINC) |points to |when the record was stored)/);
  await expect(sensitive.getByTestId('label-reasons')).not.toContainText('.coding');
  await expect(sensitive.getByTestId('label-reasons')).toContainText('rule');
  await sensitive.screenshot({ path: screenshotPath('chart-labels') });
  // The chart as it opens: header, consent status, newest records with their label chips.
  const newest = page.getByTestId('timeline-item').filter({ has: page.getByTestId('label-why') }).first();
  await newest.getByRole('button', { name: 'Why?' }).click();
  await expect(newest.getByTestId('label-reasons')).toBeVisible();
  await page.getByTestId('chart-patient-name').scrollIntoViewIfNeeded();
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, 'chart');

  // The patient grants the research institute a consent through the sign dialog.
  await actAs(page, 'patient');
  await page.getByTestId('nav-consents').click();
  await expect(page.getByTestId('empty-state')).toBeVisible();
  await page.getByRole('button', { name: 'Grant consent' }).click();
  const consentForm = page.getByRole('form', { name: 'Grant consent' });
  await consentForm.getByTestId('consent-entity').selectOption({ label: `${RESEARCH} (research)` });
  // A purpose is an HL7 purpose of use, chosen by its name: free text cannot be entered.
  await expect(consentForm.getByTestId('consent-purpose').locator('option', { hasText: 'Healthcare research (HRESCH)' })).toHaveCount(1);
  await consentForm.getByTestId('consent-purpose').selectOption('HRESCH');
  for (const c of ['condition', 'medication', 'encounter']) await consentForm.getByTestId(`category-${c}`).check();
  await consentForm.getByRole('button', { name: 'Sign consent' }).click();
  await sign(page, { who: /^Milan Beatty \(patient; key [0-9a-f]{12}…\)$/, what: new RegExp(`^Grant ${RESEARCH} access to condition, medication, encounter for Healthcare research \\(HRESCH\\) until \\d{4}-\\d{2}-\\d{2}$`), chain: /^patient chain$/ }, 'sign-dialog');
  const consent = page.getByTestId('consent-card').filter({ hasText: RESEARCH });
  // Listed at once as pending; active once its block has committed.
  await expect(consent).toHaveAttribute('data-status', 'active');
  await expect(consent.getByTestId('consent-status-badge')).toHaveText('active', COMMITTED);
  await expect(consent).toContainText('sensitive records excluded');
  await shot(page, 'consents');

  // The research institute files a request for that patient.
  await fileResearchRequest(page, ['condition', 'medication', 'encounter']);
  await expect(page.getByTestId('entity-request')).toHaveCount(1, COMMITTED);
  await expect(page.getByTestId('entity-request')).toHaveAttribute('data-status', 'pending');

  // St Mary sees it, previews the de-identified package (sensitive records left out, with reasons)
  // and approves through the sign dialog.
  let preview = await openPendingRequest(page);
  await expect(preview.getByTestId('preview-decision')).toHaveAttribute('data-decision', 'allowed');
  expect(await preview.getByTestId('preview-included').count()).toBeGreaterThan(5);
  for (const t of await preview.getByTestId('preview-included').allTextContents()) expect(t).not.toMatch(/Milan|Beatty/);
  await expect(preview.getByTestId('preview-excluded').filter({ hasText: /sensitive/ }).first()).toBeVisible();
  await expect(preview.getByTestId('preview-excluded').first()).toContainText(/^\d+ records? \(.*\): .*sensitive \(PSY/);
  await card(page).scrollIntoViewIfNeeded();
  await page.evaluate(() => document.querySelector('[data-testid="share-request"]')?.scrollIntoView({ block: 'start' }));
  await shot(page, 'share-preview');
  await preview.getByRole('button', { name: 'Approve and publish' }).click();
  await sign(page, { who: /^St Mary Hospital/, what: /^Approve request .*cross-chain proof$/, chain: /hospital chain, social chain, patient chain/ });
  await expect(page.getByText('No share requests.')).toBeVisible();

  // The research institute receives the package, verifies its proof and exports it.
  await actAs(page, 'research');
  await page.getByTestId('nav-packages').click();
  const pkg = page.getByTestId('package');
  await expect(pkg).toHaveCount(1, COMMITTED);
  await pkg.getByRole('button', { name: 'Verify proof' }).click();
  await expect(pkg.getByTestId('verification-badge')).toHaveText('verified');
  const proof = pkg.getByTestId('proof-details');
  await expect(proof).toBeVisible();
  await expect(proof).toContainText('One aggregate BLS signature over five statements: 96 bytes');
  await expect(proof).toContainText('Consent fits this request');
  // what the certificates mean: a quorum checked the records against the consent, and the consent was in force
  await expect(proof).toContainText('Hospital chain checked the records');
  await expect(proof).toContainText('Every record attested and allowed by the consent');
  await expect(proof).not.toContainText('✘');
  for (const [button, ext] of [['Export CSV', 'csv'], ['Export FHIR', 'json']] as const) {
    const download = page.waitForEvent('download');
    await pkg.getByRole('button', { name: button }).click();
    const d = await download;
    expect(d.suggestedFilename()).toMatch(new RegExp(`\\.${ext}$`));
    const text = (await (await d.createReadStream()).toArray()).join('');
    expect(text.length).toBeGreaterThan(100);
    expect(text).not.toMatch(/Milan|Beatty/);
  }
  await shot(page, 'package-verified');
  await expect(page.getByTestId('packages-view')).not.toContainText(/Milan|Beatty/);

  // One request spans hospitals (issue 11): each hospital holding Milan's records answers for
  // itself. The institute sees St Mary's package and that Riverside (a visit of Milan's) has not answered.
  await page.getByTestId('nav-file-request').click();
  const firstRequest = page.getByTestId('entity-request').first();
  const answerOf = (row: Locator, hospital: string) => row.getByTestId('request-answer').and(page.locator(`[data-hospital="${hospital}"]`));
  await expect(answerOf(firstRequest, 'St Mary Hospital')).toHaveAttribute('data-state', 'shared');
  await expect(answerOf(firstRequest, 'St Mary Hospital')).toContainText(/St Mary Hospital: shared [1-9][\d,]* records?$/);
  const stMaryShared = (await answerOf(firstRequest, 'St Mary Hospital').textContent())!.match(/shared ([\d,]+) record/)![1];
  await expect(answerOf(firstRequest, 'Riverside Clinic')).toHaveAttribute('data-state', 'awaiting');
  await expect(answerOf(firstRequest, 'Riverside Clinic')).toContainText('Riverside Clinic: not answered yet');
  await expect(firstRequest).toHaveAttribute('data-status', 'pending');
  await expect(page.getByTestId('entity-requests-view')).not.toContainText(/Milan|Beatty/);

  // Riverside sees the request awaiting its own answer (St Mary's answer does not close it there) and approves.
  await actAs(page, 'riverside');
  await page.getByTestId('nav-requests').click();
  const atRiverside = page.getByTestId('share-request').filter({ hasText: RESEARCH }).and(page.locator('[data-status="pending"]'));
  await expect(atRiverside).toHaveCount(1, COMMITTED);
  await expect(atRiverside.getByTestId('request-own-status')).toHaveText('awaiting your answer');
  await expect(answerOf(atRiverside, 'St Mary Hospital')).toContainText(`St Mary Hospital: shared ${stMaryShared} record`);
  await expect(answerOf(atRiverside, 'Riverside Clinic')).toContainText('Riverside Clinic (you): awaiting your answer');
  await atRiverside.getByRole('button', { name: 'Preview and decide' }).click();
  const riversidePreview = atRiverside.getByTestId('share-preview');
  await expect(riversidePreview.getByTestId('preview-decision')).toHaveAttribute('data-decision', 'allowed');
  await riversidePreview.getByRole('button', { name: 'Approve and publish' }).click();
  await sign(page, { who: /^Riverside Clinic/, what: /^Approve request .*cross-chain proof$/ });
  await expect(page.getByText('No share requests.')).toBeVisible();
  await page.getByRole('button', { name: 'All' }).click();
  const answered = page.getByTestId('share-request').filter({ hasText: RESEARCH }).first();
  await expect(answered.getByTestId('request-own-status')).toHaveText('you shared', COMMITTED);
  await expect(answerOf(answered, 'Riverside Clinic')).toContainText(/Riverside Clinic \(you\): you shared [1-9]/);

  // The institute sees both hospitals' answers, and a package from each.
  await actAs(page, 'research');
  await page.getByTestId('nav-file-request').click();
  await expect(answerOf(firstRequest, 'Riverside Clinic')).toHaveAttribute('data-state', 'shared', COMMITTED);
  await expect(answerOf(firstRequest, 'Riverside Clinic')).toContainText(/Riverside Clinic: shared [1-9][\d,]* records?$/);
  await expect(answerOf(firstRequest, 'St Mary Hospital')).toContainText(`St Mary Hospital: shared ${stMaryShared} record`);
  await expect(firstRequest).toHaveAttribute('data-status', 'fulfilled');
  await page.getByTestId('nav-packages').click();
  await expect(pkg).toHaveCount(2, COMMITTED);
  for (const hospital of ['St Mary Hospital', 'Riverside Clinic']) await expect(pkg.filter({ has: page.getByTestId('package-hospital').filter({ hasText: hospital }) })).toHaveCount(1);

  // A second request, filed while the consent holds; the institute's screens never name Milan.
  await fileResearchRequest(page, ['condition']);
  await expect(page.getByTestId('entity-request').and(page.locator('[data-status="pending"]'))).toHaveCount(1, COMMITTED);
  await expect(page.getByTestId('entity-requests-view')).not.toContainText(/Milan|Beatty/);
  await expect(page.getByTestId('entity-request').first()).toContainText('(pseudonymous)');

  // The patient revokes; what was already shared under the consent stays listed, with its count.
  await actAs(page, 'patient');
  await page.getByTestId('nav-consents').click();
  await expect(consent.getByTestId('consent-shared')).toHaveText(/^[1-9][\d,]* records in 2 packages$/);
  const sharedBefore = (await consent.getByTestId('consent-shared').textContent())!;
  await consent.getByRole('button', { name: 'Revoke' }).click();
  await sign(page, { what: /^Revoke consent .*every later share stops at once$/, chain: /^patient chain$/ });
  await expect(consent).toHaveAttribute('data-status', 'revoked', COMMITTED);
  await expect(consent.getByTestId('consent-shared')).toHaveText(sharedBefore);
  await expect(page.getByTestId('already-shared')).toContainText(RESEARCH);
  await expect(page.getByTestId('already-shared')).toContainText(`${stMaryShared} records`);
  // The patient sees each hospital's package of the request.
  await expect(page.getByTestId('already-shared').locator('li')).toHaveCount(2);
  await expect(page.getByTestId('already-shared').locator('li').filter({ hasText: 'from St Mary Hospital' })).toContainText(`${stMaryShared} records`);
  await expect(page.getByTestId('already-shared').locator('li').filter({ hasText: 'from Riverside Clinic' })).toHaveCount(1);

  // A new request after the revocation cannot be filed: the picker says the consent is revoked.
  await actAs(page, 'research');
  await page.getByRole('button', { name: 'File a request' }).click();
  const late = page.getByRole('form', { name: 'File a request' });
  await expect(late.getByTestId('request-patient-pick').locator('option').nth(1)).toHaveText(/pseudonymous\) — consent revoked/);
  await late.getByTestId('request-patient-pick').selectOption({ index: 1 });
  await expect(late.getByTestId('request-consent-revoked')).toContainText('revoked the consent that named you');
  await expect(late.getByRole('button', { name: 'Sign and file' })).toBeDisabled();
  await late.getByRole('button', { name: 'Cancel' }).click();

  // St Mary answers the pending request: a refusal, with the revocation as its reason, and the
  // sign dialog describes a refusal (not an approval).
  preview = await openPendingRequest(page);
  await expect(preview.getByTestId('preview-decision')).toHaveAttribute('data-decision', 'refused');
  await expect(preview.getByTestId('preview-decision')).toContainText(/revoked/);
  await expect(preview.getByRole('button', { name: 'Approve and publish' })).toHaveCount(0);
  await preview.getByRole('button', { name: 'Answer: refuse (signed)' }).click();
  const dialog = page.getByRole('dialog', { name: 'Confirm and sign' });
  await expect(dialog.getByTestId('sign-what')).toHaveText(/^Refuse request .* from Institute for Outcomes Research: nothing is shared; the refusal and its reason are recorded on the social chain$/);
  await expect(dialog).not.toContainText(/Approve|publish/);
  await expect(dialog).toContainText(/Reason.*revoked/);
  await sign(page, { what: /^Refuse request /, chain: /social chain/ });
  await page.getByRole('button', { name: 'All' }).click();
  const refused = page.getByTestId('share-request').and(page.locator('[data-status="refused"]'));
  await expect(refused).toHaveCount(1);
  await expect(refused.getByTestId('request-decision')).toContainText(/revoked/);
  await actAs(page, 'research');
  await expect(page.getByTestId('entity-request').and(page.locator('[data-status="refused"]')).getByTestId('request-decision')).toContainText(/revoked/, COMMITTED);

  // Milan's access log lists the grant, the share, the refusal, the revocation, the requests and the chart view.
  await actAs(page, 'patient');
  await page.getByTestId('nav-access').click();
  const rows = page.getByTestId('audit-row');
  // Each act in words: who did what, the consent's purpose and grantee, the count shared, no internal names or ids.
  for (const [action, badge, subject] of [
    ['consent.grant', 'consent given', `Milan Beatty granted a consent for Healthcare research (HRESCH), to ${RESEARCH}`],
    ['share', 'shared', `St Mary Hospital approved the request and shared ${stMaryShared} records with ${RESEARCH}`],
    ['refused', 'refused', `St Mary Hospital refused the request of ${RESEARCH}: the consent was revoked`],
    ['consent.revoke', 'consent revoked', `Milan Beatty revoked the consent for Healthcare research (HRESCH), to ${RESEARCH}`],
    ['request', 'requested', `${RESEARCH} asked for records for Healthcare research (HRESCH)`],
    ['read', 'viewed', 'St Mary Hospital viewed the chart ('],
  ]) {
    const row = rows.and(page.locator(`[data-action="${action}"]`)).filter({ hasText: subject }).first();
    await expect(row).toBeVisible(COMMITTED);
    await expect(row.locator('.badge')).toHaveText(badge);
  }
  await expect(page.getByTestId('audit-table')).not.toContainText(/consent\.|share\.|chart\.|\(system\)|[0-9a-f]{12}/);
  await shot(page, 'access-log');
  expect(errors).toEqual([]);
});
