/**
 * Consensus benchmark: 4 validators in one process, real BLS (blst when it loads), an in-memory
 * network that delivers on the next event-loop turn (no artificial delay), real timers. Measures
 * wall-clock throughput (blocks per second) and commit latency (prepareProposal to decision on the
 * proposer's own node), median and p95, and the cost of checking one commit certificate.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { canonicalEncode } from '../src-main/codec/canonical';
import { createBls } from '../src-main/crypto/bls';
import { checkCertificate } from '../src-main/ledger/certificate';
import type { Certificate } from '../src-main/ledger/types';
import type { ConsensusApp } from '../src-main/consensus/abci';
import { ConsensusEngine } from '../src-main/consensus/engine';
import type { Transport } from '../src-main/consensus/driver';
import type { ProposalValue } from '../src-main/consensus/messages';
import { MemorySignGuard } from '../src-main/consensus/sign-guard';
import { realCrypto } from '../test/consensus/sim/simulation';
import { median, percentile, sample, type BenchRow } from './util';

export async function benchConsensus(opts: { validators?: number; heights?: number } = {}): Promise<BenchRow[]> {
  const n = opts.validators ?? 4;
  const heights = opts.heights ?? 40;
  const bls = createBls();
  const crypto = realCrypto(bls, 1);
  const keys = Array.from({ length: n }, (_, i) => crypto.keyPair(i));
  const validators = keys.map((k, i) => ({ name: `v${i}`, blsPk: k.pk, pop: k.pop }));
  const genesisHash = new Uint8Array(createHash('sha256').update('bench-genesis').digest());
  const handlers: ((from: string, msg: Uint8Array) => void)[] = [];
  const prepared = new Map<number, number>();
  const decidedAt = new Map<number, number>();
  const certs = new Map<number, { hash: Uint8Array; cert: Certificate }>();
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));

  const engines = keys.map((k, i) => {
    let last = 0;
    const transport: Transport = {
      broadcast: (msg) => handlers.forEach((h, j) => j !== i && setImmediate(() => h(`n${i}`, msg))),
      send: (to, msg) => setImmediate(() => handlers[Number(to.slice(1))]?.(`n${i}`, msg)),
      onMessage: (h) => (handlers[i] = h),
    };
    const app: ConsensusApp = {
      genesisHash,
      validatorsAt: () => validators,
      lastCommittedHeight: () => last,
      prepareProposal: async (height, time, proposer) => {
        prepared.set(height, performance.now());
        const bytes = canonicalEncode({ height, time, proposer, txs: [new Uint8Array(256)] });
        return { hash: new Uint8Array(createHash('sha256').update(bytes).digest()), bytes } satisfies ProposalValue;
      },
      processProposal: async () => ({ accept: true }),
      finalizeBlock: async (height, value, certificate) => {
        last = height;
        if (!decidedAt.has(height)) {
          decidedAt.set(height, performance.now());
          certs.set(height, { hash: value.hash, cert: certificate });
        }
        if (height >= heights && [...decidedAt.keys()].length >= heights) done();
      },
      commit: async () => {},
    };
    return new ConsensusEngine({ app, transport, bls, secretKey: k.sk, publicKey: k.pk, signGuard: new MemorySignGuard() });
  });

  const t0 = performance.now();
  engines.forEach((e) => e.start());
  await finished;
  const elapsed = performance.now() - t0;
  engines.forEach((e) => e.stop());

  const lat = [...decidedAt].filter(([h]) => prepared.has(h)).map(([h, t]) => t - prepared.get(h)!);
  const [h1, c1] = [...certs][0];
  const checkMs = await sample(() => checkCertificate(bls, validators, genesisHash, h1, c1.hash, c1.cert), 20);
  const note = `${n} validators, ${heights} heights, bls=${bls.backend}, in-process network`;
  return [
    { group: 'consensus', name: 'throughput', value: (heights / elapsed) * 1000, unit: 'blocks/s', note },
    { group: 'consensus', name: 'commit latency median', value: median(lat), unit: 'ms', note },
    { group: 'consensus', name: 'commit latency p95', value: percentile(lat, 95), unit: 'ms', note },
    { group: 'consensus', name: 'commit certificate size', value: c1.cert.signature.length + c1.cert.signers.length + 1, unit: 'bytes', note: 'signature + bitmap + round' },
    { group: 'consensus', name: 'checkCertificate', value: median(checkMs), unit: 'ms', note },
  ];
}
