/**
 * De-identification throughput over the demo bundles: resources per second for parseBundle (shape
 * validation + reference resolution) and for deidentify (Safe Harbor + pseudonyms + free-text
 * scrubbing), with assertSafeHarbor (the pre-publication check) alongside. Medians of timed runs.
 */
import { parseBundle } from '../src-main/emr/fhir';
import { assertSafeHarbor, deidentify } from '../src-main/emr/deid';
import { loadDemoBundles } from '../src-main/emr/demo';
import { median, sample, type BenchRow } from './util';

export async function benchDeid(iterations = 20): Promise<BenchRow[]> {
  const demo = loadDemoBundles();
  const parsed = demo.map((d) => parseBundle(d.bundle).resources);
  const total = parsed.reduce((n, rs) => n + rs.length, 0);
  const key = new Uint8Array(32).fill(0x5a);
  const opts = { pseudonymKey: key, entityId: 'bench-entity', purpose: 'HRESCH' };
  const outs = parsed.map((rs) => deidentify(rs, opts).resources);

  const parseMs = median(await sample(() => demo.forEach((d) => parseBundle(d.bundle)), iterations));
  const deidMs = median(await sample(() => parsed.forEach((rs) => deidentify(rs, opts)), iterations));
  const checkMs = median(await sample(() => outs.forEach((o, i) => assertSafeHarbor(o, parsed[i])), iterations));

  const note = `${demo.length} demo bundles, ${total} resources, median of ${iterations}`;
  const perSec = (ms: number) => total / (ms / 1000);
  return [
    { group: 'deid', name: 'parseBundle (validate + resolve references)', value: perSec(parseMs), unit: 'res/s', note },
    {
      group: 'deid',
      name: 'deidentify (Safe Harbor + pseudonyms + scrub)',
      value: perSec(deidMs),
      unit: 'res/s',
      baseline: { name: 'parseBundle', value: perSec(parseMs) },
      note,
    },
    { group: 'deid', name: 'assertSafeHarbor (pre-publication check)', value: perSec(checkMs), unit: 'res/s', note },
  ];
}
