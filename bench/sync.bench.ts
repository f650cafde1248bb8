/**
 * Catch-up sync throughput over HTTPS (mutual TLS, pinned) on loopback: N blocks streamed from a
 * peer and verified before storing (syncChain's windows: each block's hash link, Merkle root and
 * header, the certificate of each window's last block against the validator set), against the
 * same bytes streamed and copied without verification — the limit set by TLS, HTTP and framing
 * alone. A third row times the background audit of the intermediate certificates (one batchVerify
 * per group), which the node runs after the window is stored, off the critical path. Each row's
 * note gives the process CPU time per block too (server and client share the process), the
 * measure to trust on a loaded machine.
 *
 * By default both sides are the in-memory MemorySyncStore (test/support/sync-store) with real BLS
 * certificates from 4 validators (quorum 3). Pass `stores` to measure the ledger's store instead:
 * a populated source and a factory for fresh destination stores with the same genesis.
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { defaultBls } from '../src-main/crypto/bls';
import type { ChainId, ValidatorInfo } from '../src-main/ledger/types';
import { PeerClient } from '../src-main/net/client';
import { startPeerServer } from '../src-main/net/server';
import { syncChain, syncRoutes } from '../src-main/net/sync';
import type { SyncStore } from '../src-main/net/sync-store';
import { buildChain, MemorySyncStore, storeWith } from '../test/support/sync-store';
import { createTlsIdentity } from '../src-main/net/tls';
import { median, type BenchRow } from './util';

export interface SyncBenchOptions {
  /** Blocks to sync (default 1000; ignored when `stores` is given: the source's height is used). */
  n?: number;
  txsPerBlock?: number;
  runs?: number;
  chain?: ChainId;
  /** `audit`: checks the certificates a destination stored unaudited (the background step). */
  stores?: { source: SyncStore; fresh: () => SyncStore; audit: (dst: SyncStore, chain: ChainId) => void; note?: string };
}

export async function benchSync(opts: SyncBenchOptions = {}): Promise<BenchRow[]> {
  const chain = opts.chain ?? 'hospital';
  const runs = opts.runs ?? 3;
  let source: SyncStore;
  let fresh: () => SyncStore;
  let audit: (dst: SyncStore, chain: ChainId) => void;
  let note: string;
  if (opts.stores) {
    ({ source, fresh, audit } = opts.stores);
    note = opts.stores.note ?? 'supplied stores';
  } else {
    const n = opts.n ?? 1000;
    const bls = defaultBls();
    const sks = [1, 2, 3, 4].map((i) => bls.keygen(new Uint8Array(32).fill(i)));
    const validators: ValidatorInfo[] = sks.map((sk, i) => ({ name: `v${i}`, blsPk: bls.publicKey(sk), pop: bls.popProve(sk) }));
    const genesis = new Uint8Array(randomBytes(32));
    const blocks = buildChain({ chain, genesis, n, txsPerBlock: opts.txsPerBlock ?? 4, signer: { bls, secretKeys: sks.slice(0, 3), validators } });
    const certify = { [chain]: { bls, validators } };
    source = storeWith({ [chain]: genesis }, { [chain]: blocks }, certify);
    fresh = () => new MemorySyncStore({ [chain]: genesis }, certify);
    audit = (dst, c) => {
      const r = (dst as MemorySyncStore).audit(c);
      if (r.bad !== null) throw new Error(`bench sync: the audit found a bad certificate at ${r.bad}`);
    };
    note = `MemorySyncStore, 4 validators, ${bls.backend} BLS`;
  }
  const n = source.height(chain);
  if (n === 0) throw new Error('bench sync: the source store has no blocks');

  const [serverTls, clientTls] = await Promise.all([createTlsIdentity('bench-server'), createTlsIdentity('bench-client')]);
  const peer = { fingerprint: clientTls.fingerprint, blsPk: new Uint8Array(48), role: 'hospital' as const, name: 'bench', validatorOf: [] };
  const server = await startPeerServer({
    tls: serverTls,
    listen: { host: '127.0.0.1', port: 0 },
    authorize: (fp) => (fp === peer.fingerprint ? peer : null),
    routes: syncRoutes({ store: source, blobMeta: () => null }),
    log: () => {},
  });
  const client = new PeerClient({ address: `127.0.0.1:${server.port}`, tls: clientTls, expectedFingerprint: serverTls.fingerprint, timeoutMs: 120_000 });
  try {
    let bytes = 0;
    const copy = async (): Promise<number> => {
      const t = performance.now();
      const out: Uint8Array[] = [];
      for (let from = 1; from <= n; from += 1000) {
        for await (const b of client.stream(`/blocks/${chain}?from=${from}&limit=${Math.min(1000, n - from + 1)}`)) out.push(b);
      }
      if (out.length !== n) throw new Error(`bench sync: copied ${out.length} of ${n} blocks`);
      bytes = out.reduce((s, b) => s + b.length, 0);
      return performance.now() - t;
    };
    const cpu = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    const verified = async (): Promise<{ ms: number; cpuMs: number; auditMs: number; auditCpuMs: number }> => {
      const dst = fresh();
      const t = performance.now();
      const c0 = cpu();
      const r = await syncChain(client, dst, chain, { batchSize: 1000, retries: 0 });
      const ms = performance.now() - t;
      const cpuMs = cpu() - c0;
      if (!r.complete || dst.height(chain) !== n) throw new Error(`bench sync: verified sync stopped: ${r.stopped ?? 'incomplete'}`);
      const t2 = performance.now();
      const c2 = cpu();
      audit(dst, chain);
      return { ms, cpuMs, auditMs: performance.now() - t2, auditCpuMs: cpu() - c2 };
    };
    const timedCopy = async (): Promise<{ ms: number; cpuMs: number }> => {
      const c0 = cpu();
      const ms = await copy();
      return { ms, cpuMs: cpu() - c0 };
    };
    await copy(); // warm-up: connection, JIT
    const copies: { ms: number; cpuMs: number }[] = [];
    const vers: Awaited<ReturnType<typeof verified>>[] = [];
    for (let i = 0; i < runs; i++) {
      copies.push(await timedCopy());
      vers.push(await verified());
    }
    const med = <T>(xs: T[], f: (x: T) => number) => median(xs.map(f));
    const copyRate = (n * 1000) / med(copies, (x) => x.ms);
    const verRate = (n * 1000) / med(vers, (x) => x.ms);
    const auditRate = (n * 1000) / med(vers, (x) => x.auditMs);
    const perBlock = (ms: number) => `${((ms * 1000) / n).toFixed(0)} µs CPU/block`;
    const copyCpu = med(copies, (x) => x.cpuMs);
    const verCpu = med(vers, (x) => x.cpuMs);
    const copyName = `copy ${n} blocks, no verification (limit)`;
    return [
      { group: 'sync', name: copyName, value: copyRate, unit: 'blocks/s', note: `${((bytes / 1e6) * 1000 / med(copies, (x) => x.ms)).toFixed(1)} MB/s, ${(bytes / n).toFixed(0)} B/block, ${perBlock(copyCpu)}` },
      { group: 'sync', name: `catch-up ${n} blocks, verified (HTTPS loopback)`, value: verRate, unit: 'blocks/s', baseline: { name: copyName, value: copyRate }, note: `${note}; ${perBlock(verCpu)}, CPU ratio ${(copyCpu / verCpu).toFixed(3)}` },
      { group: 'sync', name: `audit of the ${n} certificates stored unaudited (background)`, value: auditRate, unit: 'certs/s', note: perBlock(med(vers, (x) => x.auditCpuMs)) },
    ];
  } finally {
    client.close();
    await server.close();
  }
}
