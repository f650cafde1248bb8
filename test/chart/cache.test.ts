/**
 * The chart cache (src-main/emr/chart/cache.ts): keyed by record version and content hash; on a
 * real hospital node, a record is cached as it is stored, a chart opens again without decrypting,
 * an amendment shows its new value at once, an erased record leaves the cache, and an emptied
 * cache decrypts everything again (the cold path) with the same result.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TrichainNode } from '../../src-main/node/node';
import { amendRecord, eraseRecord, importBundle, readRecord } from '../../src-main/emr/records';
import { chartOfClinician, chartSummary } from '../../src-main/app/charts';
import { chartEntry, forgetAll, forgetRecord, takeCacheCounters, type ChartEntry } from '../../src-main/emr/chart/cache';
import { tempDir } from '../support/ledger';

const weight = (id: string, kg: number, day: string) => ({
  resourceType: 'Observation', id, status: 'final', subject: { reference: 'Patient/p1' }, effectiveDateTime: day,
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'Body Weight' }], text: 'Body Weight' },
  valueQuantity: { value: kg, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
});
const bundle = {
  resourceType: 'Bundle', type: 'collection', entry: [
    { resource: { resourceType: 'Patient', id: 'p1', name: [{ given: ['Ada'], family: 'Cache' }] } },
    { resource: weight('w1', 70.2, '2024-01-01') },
    { resource: weight('w2', 71.4, '2024-02-01') },
    { resource: { resourceType: 'Goal', id: 'g1', lifecycleStatus: 'active', description: { text: 'Walk 30 minutes a day' }, subject: { reference: 'Patient/p1' } } },
  ],
};

describe('chart cache', () => {
  let node: TrichainNode;
  afterAll(() => node?.close());

  it('misses on a new version or content hash, hits on the same; forgetting a record drops it', () => {
    const reader = {};
    let made = 0;
    const make = (): ChartEntry => ({ resource: { resourceType: 'Observation', n: ++made }, labels: { category: 'other', sensitivity: [], confidentiality: 'N', reasons: [] }, facts: { undated: true, lines: [] }, title: 't' });
    const at = (version: number, contentHash = 'aa') => chartEntry(reader, { recordId: 'r1', version, contentHash }, make).resource.n;
    expect([at(1), at(1), at(2), at(2), at(2, 'bb'), at(1)]).toEqual([1, 1, 2, 2, 3, 4]);
    forgetRecord(reader, 'r1');
    expect(at(1)).toBe(5);
    expect(chartEntry({}, { recordId: 'r1', version: 1, contentHash: 'aa' }, make).resource.n).toBe(6); // per reader
  });

  it('opens a chart again without decrypting; an amendment and an erasure are seen at once', async () => {
    node = await TrichainNode.init(tempDir('chart-cache-'), { role: 'hospital', name: 'St Mary Hospital', passphrase: 'pw', found: true, network: 'Test', scrypt: { N: 2 ** 10 } });
    const r = await importBundle(node, bundle);
    const pk = r.patients[0].pk;
    takeCacheCounters();
    // Stored here: cached as it was stored, nothing to decrypt on the first open.
    const first = chartOfClinician(node, pk);
    expect(first).toHaveLength(4);
    expect(takeCacheCounters()).toEqual({ hits: 4, misses: 0 });
    // The goal is undated and with the undated ones last, and reads as its text; the weights with their unit.
    expect(first.find((x) => x.resourceType === 'Goal')).toMatchObject({ title: 'Walk 30 minutes a day', date: undefined, facts: { undated: true } });
    expect(first.map((x) => !!x.date)).toEqual([true, true, false, false]);
    expect(first[0].facts?.values?.[0].text).toBe('71.4 kg');

    // The cold path (after a restart): every record decrypted again, the same chart.
    forgetAll(node);
    expect(chartOfClinician(node, pk)).toEqual(first);
    expect(takeCacheCounters()).toEqual({ hits: 0, misses: 4 });
    expect(chartOfClinician(node, pk)).toEqual(first);
    expect(takeCacheCounters()).toEqual({ hits: 4, misses: 0 });

    const w2 = first[0].id;
    amendRecord(node, w2, { ...readRecord(node, w2).resource, valueQuantity: { value: 69.9, unit: 'kg', code: 'kg' } });
    node.commitPending('hospital');
    node.commitPending('patient');
    const after = chartOfClinician(node, pk);
    expect(after.find((x) => x.id === w2)).toMatchObject({ version: 2, pending: false, facts: { values: [{ text: '69.9 kg' }] } });
    expect(chartSummary(after).vitals[0].values[0].text).toBe('69.9 kg');
    forgetAll(node);
    expect(chartOfClinician(node, pk)).toEqual(after);

    eraseRecord(node, w2, 'entered in error');
    node.commitPending('hospital');
    node.commitPending('patient');
    expect(chartOfClinician(node, pk).map((x) => x.id)).not.toContain(w2);
  });
});
