/**
 * Catch-up sync into the ledger itself (the node's store, as `trichain start` syncs): N certified
 * blocks of real record.anchor transactions on a founding hospital's hospital chain, fetched over
 * mutual-TLS HTTPS by fresh nodes that verify each block before storing it (Ledger.commitBlocks:
 * hash links, Merkle roots, every rule and state root, and the transaction signatures and
 * certificates of each group of blocks in one batch), against the same bytes copied without
 * verification. bench/sync.bench.ts measures the framing; this is what a fresh node pays.
 * N = 500 blocks of 4 transactions (--quick: 200).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anchorTx } from '../src-main/consensus/cometbft/network';
import { TrichainNode } from '../src-main/node/node';
import { NodeSyncStore } from '../src-main/node/sync-adapter';
import { auditCertificates } from '../src-main/ledger/catch-up';
import type { ChainId } from '../src-main/ledger/types';
import type { SyncStore } from '../src-main/net/sync-store';
import { authorSignatureFloor } from './bls-floor';
import { benchSync } from './sync.bench';
import type { BenchRow } from './util';

const fast = { N: 2 ** 10 };

export async function benchSyncLedger(opts: { quick?: boolean } = {}): Promise<BenchRow[]> {
  const blocks = opts.quick || process.env.TRICHAIN_BENCH_QUICK ? 200 : 500;
  const perBlock = 4;
  const base = mkdtempSync(join(tmpdir(), 'trichain-bench-sync-ledger-'));
  const nodes: TrichainNode[] = [];
  try {
    const source = await TrichainNode.init(join(base, 'source'), { role: 'hospital', name: 'Source Hospital', passphrase: 'bench', found: true, network: 'bench', scrypt: fast });
    nodes.push(source);
    const key = { sk: source.identity.blsSecretKey, pk: source.identity.blsPublicKey };
    let n = 0;
    for (let b = 0; b < blocks; b++) {
      for (let i = 0; i < perBlock; i++) source.submitSigned(anchorTx(source.bls, key, 'hospital', n++), { defer: true });
      source.commitPending('hospital');
    }
    const genesis = source.ledger.genesis('hospital');
    let k = 0;
    const fresh = () => {
      // TrichainNode.init is async; the bench's factory is not: the destinations are made up front.
      const node = destinations[k++];
      if (!node) throw new Error('bench sync-ledger: out of fresh destinations');
      const store = new NodeSyncStore(node);
      nodeOf.set(store, node);
      return store;
    };
    const nodeOf = new Map<SyncStore, TrichainNode>();
    const destinations: TrichainNode[] = [];
    for (let i = 0; i < 3; i++) {
      const d = await TrichainNode.init(join(base, `dest-${i}`), { role: 'hospital', name: `Fresh ${i}`, passphrase: 'bench', scrypt: fast });
      d.ledger.initGenesis(genesis);
      destinations.push(d);
      nodes.push(d);
    }
    const audit = (dst: SyncStore, chain: ChainId) => {
      const node = nodeOf.get(dst)!;
      for (;;) {
        const r = auditCertificates(node.ledger, chain);
        if (r.bad) throw new Error(`bench sync-ledger: the audit found a bad certificate at ${r.bad.height}`);
        if (r.remaining === 0) break;
      }
    };
    const note = `TrichainNode ledger (SQLite), ${perBlock} record.anchor per block, 1 validator, ${source.bls.backend} BLS`;
    const rows = await benchSync({ stores: { source: new NodeSyncStore(source), fresh, audit, note }, runs: 3, chain: 'hospital' });
    // The ceiling of verified/copy while every author signature is checked: even with the copy's
    // work free and the batches spread over every core, a block costs perBlock signatures.
    const copy = rows.find((r) => r.name.startsWith('copy '))!;
    const verified = rows.find((r) => r.name.startsWith('catch-up '))!;
    const floor = authorSignatureFloor(source.bls);
    const sigMsPerBlock = (perBlock * floor.cpuMsPerSig) / floor.cores;
    rows.push({
      group: 'sync-ledger',
      name: `ceiling of verified/copy from BLS alone (${perBlock} author signatures a block, batched, on ${floor.cores} cores)`,
      value: Math.round((1000 / copy.value / sigMsPerBlock) * 1000) / 1000,
      unit: 'ratio',
      baseline: { name: 'measured verified/copy', value: Math.round((verified.value / copy.value) * 1000) / 1000 },
      note: `copy ${(1000 / copy.value).toFixed(3)} ms/block; ${floor.cpuMsPerSig.toFixed(3)} ms CPU per signature in a batch of ${floor.batch}: ${sigMsPerBlock.toFixed(3)} ms/block on ${floor.cores} cores`,
    });
    return rows.map((r) => ({ ...r, group: 'sync-ledger' }));
  } finally {
    for (const nd of nodes) nd.close();
    rmSync(base, { recursive: true, force: true });
  }
}
