/**
 * Runs the benchmarks (DESIGN.md §8) and prints each group's rows with its same-run baselines.
 *
 *   npm run bench                                   every module
 *   npx tsx bench/run.ts --only ledger,signatures   a subset (module names below)
 *   npx tsx bench/run.ts --quick                    smaller sizes (also TRICHAIN_BENCH_QUICK=1 for modules that read it)
 *
 * Modules are loaded one by one with a dynamic import; one that is not present yet is reported as
 * skipped, one that throws is reported as failed (exit code 1) and the others still run. The rows
 * and the machine are written to bench/results/latest.json.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { blstAvailable, resolveBlsBackend } from '../src-main/crypto/bls';
import { type BenchRow, formatRows } from './util';

interface Module {
  name: string;
  file: string;
  fn: string;
  /** Takes { quick } as its first argument (modules of this file's author); others are called with none. */
  takesOptions?: boolean;
}

const MODULES: Module[] = [
  { name: 'bls', file: 'bls.bench', fn: 'benchBls' },
  { name: 'ledger', file: 'ledger.bench', fn: 'benchLedger', takesOptions: true },
  { name: 'state', file: 'state.bench', fn: 'benchState', takesOptions: true },
  { name: 'signatures', file: 'signatures.bench', fn: 'benchSignatures', takesOptions: true },
  { name: 'classify', file: 'classify.bench', fn: 'benchClassify' },
  { name: 'deid', file: 'deid.bench', fn: 'benchDeid' },
  { name: 'consensus', file: 'consensus.bench', fn: 'benchConsensus' },
  { name: 'sync', file: 'sync.bench', fn: 'benchSync' },
  { name: 'sync-ledger', file: 'sync-ledger.bench', fn: 'benchSyncLedger', takesOptions: true },
  { name: 'share', file: 'share.bench', fn: 'benchShare' },
  { name: 'chart', file: 'chart.bench', fn: 'benchChart', takesOptions: true },
  { name: 'import', file: 'import.bench', fn: 'benchImport', takesOptions: true },
  { name: 'cluster', file: 'cluster.bench', fn: 'benchCluster' },
  { name: 'engines', file: 'engines.bench', fn: 'benchEngines', takesOptions: true },
];

const here = dirname(fileURLToPath(import.meta.url));

function parseArgs(argv: string[]): { only?: string[]; quick: boolean } {
  let only: string[] | undefined;
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = a === '--only' ? argv[++i] : a.slice('--only='.length);
      if (!v) throw new Error('--only needs a comma-separated list of modules');
      only = v.split(',').map((s) => s.trim()).filter(Boolean);
    } else if (a === '--help' || a === '-h') {
      console.log(`usage: tsx bench/run.ts [--quick] [--only ${MODULES.map((m) => m.name).join(',')}]`);
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  const unknown = only?.filter((n) => !MODULES.some((m) => m.name === n)) ?? [];
  if (unknown.length) throw new Error(`unknown module(s) ${unknown.join(', ')}; known: ${MODULES.map((m) => m.name).join(', ')}`);
  return { only, quick };
}

function machine() {
  const c = cpus();
  let bls: string;
  try {
    bls = resolveBlsBackend();
  } catch (e) {
    bls = `unavailable (${(e as Error).message})`;
  }
  return {
    cpus: c.length,
    cpuModel: c[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${platform()} ${release()}`,
    node: process.version,
    blsBackend: bls,
    blstLoads: blstAvailable(),
    loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

type Outcome = { name: string; status: 'ok' | 'skipped' | 'failed'; seconds: number; rows: number; error?: string };

async function runModule(m: Module, quick: boolean): Promise<{ outcome: Outcome; rows: BenchRow[] }> {
  const t = performance.now();
  const secs = () => Math.round((performance.now() - t) / 100) / 10;
  if (!existsSync(join(here, `${m.file}.ts`))) {
    console.log(`skipped: ${m.name} (module not present)`);
    return { outcome: { name: m.name, status: 'skipped', seconds: 0, rows: 0 }, rows: [] };
  }
  try {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(`./${m.file}`)) as Record<string, unknown>;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(m.file)) {
        console.log(`skipped: ${m.name} (module not present)`);
        return { outcome: { name: m.name, status: 'skipped', seconds: 0, rows: 0 }, rows: [] };
      }
      throw e;
    }
    const fn = mod[m.fn];
    if (typeof fn !== 'function') throw new Error(`bench/${m.file}.ts does not export ${m.fn}()`);
    const rows = (await (m.takesOptions ? fn({ quick }) : fn())) as BenchRow[];
    if (!Array.isArray(rows)) throw new Error(`${m.fn}() did not return rows`);
    console.log(rows.length ? formatRows(rows) : '(no rows)');
    console.log(`-- ${m.name}: ${rows.length} rows in ${secs()} s`);
    return { outcome: { name: m.name, status: 'ok', seconds: secs(), rows: rows.length }, rows };
  } catch (e) {
    const err = e as Error;
    console.log(`failed: ${m.name}: ${err.stack ?? err.message}`);
    return { outcome: { name: m.name, status: 'failed', seconds: secs(), rows: 0, error: err.message }, rows: [] };
  }
}

async function main(): Promise<number> {
  const { only, quick } = parseArgs(process.argv.slice(2));
  if (quick) process.env.TRICHAIN_BENCH_QUICK = '1';
  const started = new Date();
  const t0 = performance.now();
  const m = machine();
  console.log(`Trichain benchmarks${quick ? ' (--quick)' : ''}, ${started.toISOString()}`);
  console.log(`machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.platform}; node ${m.node}; BLS backend ${m.blsBackend}; load average ${m.loadAverageAtStart.join(' ')}`);
  const selected = MODULES.filter((x) => !only || only.includes(x.name));
  const rows: BenchRow[] = [];
  const outcomes: Outcome[] = [];
  for (const mod of selected) {
    console.log(`\n== ${mod.name} ==`);
    const r = await runModule(mod, quick);
    rows.push(...r.rows);
    outcomes.push(r.outcome);
  }
  const totalSeconds = Math.round((performance.now() - t0) / 100) / 10;
  const loadAtEnd = loadavg().map((x) => Math.round(x * 100) / 100);
  console.log(`\ntotal ${totalSeconds} s; ${outcomes.map((o) => `${o.name} ${o.status}${o.status === 'ok' ? ` ${o.seconds} s` : ''}`).join(', ')}; load average at end ${loadAtEnd.join(' ')}`);
  const dir = join(here, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'latest.json');
  writeFileSync(
    file,
    JSON.stringify({ startedAt: started.toISOString(), options: { quick, only: only ?? null }, machine: { ...m, loadAverageAtEnd: loadAtEnd }, totalSeconds, modules: outcomes, rows }, null, 2) + '\n',
  );
  console.log(`rows written to ${file}`);
  return outcomes.some((o) => o.status === 'failed') ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error((e as Error).message);
    process.exit(2);
  },
);
