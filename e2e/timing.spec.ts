/**
 * Timing REPORT (not a timed test: no figure here fails the run). Measures, over the real engine:
 *  (a) host spawn (what `npm start` runs without Electron) → interactive page (the role switcher
 *      lists the five demo roles and is enabled) on a fresh demo (global-setup.ts builds it) and on
 *      a reopened demo (a copy of that one);
 *  (b) opening a chart of ~1,000 resources: a generated bundle (one patient, 1,000 Observations)
 *      is imported through the Import screen and its blocks commit; then the chart is opened and
 *      timed until its first screen has rendered (the summary and the first page of the timeline),
 *      then "Show all" until the timeline holds all 1,001 records (windowed: the cards on screen
 *      drawn, src-renderer/src/components/chart/VirtualTimeline.tsx), then opened again.
 *  It also checks (behaviour, not time) that "Show all" shows every record: the list tells its
 *  1,001 items their place, End on a card reaches the oldest record, and scrolling through the
 *  page passes every one of the 1,001.
 * Writes test-results/e2e-timing.md (docs/e2e-timing.md through `npm run screenshots`) and prints the figures.
 */
import type { Page } from '@playwright/test';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiCall, attachHostOutput, pageErrors, test, expect, copyTemplate, startHostProcess, timingReportPath, waitInteractive, TEMPLATE_ENV } from './fixtures/host';

const OBSERVATIONS = 1000;
/** The timeline's first page (src-renderer/src/components/chart/useChartPages.ts CHART_PAGE). */
const FIRST_PAGE = 100;

function generatedBundle(n: number): string {
  const pid = 'timing-patient-1';
  const subject = { reference: `Patient/${pid}` };
  const entry: { resource: Record<string, unknown> }[] = [
    { resource: { resourceType: 'Patient', id: pid, name: [{ given: ['Ada'], family: 'Timing' }], gender: 'female', birthDate: '1970-01-01' } },
  ];
  for (let i = 0; i < n; i++) {
    const day = new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString();
    entry.push({
      resource: {
        resourceType: 'Observation', id: `timing-glucose-${i}`, status: 'final',
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
        code: { coding: [{ system: 'http://loinc.org', code: '2339-0', display: 'Glucose [Mass/volume] in Blood' }], text: 'Glucose' },
        subject, effectiveDateTime: day,
        valueQuantity: { value: 80 + (i % 40), unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
      },
    });
  }
  return JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry });
}

/**
 * "Show all" shows every record: the list's items say they are of `all`; from the newest card, End
 * reaches the oldest record (the Patient, dated by its birth; before it the bundle's first day) and
 * Home comes back; Tab goes on past the cards drawn when it started; scrolling down the page
 * passes every one of them, newest first.
 */
async function showsEveryRecord(page: Page, all: number): Promise<void> {
  const items = page.getByTestId('timeline-item');
  await expect(page.getByTestId('timeline').getByRole('listitem').first()).toHaveAttribute('aria-setsize', String(all));
  await items.first().focus();
  await page.keyboard.press('End');
  const focused = page.locator('[data-testid="timeline-item"]:focus');
  await expect(focused).toHaveAttribute('aria-posinset', String(all));
  // the oldest: the Patient resource, dated by its birth (1970), after the first Observation (2020)
  await expect(focused).toHaveAttribute('data-resource-type', 'Patient');
  await expect(focused.locator('time')).toHaveText('1970-01-01');
  await page.keyboard.press('ArrowUp');
  await expect(focused.locator('time')).toHaveText('2020-01-01');
  await expect(focused).toBeInViewport();
  await page.keyboard.press('Home');
  await expect(focused).toHaveAttribute('aria-posinset', '1');
  await expect(focused.locator('time')).toHaveText(new Date(Date.UTC(2020, 0, 1) + (all - 2) * 86_400_000).toISOString().slice(0, 10));
  await expect(focused).toBeInViewport();
  // Tab walks each card's buttons and on into cards that were not drawn when it started.
  // (each card has three stops here: its label reasons, its FHIR and Amend)
  const drawn = await items.count();
  const cardOfFocus = () => page.evaluate(() => Number(document.activeElement?.closest('[data-testid="timeline-item"]')?.getAttribute('aria-posinset') ?? 0));
  let reached = await cardOfFocus();
  for (let i = 0; i < 8 * drawn && reached > 0 && reached <= drawn; i++) {
    await page.keyboard.press('Tab');
    reached = await cardOfFocus();
  }
  expect(reached).toBeGreaterThan(drawn);
  // Down the page a screen at a time: each record passes once, in order (dates never rise).
  const seen = await page.evaluate(async () => {
    const frame = () => new Promise((r) => requestAnimationFrame(() => r(null)));
    // The cards rendered cover the screen (the list draws what scrolled into view a frame or two later).
    const covered = () => {
      const lis = list.querySelectorAll(':scope > li');
      const box = list.getBoundingClientRect();
      const top = lis[0]?.getBoundingClientRect().top ?? Infinity;
      const bottom = lis[lis.length - 1]?.getBoundingClientRect().bottom ?? -Infinity;
      return top <= Math.max(0, box.top) + 1 && bottom >= Math.min(window.innerHeight, box.bottom) - 1;
    };
    const dates = new Map<number, string>();
    const list = document.querySelector('[data-testid="timeline"]')!;

    window.scrollTo(0, list.getBoundingClientRect().top + window.scrollY);
    for (let guard = 0; guard < 5000; guard++) {
      for (let f = 0; f < 60 && (f < 2 || !covered()); f++) await frame();
      for (const li of list.querySelectorAll(':scope > li')) dates.set(Number(li.getAttribute('aria-posinset')), li.querySelector('time')?.getAttribute('datetime') ?? '');
      if (window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 1) break;
      window.scrollBy(0, window.innerHeight * 0.9);
    }
    const order = [...dates.keys()].sort((a, b) => a - b);
    const ds = order.map((k) => dates.get(k)!);
    return { count: dates.size, first: order[0], last: order[order.length - 1], ordered: ds.every((d, i) => i === 0 || d <= ds[i - 1]) };
  });
  expect(seen).toEqual({ count: all, first: 1, last: all, ordered: true });
}

/**
 * "Find in timeline" looks in the whole chart, not only the cards drawn: the 25 glucose values of
 * 119 mg/dL (every 40th day, most of them far past the first page), none for words no card holds,
 * and the first page again once the box is cleared.
 */
async function findsInTimeline(page: Page, all: number): Promise<void> {
  const find = page.getByRole('searchbox', { name: 'Find in timeline' });
  await find.fill('119 mg/dL');
  await expect(page.getByTestId('timeline-matched')).toHaveText(`25 of ${all.toLocaleString('en')} records hold “119 mg/dL”.`);
  const items = page.getByTestId('timeline-item');
  await expect(items).toHaveCount(25);
  for (const text of await items.getByTestId('card-values').allTextContents()) expect(text).toContain('119 mg/dL');
  // the oldest of them, 2020-02-09 (day 39), is on no first page of the whole timeline
  await expect(items.last().locator('time')).toHaveText('2020-02-09');
  await find.fill('no such word anywhere');
  await expect(page.getByTestId('timeline-none-found')).toBeVisible();
  await expect(items).toHaveCount(0);
  await find.fill('');
  await expect(page.getByTestId('timeline-matched')).toHaveCount(0);
  await expect(items).toHaveCount(FIRST_PAGE);
  await expect(page.getByTestId('timeline-total')).toHaveText(`(${all.toLocaleString('en')} records)`);
}

const s = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

test('timing report: host spawn → interactive (fresh, reopened); opening a chart of ~1,000 resources', async ({ page }) => {
  test.setTimeout(240_000);
  const fresh = JSON.parse(process.env.TRICHAIN_E2E_FRESH_TIMING ?? readFileSync(path.join(path.dirname(process.env[TEMPLATE_ENV]!), 'fresh-timing.json'), 'utf8')) as { spawnToReadyMs: number; spawnToInteractiveMs: number };

  const errors = pageErrors(page);
  // (a) reopened demo: spawn the host on a copy of the template and load the page at once.
  const host = await startHostProcess(await copyTemplate());
  try {
    await page.goto(host.url);
    await waitInteractive(page);
    const reopen = { spawnToReadyMs: Math.round(host.readyAt - host.spawnedAt), spawnToInteractiveMs: Math.round(performance.now() - host.spawnedAt) };

    // (b) import one patient with 1,000 Observations through the Import screen...
    await page.getByTestId('nav-import').click();
    await page.getByTestId('import-json').fill(generatedBundle(OBSERVATIONS));
    const importStart = performance.now();
    await page.getByTestId('import-submit').click();
    const dialog = page.getByRole('dialog', { name: 'Confirm and sign' });
    await expect(dialog.getByTestId('sign-what')).toContainText('Import a FHIR bundle');
    await dialog.getByRole('button', { name: 'Sign' }).click();
    // (a batched import may finish before its progress bar is drawn)
    await expect(page.getByTestId('import-progress').or(page.getByTestId('import-result'))).toBeVisible();
    await expect(page.getByTestId('import-result')).toContainText(`Imported ${OBSERVATIONS + 1} resources`, { timeout: 180_000 });
    const importMs = performance.now() - importStart;
    // The import answers once its records are signed; they show "pending" until their blocks commit.
    // Wait for that, so that both opens below read the same committed chart (summary, card facts).
    await expect.poll(async () => (await apiCall<{ pending: unknown[] }>(host, 'network.status')).pending.length, { timeout: 120_000 }).toBe(0);

    // ...then open the chart: from the click to its first screen (summary, first page of cards)...
    const items = page.getByTestId('timeline-item');
    // The split of each open: when the engine's answer (patients.chart) had fully arrived, the rest being the page's rendering.
    const chartAnswer = (from: number) =>
      page.waitForResponse((r) => r.url().endsWith('/api/patients.chart')).then(async (r) => ({ ms: performance.now() - from, kib: (await r.body()).length / 1024 }));
    let t0 = performance.now();
    const firstAnswer = chartAnswer(t0);
    await page.getByRole('button', { name: 'Open the chart' }).click();
    await expect(page.getByTestId('timeline-total')).toHaveText(`(${(OBSERVATIONS + 1).toLocaleString('en')} records)`, { timeout: 60_000 });
    await expect(items).toHaveCount(FIRST_PAGE);
    await expect(page.getByTestId('chart-summary')).toBeVisible();
    const chartFirstMs = performance.now() - t0;
    const firstSplit = await firstAnswer;
    await expect(page.getByTestId('chart-patient-name')).toHaveText(/Ada Timing/);
    // ...and to the whole timeline: every record in the list, the cards on screen drawn.
    const all = OBSERVATIONS + 1;
    t0 = performance.now();
    await page.getByTestId('timeline-show-all').click();
    await expect(page.getByTestId('timeline-more')).toHaveCount(0, { timeout: 60_000 });
    await expect(items.first()).toHaveAttribute('aria-setsize', String(all));
    // a card with its values on screen (the windowed list draws the cards in view)
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="timeline-item"]')].some((li) => {
      const r = li.getBoundingClientRect();
      return r.bottom > 0 && r.top < window.innerHeight && li.querySelector('[data-testid="card-values"]');
    }));
    const chartAllMs = performance.now() - t0;
    await showsEveryRecord(page, all);
    // Open it again from the patient list (warm caches, as a clinician coming back to it).
    await page.getByTestId('nav-patients').click();
    await page.getByRole('searchbox', { name: 'Search patients' }).fill('timing');
    await expect(page.getByTestId('patient-row')).toHaveCount(1);
    t0 = performance.now();
    const againAnswer = chartAnswer(t0);
    await page.getByTestId('patient-row').getByRole('button').click();
    await expect(page.getByTestId('timeline-total')).toHaveText(`(${(OBSERVATIONS + 1).toLocaleString('en')} records)`, { timeout: 60_000 });
    await expect(items).toHaveCount(FIRST_PAGE);
    const chartAgainMs = performance.now() - t0;
    await findsInTimeline(page, all);
    expect(errors).toEqual([]);
    const againSplit = await againAnswer;

    const load = os.loadavg().map((x) => x.toFixed(2)).join(', ');
    const md = `# End-to-end timing

Measured by \`e2e/timing.spec.ts\` (and \`e2e/global-setup.ts\` for the fresh demo) during \`npm run screenshots\` (\`npm test\` writes the same report to \`test-results/e2e-timing.md\`)
on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} CPU cores (${os.cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version},
headless Chromium, load average at the end ${load}; other tests ran in parallel (2 workers), so these are figures from a busy machine,
not best cases. A report, not a test: no figure fails the run.

| what | time |
| --- | --- |
| fresh demo (empty data folder): host spawn → \`TRICHAIN_READY\` | ${s(fresh.spawnToReadyMs)} |
| fresh demo: host spawn → interactive page (five nodes built, seeded, synced; role switcher enabled) | ${s(fresh.spawnToInteractiveMs)} |
| reopened demo: host spawn → \`TRICHAIN_READY\` (five nodes reopened, synced) | ${s(reopen.spawnToReadyMs)} |
| reopened demo: host spawn → interactive page | ${s(reopen.spawnToInteractiveMs)} |
| import of a generated bundle (1 patient, ${OBSERVATIONS.toLocaleString('en')} Observations) through the Import screen, sign → result | ${s(importMs)} |
| open that chart (${(OBSERVATIONS + 1).toLocaleString('en')} resources, their blocks committed): click → first screen (summary and the newest ${FIRST_PAGE} cards) rendered | ${s(chartFirstMs)} |
| of which: click → the engine's answer (\`patients.chart\`, ${Math.round(firstSplit.kib)} KiB) received; the rest is the page's rendering | ${s(firstSplit.ms)} |
| then "Show all": click → the timeline holds all ${(OBSERVATIONS + 1).toLocaleString('en')} records, the cards on screen drawn (windowed) | ${s(chartAllMs)} |
| open it again from the patient list: click → first screen rendered | ${s(chartAgainMs)} |
| of which: click → the engine's answer received | ${s(againSplit.ms)} |

"Host spawn" is the moment \`node out/engine/src-main/host/main.js\` is started — what \`npm start\` runs
where the Electron binary is absent. "Interactive" means the page has loaded the session and the role
switcher lists the five demo roles and is enabled. On a fresh data folder the host answers at once and
starts the demo in the background (the first-run screen shows its progress); on a reopened folder it
reopens the five nodes before it prints \`TRICHAIN_READY\`.
`;
    mkdirSync(path.dirname(timingReportPath()), { recursive: true });
    writeFileSync(timingReportPath(), md);
    console.log(`[timing] report: ${path.relative(process.cwd(), timingReportPath())}`);
    console.log(`\n[timing] fresh demo: spawn→ready ${s(fresh.spawnToReadyMs)}, spawn→interactive ${s(fresh.spawnToInteractiveMs)}`);
    console.log(`[timing] reopened demo: spawn→ready ${s(reopen.spawnToReadyMs)}, spawn→interactive ${s(reopen.spawnToInteractiveMs)}`);
    console.log(`[timing] import ${OBSERVATIONS + 1} resources: ${s(importMs)}; open chart (first screen): ${s(chartFirstMs)} (answer ${s(firstSplit.ms)}), all cards: ${s(chartAllMs)}, again: ${s(chartAgainMs)} (answer ${s(againSplit.ms)})\n`);
  } finally {
    await attachHostOutput(host);
    await host.stop();
  }
});
