/**
 * Deterministic simulation of one chain's consensus: n validators running the real ConsensusEngine
 * in virtual time over a simulated network, with faults drawn from a seed.
 *
 * Faults before GST (global stabilization time, drawn per seed): per-message delay (which also
 * reorders), loss, duplication, partitions (two groups, healed after a while), crash and restart
 * (a restarted node keeps only its committed chain and its SignGuard, like a disk). Throughout the
 * run, up to `byzantine` validators equivocate: every vote they sign gets a conflicting twin (nil vs
 * a block, or a made-up block) and every proposal a conflicting valid twin; each peer receives one
 * or the other at random.
 * After GST: no loss, no partitions, every node up, delays bounded.
 *
 * Invariants (any violation is recorded in result.failures):
 *  - agreement: no two honest nodes decide different blocks at one height (nor one node twice);
 *  - validity: every decided block was proposed by a validator, its bytes hash to its hash, and its
 *    commit certificate passes checkCertificate against the validator set;
 *  - evidence: every piece of equivocation evidence verifies and names a Byzantine validator;
 *  - liveness after GST: every honest node commits at least `liveness` heights beyond the highest
 *    height any honest node had committed at GST, within `livenessBoundMs` of virtual time.
 * TRICHAIN_SIM_DEBUG=1 prints every rejected message and each node's final state.
 */
import { createHash } from 'node:crypto';
import { canonicalDecode, canonicalEncode, bytesEqual } from '../../../src-main/codec/canonical';
import type { BlsApi } from '../../../src-main/crypto/bls-types';
import { checkCertificate } from '../../../src-main/ledger/certificate';
import type { Certificate, ValidatorInfo } from '../../../src-main/ledger/types';
import type { ConsensusApp, ProcessResult } from '../../../src-main/consensus/abci';
import { ConsensusEngine } from '../../../src-main/consensus/engine';
import type { ConsensusBls, Transport } from '../../../src-main/consensus/driver';
import { checkEvidence, type Evidence } from '../../../src-main/consensus/evidence';
import { decodeMessage, encodeMessage, hashKey, proposalSignBytes, voteSignBytes, type ProposalValue } from '../../../src-main/consensus/messages';
import { MemorySignGuard } from '../../../src-main/consensus/sign-guard';
import type { TimeoutConfig } from '../../../src-main/consensus/machine-events';
import { VirtualClock } from './clock';
import { Prng } from './prng';
import { createSimBls } from './sim-signer';

export interface SimCrypto {
  bls: ConsensusBls;
  keyPair(i: number): { sk: Uint8Array; pk: Uint8Array; pop: Uint8Array };
  /** For the result: verify certificates with this. */
  name: string;
}

export function simCrypto(seed: number): SimCrypto {
  const b = createSimBls();
  return { bls: b, keyPair: (i) => b.keyPair(`${seed}/${i}`), name: 'sim-hmac' };
}

/** Real BLS (createBls('blst') or noble): keys derived from the seed. */
export function realCrypto(bls: BlsApi, seed: number): SimCrypto {
  return {
    bls,
    name: `bls-${bls.backend}`,
    keyPair(i) {
      const ikm = new Uint8Array(createHash('sha256').update(`trichain-sim/${seed}/${i}`).digest());
      const sk = bls.keygen(ikm);
      return { sk, pk: bls.publicKey(sk), pop: bls.popProve(sk) };
    },
  };
}

export interface SimOptions {
  seed: number;
  validators: number;
  /** Equivocating validators (default: 1, at most f). */
  byzantine?: number;
  /** Enable network faults before GST (default true). */
  faults?: boolean;
  crypto?: SimCrypto;
  /** Heights each honest node must commit after GST (default 3). */
  liveness?: number;
  livenessBoundMs?: number;
  /** Stop after this many heights when there are no faults (default: liveness check only). */
  timeouts?: TimeoutConfig;
}

export interface SimResult {
  seed: number;
  validators: number;
  byzantine: number[];
  ok: boolean;
  failures: string[];
  gst: number;
  endTime: number;
  heights: number[];
  evidence: number;
  decisions: number;
  catchUps: number;
  events: number;
  scenario: string;
  /** Decided certificates (height -> {hash, cert}) as seen by node 0 (for real-BLS checks). */
  certificates: Map<number, { hash: Uint8Array; certificate: Certificate }>;
  validatorSet: ValidatorInfo[];
  genesisHash: Uint8Array;
}

export const SIM_TIMEOUTS: TimeoutConfig = { propose: 300, proposeDelta: 100, prevote: 200, prevoteDelta: 100, precommit: 200, precommitDelta: 100 };

const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());

/** The committed chain of one node: survives crashes. */
interface Disk {
  blocks: Map<number, { value: ProposalValue; certificate: Certificate }>;
  last: number;
}

interface NodeSlot {
  id: string;
  index: number;
  sk: Uint8Array;
  pk: Uint8Array;
  byzantine: boolean;
  disk: Disk;
  guard: MemorySignGuard;
  engine: ConsensusEngine | null;
  handler: ((from: string, msg: Uint8Array) => void) | null;
  up: boolean;
}

export function replayCommand(seed: number, validators: number): string {
  return `TRICHAIN_SIM_SEED=${seed} TRICHAIN_SIM_VALIDATORS=${validators} npx vitest run test/consensus/sim.test.ts`;
}

export async function runSimulation(opts: SimOptions): Promise<SimResult> {
  const { seed, validators: n } = opts;
  const rng = new Prng(seed * 7919 + n);
  const crypto = opts.crypto ?? simCrypto(seed);
  const bls = crypto.bls;
  const f = Math.floor((n - 1) / 3);
  const nByz = Math.min(opts.byzantine ?? 1, f);
  const faults = opts.faults ?? true;
  const K = opts.liveness ?? 3;
  const clock = new VirtualClock();
  const failures: string[] = [];
  const fail = (msg: string) => {
    if (failures.length < 20) failures.push(`t=${clock.now()} ${msg}`);
  };

  const genesisHash = sha256(new TextEncoder().encode(`sim-genesis/${seed}/${n}`));
  const keys = Array.from({ length: n }, (_, i) => crypto.keyPair(i));
  const validatorSet: ValidatorInfo[] = keys.map((k, i) => ({ name: `v${i}`, blsPk: k.pk, pop: k.pop }));
  const byzSet = new Set(rng.shuffle([...Array(n).keys()]).slice(0, nByz));

  // ---- scenario ----
  const gst = faults ? rng.int(3000, 15000) : 0;
  const minDelay = rng.int(1, 5);
  const maxDelay = rng.int(minDelay + 1, rng.chance(0.3) ? 400 : 80);
  const loss = faults ? rng.pick([0, 0.02, 0.1, 0.25]) : 0;
  const dup = faults ? rng.pick([0, 0.05, 0.15]) : 0;
  const partitions: { start: number; end: number; groupA: Set<number> }[] = [];
  const crashes: { node: number; at: number; restart: number }[] = [];
  if (faults) {
    const np = rng.int(0, 3);
    for (let i = 0; i < np; i++) {
      const start = rng.int(0, gst - 1);
      const end = Math.min(gst, start + rng.int(300, 6000));
      const size = rng.int(1, n - 1);
      partitions.push({ start, end, groupA: new Set(rng.shuffle([...Array(n).keys()]).slice(0, size)) });
    }
    const nc = rng.int(0, n);
    for (let i = 0; i < nc; i++) {
      const node = rng.int(0, n - 1);
      if (byzSet.has(node)) continue;
      const at = rng.int(0, gst - 1);
      const restart = Math.min(gst, at + rng.int(100, 6000));
      if (crashes.some((c) => c.node === node && !(restart < c.at || at > c.restart))) continue;
      crashes.push({ node, at, restart });
    }
  }
  const scenario =
    `gst=${gst} delay=${minDelay}..${maxDelay} loss=${loss} dup=${dup} byz=[${[...byzSet]}] ` +
    `partitions=${partitions.map((p) => `${p.start}-${p.end}:{${[...p.groupA]}}`).join(',') || 'none'} ` +
    `crashes=${crashes.map((c) => `n${c.node}@${c.at}-${c.restart}`).join(',') || 'none'}`;

  // ---- values, agreement, validity ----
  const proposed = new Set<string>();
  const decided = new Map<number, string>();
  const certificates = new Map<number, { hash: Uint8Array; certificate: Certificate }>();
  let valueNonce = 0;
  let evidenceCount = 0;
  let decisions = 0;

  function makeValue(height: number, proposer: number, tag: string): ProposalValue {
    const bytes = canonicalEncode({ height, proposer, tag, nonce: valueNonce++ });
    const value = { hash: sha256(bytes), bytes };
    proposed.add(hashKey(value.hash));
    return value;
  }

  function checkValue(height: number, value: ProposalValue): ProcessResult {
    if (!bytesEqual(sha256(value.bytes), value.hash)) return { accept: false, reason: 'hash mismatch' };
    try {
      const v = canonicalDecode(value.bytes) as { height?: unknown };
      if (!v || typeof v !== 'object' || v.height !== height) return { accept: false, reason: 'wrong height' };
    } catch {
      return { accept: false, reason: 'undecodable' };
    }
    return { accept: true };
  }

  // ---- nodes ----
  const slots: NodeSlot[] = keys.map((k, i) => ({
    id: `n${i}`,
    index: i,
    sk: k.sk,
    pk: k.pk,
    byzantine: byzSet.has(i),
    disk: { blocks: new Map(), last: 0 },
    guard: new MemorySignGuard(),
    engine: null,
    handler: null,
    up: false,
  }));
  const honest = slots.filter((s) => !s.byzantine);

  function appFor(s: NodeSlot): ConsensusApp {
    return {
      genesisHash,
      validatorsAt: () => validatorSet,
      lastCommittedHeight: () => s.disk.last,
      prepareProposal: async (height, _time, proposer) => makeValue(height, proposer, s.id),
      processProposal: async (height, value) => checkValue(height, value),
      finalizeBlock: async (height, value, certificate, evidence: Evidence[]) => {
        if (height !== s.disk.last + 1) fail(`${s.id} finalized height ${height} after ${s.disk.last}`);
        if (!proposed.has(hashKey(value.hash))) fail(`validity: ${s.id} decided a value nobody proposed at ${height}`);
        const vc = checkValue(height, value);
        if (!vc.accept) fail(`validity: ${s.id} decided an invalid value at ${height}: ${vc.reason}`);
        const cc = checkCertificate(bls as BlsApi, validatorSet, genesisHash, height, value.hash, certificate);
        if (!cc.ok) fail(`validity: ${s.id} certificate at ${height}: ${cc.reason}`);
        if (!s.byzantine) {
          const k = hashKey(value.hash);
          const prev = decided.get(height);
          if (prev === undefined) decided.set(height, k);
          else if (prev !== k) fail(`AGREEMENT VIOLATED at height ${height}: ${s.id} decided ${k.slice(0, 12)}, another honest node ${prev.slice(0, 12)}`);
          if (!certificates.has(height)) certificates.set(height, { hash: value.hash, certificate });
          decisions++;
        }
        for (const e of evidence) {
          evidenceCount++;
          const ec = checkEvidence(bls, validatorSet, genesisHash, e);
          if (!ec.ok) fail(`evidence from ${s.id} does not verify: ${ec.reason}`);
          else if (!byzSet.has(ec.validator)) fail(`evidence from ${s.id} accuses honest validator ${ec.validator}`);
        }
        s.disk.blocks.set(height, { value, certificate });
        s.disk.last = height;
      },
      commit: async () => {},
      committedAt: (height) => s.disk.blocks.get(height),
    };
  }

  // ---- network ----
  const partitionedAt = (a: number, b: number, t: number): boolean =>
    partitions.some((p) => t >= p.start && t < p.end && p.groupA.has(a) !== p.groupA.has(b));

  function deliver(from: NodeSlot, to: NodeSlot, msg: Uint8Array): void {
    if (to === from) return;
    const t = clock.now();
    const faulty = t < gst;
    if (faulty && (loss > 0 && rng.chance(loss))) return;
    if (faulty && partitionedAt(from.index, to.index, t)) return;
    const copies = faulty && rng.chance(dup) ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      clock.setTimeout(() => {
        // partitions also cut messages in flight
        if (clock.now() < gst && partitionedAt(from.index, to.index, clock.now())) return;
        if (to.up && to.handler) to.handler(from.id, msg);
      }, rng.int(minDelay, maxDelay));
    }
  }

  function transportFor(s: NodeSlot): Transport {
    const honestTransport: Transport = {
      broadcast: (msg) => {
        if (!s.up) return;
        for (const to of slots) deliver(s, to, msg);
      },
      send: (to, msg) => {
        const t = slots.find((x) => x.id === to);
        if (s.up && t) deliver(s, t, msg);
      },
      onMessage: (h) => {
        s.handler = h;
      },
    };
    if (!s.byzantine) return honestTransport;
    return { ...honestTransport, broadcast: (msg) => byzantineBroadcast(s, msg) };
  }

  /** Sends each peer either the honest message or a conflicting twin signed with the same key. */
  function byzantineBroadcast(s: NodeSlot, msg: Uint8Array): void {
    if (!s.up) return;
    const d = decodeMessage(msg);
    let twin: Uint8Array | null = null;
    if (d.ok && d.message.kind === 'vote' && d.message.vote.validator === s.index) {
      const v = d.message.vote;
      const blockHash = v.blockHash === null || rng.chance(0.5) ? (v.blockHash === null ? rng.bytes(32) : null) : rng.bytes(32);
      const alt = { ...v, blockHash };
      alt.signature = bls.sign(s.sk, voteSignBytes(genesisHash, alt));
      twin = encodeMessage({ kind: 'vote', vote: alt });
    } else if (d.ok && d.message.kind === 'proposal') {
      const p = d.message.proposal;
      const alt = { ...p, polRound: -1, value: makeValue(p.height, s.index, `${s.id}-twin`) };
      alt.signature = bls.sign(s.sk, proposalSignBytes(genesisHash, alt));
      twin = encodeMessage({ kind: 'proposal', proposal: alt });
    }
    for (const to of slots) deliver(s, to, twin && rng.chance(0.5) ? twin : msg);
  }

  const timeouts = opts.timeouts ?? SIM_TIMEOUTS;
  function boot(s: NodeSlot): void {
    s.up = true;
    s.engine = new ConsensusEngine({
      app: appFor(s),
      transport: transportFor(s),
      bls,
      secretKey: s.sk,
      publicKey: s.pk,
      signGuard: s.guard,
      scheduler: clock,
      timeouts,
      gossipIntervalMs: 1000,
      commitResendMs: 500,
      onReject: process.env.TRICHAIN_SIM_DEBUG ? (from, reason) => console.log('reject', s.id, from, clock.now(), reason) : undefined,
      onError: (e) => fail(`${s.id} engine error: ${(e as Error)?.stack ?? e}`),
    });
    s.engine.start();
  }
  function crash(s: NodeSlot): void {
    if (!s.up) return;
    s.up = false;
    s.engine?.stop();
    s.engine = null;
    s.handler = null;
  }

  for (const s of slots) boot(s);
  for (const c of crashes) {
    clock.at(c.at, () => crash(slots[c.node]));
    clock.at(c.restart, () => {
      if (!slots[c.node].up) boot(slots[c.node]);
    });
  }

  // ---- run ----
  const bound = opts.livenessBoundMs ?? 120_000;
  await clock.run(gst, () => failures.length > 0);
  for (const s of slots) if (!s.up) boot(s);
  const base = Math.max(...honest.map((s) => s.disk.last));
  const target = base + K;
  const done = () => failures.length > 0 || honest.every((s) => s.disk.last >= target);
  await clock.run(gst + bound, done);
  if (!failures.length && !done()) {
    fail(`LIVENESS: after GST (${gst}) + ${bound} ms not every honest node reached height ${target}: ${honest.map((s) => `${s.id}=${s.disk.last}`).join(' ')}`);
  }
  if (process.env.TRICHAIN_SIM_DEBUG) for (const s of slots) console.log(s.id, s.up, s.disk.last, JSON.stringify(s.engine?.snapshot), JSON.stringify(s.engine?.stats), JSON.stringify(s.guard.load().last));
  for (const s of slots) s.engine?.stop();

  const engines = slots.map((s) => s.engine);
  return {
    seed,
    validators: n,
    byzantine: [...byzSet],
    ok: failures.length === 0,
    failures,
    gst,
    endTime: clock.now(),
    heights: slots.map((s) => s.disk.last),
    evidence: evidenceCount,
    decisions,
    catchUps: engines.reduce((a, e) => a + (e?.stats.catchUps ?? 0), 0),
    events: clock.executed,
    scenario,
    certificates,
    validatorSet,
    genesisHash,
  };
}

export function describeFailure(r: SimResult): string {
  return (
    `consensus sim failed: seed=${r.seed} validators=${r.validators} byzantine=[${r.byzantine}] ${r.scenario}\n` +
    `  ${r.failures.join('\n  ')}\n  heights=${r.heights.join(',')}\n  replay: ${replayCommand(r.seed, r.validators)}`
  );
}
