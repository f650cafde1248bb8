/**
 * The classifier: throughput over the Synthea developer bundles, and recall / precision per sensitivity
 * code on the labelled evaluation set (bench/data/classify-eval.json, scripts/build-classify-evalset.ts),
 * beside the same-run baseline of the SHIFT value-set codes alone, with the rules that fired and their provenance.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { classifyBundle } from '../src-main/emr/classify';
import { evaluate, formatEvalReport, loadEvalSet, precision, recall, valueSetOnlyRules } from './classify-eval';
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

function evalRows(): BenchRow[] {
  const set = loadEvalSet();
  const report = evaluate(set);
  const base = evaluate(set, valueSetOnlyRules());
  console.log(formatEvalReport(report));
  const rows: BenchRow[] = [];
  const n = set.groups.reduce((k, g) => k + g.bundle.entry.length, 0);
  for (const [code, t] of [...report.overall.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const b = base.overall.get(code) ?? { tp: 0, fp: 0, fn: 0 };
    const note = `tp ${t.tp} fp ${t.fp} fn ${t.fn}`;
    rows.push({ group: 'classify-eval', name: `${code} recall (${n} resources)`, value: recall(t) * 100, unit: '%', baseline: { name: 'value-set codes only', value: recall(b) * 100 }, note });
    rows.push({ group: 'classify-eval', name: `${code} precision`, value: precision(t) * 100, unit: '%', baseline: { name: 'value-set codes only', value: precision(b) * 100 } });
  }
  return rows;
}

export async function benchClassify(): Promise<BenchRow[]> {
  const rows = evalRows();
  const data = loadBundles();
  if (!data) {
    console.log('classify throughput skipped: no Synthea bundles found (../shared/data/fhir or src-main/emr/demo/bundles)');
    return rows;
  }
  const resources = data.bundles.reduce<number>((n, b) => n + ((b as { entry?: unknown[] }).entry?.length ?? 0), 0);
  // Interleaved with the same-run baseline (the value-set codes alone: no prefix, text or screening rules).
  const base = valueSetOnlyRules();
  const full: number[] = [], codesOnly: number[] = [];
  for (let round = 0; round < 10; round++) {
    full.push(...(await sample(() => { for (const b of data.bundles) classifyBundle(b); }, 1, round === 0 ? 2 : 0)));
    codesOnly.push(...(await sample(() => { for (const b of data.bundles) classifyBundle(b, base); }, 1, round === 0 ? 2 : 0)));
  }
  const ms = median(full), bms = median(codesOnly);
  return [
    ...rows,
    { group: 'classify', name: `classifyBundle x${data.bundles.length} bundles (${resources} resources)`, value: (resources / ms) * 1000, unit: 'res/s', baseline: { name: 'value-set codes only', value: (resources / bms) * 1000 } },
    { group: 'classify', name: 'all bundles, median wall time', value: ms, unit: 'ms', baseline: { name: 'value-set codes only', value: bms } },
  ];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { formatRows } = await import('./util');
  console.log(formatRows(await benchClassify()));
}
