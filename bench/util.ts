/** Shared helpers for benchmarks: timing, medians, percentiles and the printed table. */
import { performance } from 'node:perf_hooks';

export interface BenchRow {
  group: string;
  name: string;
  value: number;
  unit: string;
  /** Same-run baseline this row is compared with, if any. */
  baseline?: { name: string; value: number };
  note?: string;
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i];
}
export const median = (xs: number[]): number => percentile(xs, 50);

/** Runs fn `iterations` times after `warmup` runs; returns each run's duration in milliseconds. */
export async function sample(fn: () => unknown, iterations: number, warmup = Math.min(3, iterations)): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

export function formatRows(rows: BenchRow[]): string {
  const lines = rows.map((r) => {
    const v = fmt(r.value);
    const b = r.baseline ? `  vs ${r.baseline.name} ${fmt(r.baseline.value)} (ratio ${(r.value / r.baseline.value).toFixed(3)})` : '';
    return `${r.group.padEnd(14)} ${r.name.padEnd(48)} ${v.padStart(12)} ${r.unit.padEnd(10)}${b}${r.note ? '  ' + r.note : ''}`;
  });
  return lines.join('\n');
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return v.toFixed(0);
  if (Math.abs(v) >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/** A FHIR bundle (its JSON text) with every resource but the Patient under a new id (references follow): the same patient, new records. */
export function reissued(text: string, suffix: string): unknown {
  const b = JSON.parse(text) as { entry: { fullUrl: string; resource: { resourceType: string; id: string } }[] };
  let out = text;
  for (const e of b.entry) if (e.resource.resourceType !== 'Patient') out = out.split(e.resource.id).join(`${e.resource.id.slice(0, 60)}${suffix}`);
  return JSON.parse(out);
}
