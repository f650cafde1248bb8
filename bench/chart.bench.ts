/**
 * Opening a chart of ~1,000 resources in the engine (issue 11: ≤ 200 ms): one patient with 1,000
 * Observations imported on a founding hospital node, then `chartOfClinician` + `chartSummary`
 * (what `patients.chart` runs) and the parse of the answer through the contract's response schema
 * (what the host does before the answer leaves the node).
 * Also the first open right after the import (records are cached as they are stored).
 * Baseline, same run: today's path before the cache, every record decrypted (unwrap, AES-GCM,
 * hash check), classified and described again on each open (the cache emptied before each run).
 */
import { performance } from 'node:perf_hooks';
import { TrichainNode } from '../src-main/node/node';
import { importBundle } from '../src-main/emr/records';
import { chartOfClinician, chartSummary } from '../src-main/app/charts';
import { forgetAll } from '../src-main/emr/chart/cache';
import { recordsMethods } from '../src-shared/api/records';
import { tempDir } from '../test/support/ledger';
import { median, sample, type BenchRow } from './util';

function bundle(n: number): unknown {
  const subject = { reference: 'Patient/bench-1' };
  const entry: { resource: Record<string, unknown> }[] = [{ resource: { resourceType: 'Patient', id: 'bench-1', name: [{ given: ['Ada'], family: 'Bench' }] } }];
  for (let i = 0; i < n; i++) {
    entry.push({
      resource: {
        resourceType: 'Observation', id: `bench-obs-${i}`, status: 'final', subject, effectiveDateTime: new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString(),
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: i % 2 ? 'laboratory' : 'vital-signs' }] }],
        code: i % 2 ? { coding: [{ system: 'http://loinc.org', code: '2339-0', display: 'Glucose' }], text: 'Glucose' } : { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'Body Weight' }], text: 'Body Weight' },
        valueQuantity: i % 2 ? { value: 80 + (i % 40), unit: 'mg/dL', code: 'mg/dL' } : { value: 70 + (i % 10) / 3, unit: 'kg', code: 'kg' },
      },
    });
  }
  return { resourceType: 'Bundle', type: 'collection', entry };
}

export async function benchChart({ quick }: { quick: boolean }): Promise<BenchRow[]> {
  const n = quick ? 200 : 1000;
  const iterations = quick ? 5 : 10;
  const node = await TrichainNode.init(tempDir('bench-chart-'), { role: 'hospital', name: 'Bench Hospital', passphrase: 'bench', found: true, network: 'Bench', scrypt: { N: 2 ** 10 } });
  try {
    const t = performance.now();
    const r = await importBundle(node, bundle(n));
    const importMs = performance.now() - t;
    const pk = r.patients[0].pk;
    const open = () => {
      const resources = chartOfClinician(node, pk);
      return { resources, summary: chartSummary(resources) };
    };
    const response = recordsMethods['patients.chart'].response;
    const t1 = performance.now();
    open();
    const firstMs = performance.now() - t1;
    const cold = await sample(() => {
      forgetAll(node);
      open();
    }, quick ? 2 : 3, 1);
    open();
    const warm = await sample(open, iterations);
    const withParse = await sample(() => response.parse({ patient: { id: 'x', name: 'Ada Bench', recordCount: n + 1, consentStatus: 'none' }, ...open() }), iterations);
    const records = n + 1;
    const baseline = { name: 'every record decrypted and classified (today\'s path)', value: median(cold) };
    return [
      { group: 'chart', name: `import ${records} resources (for the chart below)`, value: importMs / 1000, unit: 's', note: `${Math.round(records / (importMs / 1000))} resources/s` },
      { group: 'chart', name: `first open after that import`, value: firstMs, unit: 'ms', baseline: { name: 'every record decrypted and classified (today\'s path)', value: median(cold) }, note: 'one run; entries cached as they were stored' },
      { group: 'chart', name: `open a chart of ${records}: decrypt + classify all`, value: median(cold), unit: 'ms', note: 'median; cache emptied before each open' },
      { group: 'chart', name: `open a chart of ${records}: per-version cache`, value: median(warm), unit: 'ms', baseline, note: 'median; chart + summary' },
      { group: 'chart', name: `  … plus the contract's response parse`, value: median(withParse), unit: 'ms', baseline, note: 'median; what patients.chart answers' },
    ];
  } finally {
    node.close();
  }
}
