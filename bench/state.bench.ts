/**
 * The state root (src-main/ledger/state-tree.ts): what bringing it up to date costs per block, over
 * the keys the block changed, against the same-run baseline of recomputing it from scratch over the
 * whole state (what a node without the persistent tree would pay per block, and what start and
 * `trichain verify` pay once).
 *
 *   npx tsx bench/run.ts --only state [--quick]
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { StateTree } from '../src-main/ledger/state-tree';
import { tempDir } from '../test/support/ledger';
import { openDatabase } from '../src-main/storage/db';
import { median, type BenchRow } from './util';

export async function benchState(opts: { quick?: boolean } = {}): Promise<BenchRow[]> {
  const quick = opts.quick ?? process.env.TRICHAIN_BENCH_QUICK === '1';
  const sizes = quick ? [10_000] : [20_000, 100_000];
  const perBlock = quick ? [100, 1_000] : [100, 1_000, 5_000];
  const rows: BenchRow[] = [];
  for (const n of sizes) {
    const dir = tempDir('bench-state-');
    const db = openDatabase(join(dir, 'node.db'));
    const tree = new StateTree(db);
    const put = db.prepare("INSERT INTO state (chain, key, value) VALUES ('hospital', ?, ?) ON CONFLICT (chain, key) DO UPDATE SET value = excluded.value");
    // record-like rows: a key per record version with a ~300-byte value
    const keys = Array.from({ length: n }, (_, i) => `record/${i.toString(36)}.${randomBytes(6).toString('hex')}/v/1`);
    db.transaction(() => {
      for (const k of keys) put.run(k, randomBytes(300));
      tree.rebuild('hospital');
    })();
    const full: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      tree.fromState('hospital');
      full.push(performance.now() - t);
    }
    const baseline = { name: `from scratch over ${n} keys`, value: median(full) };
    for (const k of perBlock) {
      const times: number[] = [];
      for (let round = 0; round < 5; round++) {
        const changed = Array.from({ length: k }, (_, i) => keys[(round * 7919 + i * 104729) % n]);
        db.transaction(() => {
          for (const key of changed) put.run(key, randomBytes(300));
          const t = performance.now();
          tree.update('hospital', changed);
          times.push(performance.now() - t);
        })();
      }
      rows.push({ group: 'state root', name: `update ${k} changed keys (state of ${n})`, value: median(times), unit: 'ms', baseline });
    }
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { formatRows } = await import('./util');
  console.log(formatRows(await benchState({ quick: process.argv.includes('--quick') })));
}
