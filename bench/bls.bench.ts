/**
 * BLS benchmark: each operation through createBls (both backends) beside the same work done by
 * calling the library directly (noble's longSignatures API; blst's napi API), same process, same
 * inputs. The wrapper's goal is an overhead ratio ≤ 1.10; a row says so when it is exceeded.
 *
 * Timing: wrapper and raw runs are interleaved in blocks (A B, B A, A B, …) so drift (JIT, GC,
 * thermal) hits both alike; the value is the median over all runs.
 *
 * Raw baselines where the library has no single call:
 * - noble batchVerify: the same random-scalar multi-pairing written with noble's point and
 *   pairing API;
 * - blst popVerify: the binding hard-wires the _SIG_ DST, so it cannot check a PoP at all; the
 *   wrapper delegates to noble and its baseline is noble's raw PoP check.
 */
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { blstAvailable, createBls } from '../src-main/crypto/bls';
import { BLS_DST_POP, BLS_DST_SIG, type BlsApi } from '../src-main/crypto/bls-types';
import { type BenchRow, median, percentile, sample } from './util';

type Blst = typeof import('@chainsafe/blst');
type Op = 'sign' | 'verify' | 'aggregate (64 sigs)' | 'aggregateVerify (16 msgs)' | 'fastAggregateVerify (64 keys)' | 'batchVerify (16)' | 'popVerify';

const GOAL = 1.1;
const L = bls12_381.longSignatures;
const G1 = bls12_381.G1.Point;
const G2 = bls12_381.G2.Point;
const { Fp12 } = bls12_381.fields;

interface Fixture {
  sks: Uint8Array[];
  pks: Uint8Array[];
  msgs: Uint8Array[];
  sigs: Uint8Array[]; // sigs[i] = sign(sks[i], msgs[i])
  sameMsg: Uint8Array;
  sameAgg: Uint8Array; // aggregate of all 64 signing sameMsg
  distinctAgg16: Uint8Array; // aggregate of sigs[0..16)
  pop: Uint8Array;
}

function fixture(bls: BlsApi): Fixture {
  const sks = Array.from({ length: 64 }, () => bls.keygen(new Uint8Array(randomBytes(32))));
  const pks = sks.map((sk) => bls.publicKey(sk));
  const msgs = sks.map(() => new Uint8Array(randomBytes(32)));
  const sigs = sks.map((sk, i) => bls.sign(sk, msgs[i]));
  const sameMsg = new Uint8Array(randomBytes(32));
  return {
    sks,
    pks,
    msgs,
    sigs,
    sameMsg,
    sameAgg: bls.aggregate(sks.map((sk) => bls.sign(sk, sameMsg))),
    distinctAgg16: bls.aggregate(sigs.slice(0, 16)),
    pop: bls.popProve(sks[0]),
  };
}

function wrapperOps(bls: BlsApi, f: Fixture): Record<Op, () => unknown> {
  const items = f.pks.slice(0, 16).map((publicKey, i) => ({ publicKey, message: f.msgs[i], signature: f.sigs[i] }));
  return {
    sign: () => bls.sign(f.sks[0], f.msgs[0]),
    verify: () => check(bls.verify(f.pks[0], f.msgs[0], f.sigs[0])),
    'aggregate (64 sigs)': () => bls.aggregate(f.sigs),
    'aggregateVerify (16 msgs)': () => check(bls.aggregateVerify(f.pks.slice(0, 16), f.msgs.slice(0, 16), f.distinctAgg16)),
    'fastAggregateVerify (64 keys)': () => check(bls.fastAggregateVerify(f.pks, f.sameMsg, f.sameAgg)),
    'batchVerify (16)': () => check(bls.batchVerify(items)),
    popVerify: () => check(bls.popVerify(f.pks[0], f.pop)),
  };
}

/** The noble library called directly, doing the same checks (decode + subgroup check + pairing). */
function nobleRawOps(f: Fixture): Record<Op, () => unknown> {
  return {
    sign: () => L.Signature.toBytes(L.sign(L.hash(f.msgs[0], BLS_DST_SIG), f.sks[0])),
    verify: () => check(L.verify(f.sigs[0], L.hash(f.msgs[0], BLS_DST_SIG), f.pks[0])),
    'aggregate (64 sigs)': () => L.Signature.toBytes(L.aggregateSignatures(f.sigs)),
    'aggregateVerify (16 msgs)': () =>
      check(L.verifyBatch(f.distinctAgg16, f.pks.slice(0, 16).map((publicKey, i) => ({ publicKey, message: L.hash(f.msgs[i], BLS_DST_SIG) })))),
    'fastAggregateVerify (64 keys)': () => check(L.verify(f.sameAgg, L.hash(f.sameMsg, BLS_DST_SIG), L.aggregatePublicKeys(f.pks))),
    'batchVerify (16)': () => {
      const rand = randomBytes(8 * 16);
      let sigAcc = G2.ZERO;
      const pairs = [];
      for (let i = 0; i < 16; i++) {
        const r = rand.readBigUInt64BE(8 * i) || 1n;
        sigAcc = sigAcc.add(L.Signature.fromBytes(f.sigs[i]).multiply(r));
        pairs.push({ g1: G1.fromBytes(f.pks[i]).multiply(r), g2: L.hash(f.msgs[i], BLS_DST_SIG) });
      }
      pairs.push({ g1: G1.BASE.negate(), g2: sigAcc });
      return check(Fp12.eql(bls12_381.pairingBatch(pairs), Fp12.ONE));
    },
    popVerify: () => check(L.verify(f.pop, L.hash(f.pks[0], BLS_DST_POP), f.pks[0])),
  };
}

/** The blst binding called directly, with the same validation (keys KeyValidate'd, signatures group-checked). */
function blstRawOps(b: Blst, f: Fixture, nobleRaw: Record<Op, () => unknown>): Record<Op, () => unknown> {
  const pk = (x: Uint8Array) => b.PublicKey.fromBytes(x, true);
  const sig = (x: Uint8Array) => b.Signature.fromBytes(x, true);
  return {
    sign: () => b.SecretKey.fromBytes(f.sks[0]).sign(f.msgs[0]).toBytes(),
    verify: () => check(b.verify(f.msgs[0], pk(f.pks[0]), sig(f.sigs[0]))),
    'aggregate (64 sigs)': () => b.aggregateSerializedSignatures(f.sigs, true).toBytes(),
    'aggregateVerify (16 msgs)': () => check(b.aggregateVerify(f.msgs.slice(0, 16), f.pks.slice(0, 16).map(pk), sig(f.distinctAgg16))),
    'fastAggregateVerify (64 keys)': () => check(b.fastAggregateVerify(f.sameMsg, f.pks.map(pk), sig(f.sameAgg))),
    'batchVerify (16)': () =>
      check(b.verifyMultipleAggregateSignatures(f.pks.slice(0, 16).map((p, i) => ({ msg: f.msgs[i], pk: pk(p), sig: sig(f.sigs[i]) })))),
    popVerify: nobleRaw.popVerify, // no PoP-DST API in the binding; see the file comment
  };
}

function check(ok: boolean): boolean {
  if (!ok) throw new Error('bench: verification unexpectedly failed');
  return ok;
}

/** Interleaved blocks of A and B runs; returns all durations of each. */
async function paired(a: () => unknown, b: () => unknown, rounds: number, perRound: number): Promise<[number[], number[]]> {
  const xs: number[] = [];
  const ys: number[] = [];
  await sample(a, 0, 1);
  await sample(b, 0, 1);
  for (let r = 0; r < rounds; r++) {
    // A B, then B A: neither side always runs first after a GC-heavy block
    if (r % 2 === 0) {
      xs.push(...(await sample(a, perRound, 0)));
      ys.push(...(await sample(b, perRound, 0)));
    } else {
      ys.push(...(await sample(b, perRound, 0)));
      xs.push(...(await sample(a, perRound, 0)));
    }
  }
  return [xs, ys];
}

/** Runs per operation, sized so noble's slow multi-pairings stay within the time budget. */
const PLAN: Record<'noble' | 'blst', Record<Op, [rounds: number, perRound: number]>> = {
  noble: {
    sign: [24, 1],
    verify: [20, 1],
    'aggregate (64 sigs)': [8, 1],
    'aggregateVerify (16 msgs)': [8, 1],
    'fastAggregateVerify (64 keys)': [10, 1],
    'batchVerify (16)': [6, 1],
    popVerify: [20, 1],
  },
  blst: {
    sign: [10, 40],
    verify: [10, 30],
    'aggregate (64 sigs)': [10, 10],
    'aggregateVerify (16 msgs)': [20, 4],
    'fastAggregateVerify (64 keys)': [10, 10],
    'batchVerify (16)': [20, 4],
    popVerify: [20, 1],
  },
};

export async function benchBls(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const backends: ('noble' | 'blst')[] = blstAvailable() ? ['noble', 'blst'] : ['noble'];
  if (!blstAvailable()) rows.push({ group: 'bls', name: 'blst backend', value: NaN, unit: '', note: 'skipped: @chainsafe/blst cannot load here' });
  const fx = fixture(createBls(backends[backends.length - 1]));
  const nobleRaw = nobleRawOps(fx);
  for (const name of backends) {
    const bls = createBls(name);
    const ours = wrapperOps(bls, fx);
    const raw = name === 'noble' ? nobleRaw : blstRawOps(createRequire(import.meta.url)('@chainsafe/blst') as Blst, fx, nobleRaw);
    const rawLabel = name === 'noble' ? 'noble direct' : 'blst direct';
    for (const op of Object.keys(ours) as Op[]) {
      const [rounds, per] = PLAN[name][op];
      const [a, b] = await paired(ours[op], raw[op], rounds, per);
      const value = median(a);
      const base = median(b);
      const ratio = value / base;
      const notes: string[] = [];
      if (name === 'blst' && op === 'popVerify') notes.push('blst binding has no PoP DST: delegated to noble, baseline is noble direct');
      const spread = Math.max(percentile(a, 75) / percentile(a, 25), percentile(b, 75) / percentile(b, 25));
      if (spread > 1.2) notes.push(`noisy: p75/p25 up to ${spread.toFixed(2)} (machine busy?)`);
      if (ratio > GOAL) notes.push(`overhead ${ratio.toFixed(2)}× exceeds the ${GOAL.toFixed(2)}× goal`);
      rows.push({
        group: 'bls',
        name: `${name} createBls ${op}`,
        value,
        unit: 'ms/op',
        baseline: { name: name === 'blst' && op === 'popVerify' ? 'noble direct' : rawLabel, value: base },
        ...(notes.length ? { note: notes.join('; ') } : {}),
      });
    }
  }
  return rows;
}
