/**
 * The same workload on both consensus engines side by side (src-main/consensus/testnet/run.ts, as
 * `trichain testnet` runs it): 4 validators of the hospital chain on this machine, N signed
 * record.anchor transactions submitted round-robin to the validators, timed from the first
 * submission until every validator committed all of them; forks must be 0.
 *   embedded  four ConsensusEngines in this process (BLS votes, certificate with each block)
 *   cometbft  four `cometbft` processes, the ledger as their ABCI++ application in this process
 *             (certificates from vote extensions, two heights later); skipped without the binary
 * N = 5,000 (TRICHAIN_BENCH_QUICK=1: 1,000; TRICHAIN_BENCH_FULL=1: 20,000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cometbftBinary, MISSING_COMETBFT } from '../src-main/consensus/cometbft/process';
import { runTestnet, type Engine, type TestnetReport } from '../src-main/consensus/testnet/run';
import { defaultBls } from '../src-main/crypto/bls';
import type { BenchRow } from './util';

export async function benchEngines(opts: { quick?: boolean } = {}): Promise<BenchRow[]> {
  const n = opts.quick || process.env.TRICHAIN_BENCH_QUICK ? 1000 : process.env.TRICHAIN_BENCH_FULL ? 20_000 : 5000;
  const binary = cometbftBinary();
  const rows: BenchRow[] = [];
  const reports: Partial<Record<Engine, TestnetReport>> = {};
  for (const engine of ['embedded', 'cometbft'] as Engine[]) {
    if (engine === 'cometbft' && !binary) {
      console.log(`engines: cometbft skipped: ${MISSING_COMETBFT}`);
      continue;
    }
    const dir = mkdtempSync(join(tmpdir(), `trichain-bench-${engine}-`));
    try {
      const r = await runTestnet({ engine, validators: 4, dir, txs: n, bls: defaultBls(), binary: binary ?? undefined });
      console.log(JSON.stringify(r));
      if (r.forks !== 0 || r.committed !== n) throw new Error(`${engine}: forks ${r.forks}, committed ${r.committed}/${n}`);
      reports[engine] = r;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const base = reports.embedded;
  for (const [engine, r] of Object.entries(reports) as [Engine, TestnetReport][]) {
    rows.push({
      group: 'engines',
      name: `${engine}: committed tx/s, 4 validators (${n} record.anchor)`,
      value: r.txPerSec,
      unit: 'tx/s',
      ...(engine !== 'embedded' && base ? { baseline: { name: 'embedded', value: base.txPerSec } } : {}),
      note: `${r.seconds} s, height ${r.height}, ${r.certificateBytes}-byte certificates, forks ${r.forks}`,
    });
  }
  return rows;
}
