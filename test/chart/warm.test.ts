/**
 * Warming the chart cache after a restart (src-main/app/chart-warm.ts): on a real hospital node
 * whose cache was emptied (as a restart empties it), the warmer has a worker thread decrypt and
 * classify every record, the chart then opens without decrypting anything on the engine's loop,
 * with the same rows as the cold path; patients opened most recently are remembered first (ids
 * only), and a patient laptop warms its own records.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TrichainNode } from '../../src-main/node/node';
import { importBundle } from '../../src-main/emr/records';
import { chartOfClinician } from '../../src-main/app/charts';
import { ChartWarmer, noteChartOpened, recentCharts, WARM_BATCH } from '../../src-main/app/chart-warm';
import { forgetAll, takeCacheCounters } from '../../src-main/emr/chart/cache';
import { toHex } from '../../src-main/codec/hex';
import { tempDir } from '../support/ledger';

const obs = (pid: string, i: number) => ({
  resourceType: 'Observation', id: `${pid}-o${i}`, status: 'final', subject: { reference: `Patient/${pid}` }, effectiveDateTime: `2024-01-${String(1 + (i % 28)).padStart(2, '0')}`,
  code: { coding: [{ system: 'http://loinc.org', code: '2339-0', display: 'Glucose' }], text: 'Glucose' },
  valueQuantity: { value: 80 + i, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
});
const bundleOf = (pid: string, n: number) => ({
  resourceType: 'Bundle', type: 'collection',
  entry: [{ resource: { resourceType: 'Patient', id: pid, name: [{ given: ['Ada'], family: pid }] } }, ...Array.from({ length: n }, (_, i) => ({ resource: obs(pid, i) }))],
});

describe('chart cache warmer', () => {
  let node: TrichainNode;
  afterAll(() => node?.close());

  it('after a restart, warms every record in a worker thread; the chart then opens without decrypting, the same as cold', async () => {
    node = await TrichainNode.init(tempDir('chart-warm-'), { role: 'hospital', name: 'St Mary Hospital', passphrase: 'pw', found: true, network: 'Test', scrypt: { N: 2 ** 10 } });
    const a = (await importBundle(node, bundleOf('pa', WARM_BATCH + 5))).patients[0].pk;
    const b = (await importBundle(node, bundleOf('pb', 3))).patients[0].pk;
    forgetAll(node);
    takeCacheCounters();
    const cold = chartOfClinician(node, a);
    expect(takeCacheCounters().misses).toBe(WARM_BATCH + 6);

    forgetAll(node); // a restart
    const report = await new ChartWarmer(node).run();
    expect(report).toMatchObject({ patients: 2, records: WARM_BATCH + 6 + 4, failed: 0 });
    expect(report.loopMs).toBeLessThan(report.ms);
    takeCacheCounters();
    const warm = chartOfClinician(node, a);
    expect(takeCacheCounters().misses).toBe(0);
    expect(warm).toEqual(cold);
    chartOfClinician(node, b);
    expect(takeCacheCounters().misses).toBe(0);
    // Nothing left to warm: a second run sends nothing to the worker.
    expect(await new ChartWarmer(node).run()).toMatchObject({ records: 0 });
  }, 60_000);

  it('remembers the charts opened most recently first, each once, as patient keys only', () => {
    const keys = ['aa', 'bb', 'cc'].map((x) => Uint8Array.from(Buffer.from(x.repeat(48), 'hex')));
    for (const k of [keys[0], keys[1], keys[0], keys[2]]) noteChartOpened(node, k);
    expect(recentCharts(node)).toEqual([keys[2], keys[0], keys[1]].map(toHex));
  });

  it('a stopped warmer stops between batches and says what it did', async () => {
    forgetAll(node);
    const w = new ChartWarmer(node);
    const run = w.run();
    w.stop();
    const r = await run;
    expect(r.records).toBeLessThanOrEqual(WARM_BATCH);
  });
});
