/**
 * A trainer stops one of the demo's four validators from the Network page and shows that the
 * hospital and social chains keep committing with three of four signers (in the block explorer),
 * then starts it again and sees it catch up. Over the real demo (a copy of global-setup's template).
 */
import { test, expect, waitInteractive } from './fixtures/host';

const LIVE = { timeout: 90_000 };

test('stop a validator from the UI: the chains commit with 3 of 4 signers; started again, it catches up', async ({ page, host }) => {
  test.setTimeout(300_000);
  await page.goto(host.url);
  await waitInteractive(page);
  await page.getByTestId('nav-network').click();
  const panel = page.getByTestId('validators-panel');
  const rows = panel.getByTestId('validator-row');
  await expect(rows).toHaveCount(4);
  await expect(rows.and(page.locator('[data-running="true"]'))).toHaveCount(4);
  for (const chain of ['hospital', 'social']) await expect(panel.getByTestId('validators-chain').and(page.locator(`[data-chain="${chain}"]`))).toContainText(`${chain} chain: 4 validators, quorum 3`);
  // St Mary validates the patient chain alone in the demo: the panel does not let it be stopped.
  await expect(rows.and(page.locator('[data-validator="stMary"]')).getByRole('button', { name: 'Stop' })).toBeDisabled();

  const lakeside = rows.and(page.locator('[data-validator="lakeside"]'));
  await lakeside.getByRole('button', { name: 'Stop' }).click();
  await expect(lakeside).toHaveAttribute('data-running', 'false');
  await expect(lakeside.getByTestId('validator-state')).toHaveText('stopped');
  // One stopped is the most a quorum of 3 of 4 allows: the others cannot be stopped now.
  await expect(rows.and(page.locator('[data-validator="northside"]')).getByRole('button', { name: 'Stop' })).toBeDisabled();

  // The chains keep committing without it: newer blocks in the explorer, each signed by exactly 3.
  await page.getByTestId('explore-social').click();
  const explorer = page.getByTestId('block-explorer');
  const newest = explorer.getByTestId('block-row').first();
  const heightAtStop = Number(await newest.getAttribute('data-height'));
  await expect.poll(async () => Number(await newest.getAttribute('data-height')), LIVE).toBeGreaterThan(heightAtStop + 1);
  await expect(newest).toHaveAttribute('data-signers', '3');
  await expect(lakeside.getByTestId('validator-behind')).not.toHaveAttribute('data-behind', '0', LIVE);
  await newest.getByRole('button').first().click();
  await expect(explorer.getByTestId('certificate')).toContainText('3 of the validators signed (quorum 3)');
  await expect(explorer.getByTestId('block-detail')).not.toContainText('Lakeside Hospital');

  // Started again, it catches up with the others.
  await lakeside.getByRole('button', { name: 'Start' }).click();
  await expect(lakeside).toHaveAttribute('data-running', 'true');
  await expect(lakeside.getByTestId('validator-behind')).toHaveAttribute('data-behind', '0', LIVE);
  await expect(lakeside.getByTestId('validator-state')).toHaveText('running');
});
