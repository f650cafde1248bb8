/** Classifier throughput: resources per second over the Synthea developer bundles. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { classifyBundle } from '../src-main/emr/classify';
import { median, sample, type BenchRow } from './util';

const here = path.dirname(fileURLToPath(import.meta.url));

function loadBundles(): { source: string; bundles: unknown[] } | undefined {
  // Shared developer data beside the repo if present, else the demo bundles shipped in the project.
  const candidates = [path.resolve(here, '../../shared/data/fhir'), path.resolve(here, '../src-main/emr/demo/bundles')];
  for (const dir of candidates) {
    if (!existsSync(dir)) continue;
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    if (files.length) return { source: dir, bundles: files.map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8'))) };
  }
  return undefined;
}

export async function benchClassify(): Promise<BenchRow[]> {
  const data = loadBundles();
  if (!data) {
    console.log('classify bench skipped: no Synthea bundles found (../shared/data/fhir or src-main/emr/demo/bundles)');
    return [];
  }
  const resources = data.bundles.reduce<number>((n, b) => n + ((b as { entry?: unknown[] }).entry?.length ?? 0), 0);
  const times = await sample(() => { for (const b of data.bundles) classifyBundle(b); }, 10, 2);
  const ms = median(times);
  return [
    { group: 'classify', name: `classifyBundle x${data.bundles.length} bundles (${resources} resources)`, value: (resources / ms) * 1000, unit: 'res/s' },
    { group: 'classify', name: 'all bundles, median wall time', value: ms, unit: 'ms' },
  ];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { formatRows } = await import('./util');
  console.log(formatRows(await benchClassify()));
}
