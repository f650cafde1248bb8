/**
 * The chart cache (src-main/emr/chart/cache.ts) on a real hospital node: a second open decrypts
 * nothing; an amendment is read again (the new value shows, not the cached one); an erased record
 * leaves the cache.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TrichainNode } from '../../src-main/node/node';
import { amendRecord, eraseRecord, importBundle, readRecord } from '../../src-main/emr/records';
import { chartOfClinician, chartSummary } from '../../src-main/app/charts';
import { takeCacheCounters } from '../../src-main/emr/chart/cache';
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

  it('opens a chart again without decrypting; an amendment and an erasure are seen at once', async () => {
    node = await TrichainNode.init(tempDir('chart-cache-'), { role: 'hospital', name: 'St Mary Hospital', passphrase: 'pw', found: true, network: 'Test', scrypt: { N: 2 ** 10 } });
    const r = await importBundle(node, bundle);
    const pk = r.patients[0].pk;
    takeCacheCounters();
    const first = chartOfClinician(node, pk);
    expect(first).toHaveLength(4);
    expect(takeCacheCounters()).toEqual({ hits: 0, misses: 4 });
    // The goal is undated and last, and reads as its text; the weights with their unit.
    expect(first.find((x) => x.resourceType === 'Goal')).toMatchObject({ title: 'Walk 30 minutes a day', date: undefined, facts: { undated: true } });
    expect(first.map((x) => !!x.date)).toEqual([true, true, false, false]);
    expect(first[0].facts?.values?.[0].text).toBe('71.4 kg');

    chartOfClinician(node, pk);
    expect(takeCacheCounters()).toEqual({ hits: 4, misses: 0 });

    const w2 = first[0].id;
    amendRecord(node, w2, { ...readRecord(node, w2).resource, valueQuantity: { value: 69.9, unit: 'kg', code: 'kg' } });
    node.commitPending('hospital');
    node.commitPending('patient');
    const after = chartOfClinician(node, pk);
    expect(takeCacheCounters()).toEqual({ hits: 3, misses: 1 });
    expect(after.find((x) => x.id === w2)).toMatchObject({ version: 2, facts: { values: [{ text: '69.9 kg' }] } });
    expect(chartSummary(after).vitals[0].values[0].text).toBe('69.9 kg');

    eraseRecord(node, w2, 'entered in error');
    node.commitPending('hospital');
    node.commitPending('patient');
    const erased = chartOfClinician(node, pk);
    expect(erased.map((x) => x.id)).not.toContain(w2);
    expect(takeCacheCounters()).toEqual({ hits: 3, misses: 0 });
  });
});
