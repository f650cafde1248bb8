/**
 * A 4-validator cluster of real `trichain start` processes on loopback (HTTPS, mutual TLS), grown
 * from a founder with `trichain validators` (as test/consensus/cluster.soak.test.ts does), measuring:
 *   - committed transactions per second: N record.anchor transactions queued on the four
 *     validators at once (test/consensus/fixtures/submit.ts, one process per validator), from the
 *     first submission until every validator's outbox reports its own committed;
 *   - commit latency (median, p95): one transaction at a time queued on validator A (this process
 *     opens A's database), until it is in a committed block there;
 *   - catch-up of a fresh node on the chains holding those N transactions, verifying every block
 *     (hash link, Merkle root, commit certificate, every transaction signature and rule), against
 *     the same block bytes streamed from the same peer over the same connection and dropped
 *     without verification (the limit set by TLS, HTTP and framing).
 * N = 20,000, or 100,000 with TRICHAIN_BENCH_FULL=1 or --full (TRICHAIN_BENCH_QUICK=1: 2,000).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { PeerClient } from '../src-main/net/client';
import { TrichainNode } from '../src-main/node/node';
import { cli, NodeProc, PASS, script, startNode, until } from '../test/net/helpers';
import { median, percentile, type BenchRow } from './util';

const FLAGS = ['--block-interval', '300', '--propose-timeout', '1500'];
const CHAINS = ['patient', 'hospital', 'social'] as const;
const run = async (args: string[]): Promise<string> => (await cli(args)).out;

async function runRetry(args: string[]): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      return await run(args);
    } catch (e) {
      // admit against a node whose engine commits blocks all the time: SQLite BUSY_SNAPSHOT under
      // admit's deferred transaction; try again.
      if (i >= 40 || !/database is locked/.test((e as Error).message)) throw e;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 200));
    }
  }
}

/** A `trichain start` process; relay and sync lines are not kept (a 100,000-transaction run prints many). */
const start = (dir: string, extra: string[] = []): Promise<NodeProc> => startNode(dir, [...FLAGS, ...extra], { quiet: /^TRICHAIN_(RELAY|SYNC) / });

async function join_(base: string, aDir: string, inv: string, name: string): Promise<{ dir: string; line: string }> {
  const dir = join(base, name.replace(/\W/g, ''));
  await run(['init', '--data', dir, '--role', 'hospital', '--name', name, '--join']);
  const line = (await run(['join', inv, '--data', dir])).trim().split('\n').pop()!;
  await runRetry(['admit', line, '--data', aDir]);
  return { dir, line };
}

export async function benchCluster(): Promise<BenchRow[]> {
  const full = process.env.TRICHAIN_BENCH_FULL === '1' || process.argv.includes('--full');
  const quick = process.env.TRICHAIN_BENCH_QUICK === '1';
  const N = full ? 100_000 : quick ? 2_000 : 20_000;
  const latencySamples = quick ? 15 : 40;
  const base = mkdtempSync(join(tmpdir(), 'trichain-bench-cluster-'));
  const procs: NodeProc[] = [];
  const rows: BenchRow[] = [];
  const group = 'cluster';
  try {
    // ---- the cluster: founder A, then B, C, D admitted and made validators one by one.
    const aDir = join(base, 'A');
    await run(['init', '--data', aDir, '--role', 'hospital', '--name', 'Bench A']);
    const a = await start(aDir, ['--listen', '127.0.0.1:0']);
    procs.push(a);
    const inv = (await run(['invite', '--data', aDir])).trim();
    const others = [];
    for (const n of ['Bench B', 'Bench C', 'Bench D']) others.push(await join_(base, aDir, inv, n));
    const ps = await Promise.all(others.map((o) => start(o.dir)));
    procs.push(...ps);
    for (let i = 0; i < others.length; i++) {
      const out = await run(['validators', 'add', others[i].line, '--data', aDir, '--effective-in', '40', '--out', join(base, `change-${i}.json`)]);
      if (!/quorum=yes/.test(out)) {
        const file = /file=(\S+)/.exec(out)![1];
        for (let j = 0; j < i; j++) await run(['validators', 'sign', file, '--data', others[j].dir]);
        await run(['validators', 'submit', file, '--data', aDir]);
      }
      for (const c of CHAINS) await ps[i].waitLine(new RegExp(`^TRICHAIN_CONSENSUS chain=${c} validators=${i + 2}$`), 180_000);
    }
    const validators = [a, ...ps];

    // ---- throughput: N transactions queued on the four validators at once.
    const per = Math.ceil(N / 4);
    const t0 = performance.now();
    const idsPer = await Promise.all(
      validators.map(async (v) => (JSON.parse((await script('test/consensus/fixtures/submit.ts', [v.dir, 'anchor', String(per)])).out.trim().split('\n').pop()!) as { ids: string[] }).ids),
    );
    const tQueued = performance.now() - t0;
    await until('all transactions committed', async () => {
      for (let i = 0; i < validators.length; i++) {
        const ob = await validators[i].outbox();
        const committed = new Set(ob.filter((e) => e.status === 'committed').map((e) => e.id));
        if (!idsPer[i].every((id) => committed.has(id))) return false;
      }
      return true;
    }, 1_800_000, 250);
    const tAll = performance.now() - t0;
    const total = idsPer.reduce((s, x) => s + x.length, 0);
    rows.push({ group, name: `committed tx/s, 4 validators (${total} record.anchor)`, value: (total * 1000) / tAll, unit: 'tx/s', note: `queueing (sign + check, 4 processes) took ${(tQueued / 1000).toFixed(1)} s of ${(tAll / 1000).toFixed(1)} s` });

    // ---- latency: one transaction at a time on A.
    const nodeA = await TrichainNode.open(aDir, { passphrase: PASS, verify: false });
    nodeA.db.pragma('busy_timeout = 5000');
    const lat: number[] = [];
    try {
      const { randomBytes } = await import('node:crypto');
      const rnd = (n: number) => new Uint8Array(randomBytes(n));
      for (let i = 0; i < latencySamples; i++) {
        const wk = () => ({ epk: rnd(32), nonce: rnd(12), ct: rnd(48) });
        const body = {
          recordId: `lat-${i}-${Date.now()}`, version: 1, patient: nodeA.bls.publicKey(nodeA.bls.keygen(rnd(32))), org: nodeA.identity.blsPublicKey,
          resourceType: 'Observation', contentHash: rnd(32), blobHash: rnd(32), size: 64,
          labels: { category: 'observation', sensitivity: [], confidentiality: 'N', rulesVersion: 1 }, keys: { patient: wk(), org: wk() },
        };
        let tx;
        for (let k = 0; ; k++) {
          try {
            tx = nodeA.sign('hospital', 'record.anchor', body);
            break;
          } catch (e) {
            if (k > 100) throw e;
            await new Promise((r) => setTimeout(r, 10));
          }
        }
        const t = performance.now();
        let id: Uint8Array | undefined;
        for (let k = 0; !id; k++) {
          try {
            id = nodeA.submitSigned(tx, { defer: true }).id;
          } catch (e) {
            if (k > 100 || !/locked|BUSY/i.test(String((e as Error).message) + String((e as { code?: string }).code))) throw e;
            await new Promise((r) => setTimeout(r, 5));
          }
        }
        await until('latency tx committed', async () => nodeA.ledger.txLocation('hospital', id!) !== null, 120_000, 5);
        lat.push(performance.now() - t);
      }
    } finally {
      nodeA.close();
    }
    rows.push({ group, name: 'commit latency, median (tx queued on A -> in a block on A)', value: median(lat), unit: 'ms', note: `${lat.length} samples, block interval 300 ms` });
    rows.push({ group, name: 'commit latency, p95', value: percentile(lat, 95), unit: 'ms' });

    // ---- catch-up of a fresh node, verified, against the bytes copied without verification.
    const target = await a.heights();
    const e = await join_(base, aDir, (await run(['invite', '--data', aDir])).trim(), 'Bench E');
    const tE = performance.now();
    const eProc = await start(e.dir, ['--sync-batch', '500']);
    procs.push(eProc);
    await until('fresh node caught up', async () => {
      const h = await eProc.heights();
      return CHAINS.every((c) => h[c] >= target[c]);
    }, 1_800_000, 100);
    const tVerified = performance.now() - tE;
    const blocks = CHAINS.reduce((s, c) => s + target[c], 0);
    // The same bytes from the same peer over one pinned connection, not verified.
    const tls = { keyPem: readFileSync(join(e.dir, 'tls', 'key.pem'), 'utf8'), certPem: readFileSync(join(e.dir, 'tls', 'cert.pem'), 'utf8') };
    const client = new PeerClient({ address: a.peer, tls, expectedFingerprint: a.fingerprint, timeoutMs: 600_000 });
    let bytes = 0;
    const tc = performance.now();
    try {
      for (const c of CHAINS) {
        for (let from = 1; from <= target[c]; from += 500) {
          for await (const b of client.stream(`/blocks/${c}?from=${from}&limit=${Math.min(500, target[c] - from + 1)}`)) bytes += b.length;
        }
      }
    } finally {
      client.close();
    }
    const tCopy = performance.now() - tc;
    rows.push({
      group,
      name: `catch-up of a fresh node, verified (${total + latencySamples} txs, ${blocks} blocks)`,
      value: tVerified / 1000,
      unit: 's',
      baseline: { name: 'same bytes copied, unverified', value: tCopy / 1000 },
      note: `${(bytes / 2 ** 20).toFixed(1)} MiB; verified time includes process start and genesis bootstrap`,
    });
    rows.push({ group, name: 'catch-up, verified transactions per second', value: ((total + latencySamples) * 1000) / tVerified, unit: 'tx/s' });
    return rows;
  } finally {
    await Promise.all(procs.map((p) => p.stop().catch(() => {})));
    if (!process.env.TRICHAIN_BENCH_KEEP) rmSync(base, { recursive: true, force: true });
  }
}

// `npx tsx bench/cluster.bench.ts [--full]` runs it alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { formatRows } = await import('./util');
  console.log(formatRows(await benchCluster()));
}
