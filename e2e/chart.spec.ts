/**
 * The chart as a clinician and as the patient read it, on the real demo consortium: a patient
 * found by MRN, the summary first (problems with onset, a weight with its unit, a goal's text,
 * trends as small charts), cards that say what matters (values with units, an undated goal marked
 * undated), and a clinical note whose text reads back on the timeline.
 */
import { test, expect, actAs, waitInteractive, pageErrors } from './fixtures/host';

const MILAN_MRN = 'e78d0ed2-1b54-4c30-90ae-f7405af1e402';
const GOAL = 'Hemoglobin A1c total in Blood < 7.0';

test('clinician: MRN search, the summary (problems, weight with unit, goal, trends), type-aware cards, a note read back', async ({ page, host }) => {
  test.setTimeout(180_000);
  const errors = pageErrors(page);
  await page.goto(host.url);
  await waitInteractive(page);

  // The MRN is in the list and the search finds the patient by a part of it.
  await page.getByRole('searchbox', { name: 'Search patients' }).fill(MILAN_MRN.slice(0, 8));
  await expect(page.getByTestId('patient-row')).toHaveCount(1);
  await expect(page.getByTestId('patient-row')).toContainText(MILAN_MRN);
  await page.getByTestId('patient-row').getByRole('button', { name: 'Milan Beatty' }).click();
  await expect(page.getByTestId('chart-patient-facts')).toContainText(`MRN ${MILAN_MRN}`);

  // The summary first.
  const summary = page.getByTestId('chart-summary');
  await expect(summary.getByTestId('summary-problems')).toContainText('Prediabetes since 1996-11-02');
  const weight = summary.getByTestId('vitals-row').filter({ hasText: 'Body Weight' });
  await expect(weight.getByTestId('clinical-value')).toHaveText(/^\d+(\.\d+)? kg$/);
  await expect(summary.getByTestId('vitals-row').filter({ hasText: 'Blood Pressure' }).getByTestId('clinical-value').first()).toHaveText(/^\d+\/\d+ mmHg/);
  await expect(summary.getByTestId('labs-row').filter({ hasText: 'Hemoglobin A1c' }).first()).toContainText('%');
  await expect(summary.getByTestId('summary-goals')).toContainText(GOAL);
  const trend = summary.getByTestId('trend').and(page.locator('[data-name="Body Weight"]'));
  await expect(trend.getByRole('img')).toHaveAttribute('aria-label', /^Body Weight: \d+ values from .* latest [\d.]+ kg/);
  await expect(trend.locator('svg path.recharts-line-curve')).toHaveCount(1);

  // The timeline: a weight card with its unit; the goal (undated: at the end, past the first page) reads as its text, marked undated.
  const items = page.getByTestId('timeline-item');
  await page.getByTestId('timeline-show-all').click();
  await expect(items.filter({ hasText: 'Body Weight' }).first().getByTestId('card-values')).toHaveText(/\d kg$/);
  const goal = items.and(page.locator('[data-resource-type="Goal"]')).filter({ hasText: GOAL });
  await expect(goal).toHaveCount(1);
  await expect(goal.getByTestId('undated')).toHaveText('undated');
  await expect(goal.getByRole('heading')).toHaveText(GOAL);

  // A clinical note: its text reads back on its card.
  const note = 'Feels well. Continue diet; recheck HbA1c in 3 months.';
  await page.getByRole('button', { name: 'Add record' }).click();
  const form = page.getByRole('form', { name: 'Add record' });
  await form.getByTestId('record-kind').selectOption('DocumentReference');
  await form.getByTestId('record-date').fill('2024-06-01');
  await form.getByTestId('record-note').fill(note);
  await form.getByRole('button', { name: 'Sign and save' }).click();
  const dialog = page.getByRole('dialog', { name: 'Confirm and sign' });
  await dialog.getByRole('button', { name: 'Sign' }).click();
  await expect(dialog).toBeHidden({ timeout: 60_000 });
  const card = items.and(page.locator('[data-resource-type="DocumentReference"]')).filter({ hasText: note });
  await expect(card.getByTestId('card-note')).toHaveText(note);
  await expect(card.locator('time')).toHaveText('2024-06-01');
  expect(errors).toEqual([]);
});

test('patient: my records open with the same summary (weight with its unit, goal text) and readable cards', async ({ page, host }) => {
  await page.goto(host.url);
  await waitInteractive(page);
  await actAs(page, 'patient');
  await page.getByTestId('nav-records').click();
  const summary = page.getByTestId('chart-summary');
  await expect(summary.getByTestId('vitals-row').filter({ hasText: 'Body Weight' }).getByTestId('clinical-value')).toHaveText(/^\d+(\.\d+)? kg$/, { timeout: 60_000 });
  await expect(summary.getByTestId('summary-goals')).toContainText(GOAL);
  await page.getByTestId('timeline-show-all').click();
  await expect(page.getByTestId('timeline-item').and(page.locator('[data-resource-type="Goal"]')).filter({ hasText: GOAL }).getByTestId('undated')).toBeVisible();
});
