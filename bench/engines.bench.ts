/**
 * The same workload on both consensus engines side by side (src-main/consensus/testnet/run.ts, as
 * `trichain testnet` runs it): 4 validators of the hospital chain on this machine, N signed
 * record.anchor transactions submitted round-robin to the validators, timed from the first
 * submission until every validator committed all of them; forks must be 0.
 *   embedded  four ConsensusEngines in this process (BLS votes, certificate with each block)
 *   cometbft  four `cometbft` processes, the ledger as their ABCI++ application in this process
 *             (certificates from vote extensions, two heights later); skipped without the binary
 *   cometbft, one application process per validator: the same, each application in a Node process
 *             of its own (as on separate servers: four Node threads instead of one)
 * N = 5,000 (TRICHAIN_BENCH_QUICK=1: 1,000; TRICHAIN_BENCH_FULL=1: 20,000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cometbftBinary, MISSING_COMETBFT } from '../src-main/consensus/cometbft/process';
import { runTestnet, type Engine, type TestnetReport } from '../src-main/consensus/testnet/run';
import { defaultBls } from '../src-main/crypto/bls';
import { authorSignatureFloor, txPerSecCeiling } from './bls-floor';
import type { BenchRow } from './util';

export async function benchEngines(opts: { quick?: boolean } = {}): Promise<BenchRow[]> {
  const n = opts.quick || process.env.TRICHAIN_BENCH_QUICK ? 1000 : process.env.TRICHAIN_BENCH_FULL ? 20_000 : 5000;
  const binary = cometbftBinary();
  const rows: BenchRow[] = [];
  type Label = 'embedded' | 'cometbft' | 'cometbft, one application process per validator';
  const reports: Partial<Record<Label, TestnetReport>> = {};
  const runs: [Label, Engine, boolean][] = [
    ['embedded', 'embedded', false],
    ['cometbft', 'cometbft', false],
    ['cometbft, one application process per validator', 'cometbft', true],
  ];
  for (const [label, engine, appProcesses] of runs) {
    if (engine === 'cometbft' && !binary) {
      console.log(`engines: ${label} skipped: ${MISSING_COMETBFT}`);
      continue;
    }
    const dir = mkdtempSync(join(tmpdir(), `trichain-bench-${engine}-`));
    try {
      const r = await runTestnet({ engine, validators: 4, dir, txs: n, bls: defaultBls(), binary: binary ?? undefined, appProcesses });
      console.log(JSON.stringify({ ...r, appProcesses }));
      if (r.forks !== 0 || r.committed !== n) throw new Error(`${label}: forks ${r.forks}, committed ${r.committed}/${n}`);
      reports[label] = r;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const base = reports.embedded;
  for (const [engine, r] of Object.entries(reports) as [Label, TestnetReport][]) {
    rows.push({
      group: 'engines',
      name: `${engine}: committed tx/s, 4 validators (${n} record.anchor)`,
      value: r.txPerSec,
      unit: 'tx/s',
      ...(engine !== 'embedded' && base ? { baseline: { name: 'embedded', value: base.txPerSec } } : {}),
      note: `${r.seconds} s, height ${r.height}, ${r.certificateBytes}-byte certificates, forks ${r.forks}`,
    });
  }
  // The ceiling every engine shares here: each of the 4 validators verifies each author signature at
  // least once; in a batch (the cheapest way) that costs cpuMsPerSig on one core.
  const floor = authorSignatureFloor(defaultBls(), Math.min(n, 1000));
  rows.push({
    group: 'engines',
    name: `ceiling from BLS alone: 4 validators on ${floor.cores} cores, each author signature verified once in a batch`,
    value: Math.round(txPerSecCeiling(floor, 4) * 10) / 10,
    unit: 'tx/s',
    ...(base ? { baseline: { name: 'embedded', value: base.txPerSec } } : {}),
    note: `${floor.cpuMsPerSig.toFixed(3)} ms CPU (${floor.wallMsPerSig.toFixed(3)} ms wall) per signature in a batch of ${floor.batch} (median of 3); ${floor.cores} × 1000 / (4 × that); nothing else counted`,
  });
  return rows;
}
