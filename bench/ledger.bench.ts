/**
 * Ledger benchmark (DESIGN.md §3, §4, §8).
 *
 * (a) Block commit throughput on the patient chain with T signed transactions per block (T = 1,000;
 *     200 with --quick), n = 1 (produceBlock) and n = 4 in-process validators (produceBlockInProcess:
 *     each replica its own SQLite database, checks the proposal, signs a precommit; the four
 *     precommits aggregate into the commit certificate; every replica commits). Transactions are
 *     `consent.grant` by 8 patients registered at genesis (membership + author check + 3 state
 *     writes each), signed before the timed region with the blst backend. Each block is timed on
 *     its own; rows give the median over B ≥ 5 blocks after one warm-up block.
 *     Same-run baselines, run interleaved block by block so load drift hits all alike:
 *       - the same ledger code whose BlsApi checks each transaction signature with its own verify
 *         (a loop) instead of one batchVerify: what batch verification buys;
 *       - the same ledger code with the transaction-signature check stubbed out (certificate still
 *         checked): the cost of rules, encoding and storage alone;
 *       - raw SQLite: the same rows (block bytes, tx index rows, state rows) inserted into a fresh
 *         database with the node's schema, WAL and synchronous = FULL, in one transaction: the
 *         storage floor.
 * (b) Commit certificate size and verification for n = 1, 4, 7, 16, 64, 100 validators (all
 *     signing): 96-byte aggregate + ⌈n/8⌉-byte bitmap against n separate BLS signatures and n
 *     separate ECDSA secp256k1 signatures (the same bitmap counted on both sides to say who
 *     signed; validator public keys are in the validator set on chain under every scheme, so none
 *     is counted). Verification: checkCertificate (bitmap + one fastAggregateVerify) against n BLS
 *     verifies, n ECDSA verifies with noble (pure JS) and n with node:crypto (native OpenSSL).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify, randomBytes, type KeyObject } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { blstAvailable, createBls } from '../src-main/crypto/bls';
import type { BlsApi } from '../src-main/crypto/bls-types';
import { bitmapLength, checkCertificate, makeCertificate } from '../src-main/ledger/certificate';
import { blockHash, encodeBlock, encodeCertificate, txId, txSigningBytes, voteMessage } from '../src-main/ledger/encoding';
import { Ledger } from '../src-main/ledger/ledger';
import { produceBlock, produceBlockInProcess, signTx, type ValidatorKey } from '../src-main/ledger/producer';
import { genesisFor, tempDir, testKey, type TestKey } from '../test/support/ledger';
import type { Block, SignedTx, ValidatorInfo } from '../src-main/ledger/types';
import { openDatabase } from '../src-main/storage/db';
import { type BenchRow, median, percentile } from './util';

export interface BenchOptions {
  /** Smaller sizes for a fast look (also set by env TRICHAIN_BENCH_QUICK=1). */
  quick?: boolean;
}

const quickFromEnv = () => process.env.TRICHAIN_BENCH_QUICK === '1';

// ---- shared helpers (also used by signatures.bench.ts) ----------------------------------------

/**
 * Runs every function once per round, in a rotating order, for `rounds` rounds after one warm-up
 * call each, so load drift on a shared machine hits all of them alike. Returns each one's
 * durations in milliseconds.
 */
export async function interleaved<K extends string>(fns: Record<K, () => unknown>, rounds: number): Promise<Record<K, number[]>> {
  const keys = Object.keys(fns) as K[];
  const out = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (const k of keys) await fns[k]();
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < keys.length; j++) {
      const k = keys[(r + j) % keys.length];
      const t = performance.now();
      await fns[k]();
      out[k].push(performance.now() - t);
    }
  }
  return out;
}

/** "p25–p75 a–b ms" for a note. */
export function spread(xs: number[], unit = 'ms'): string {
  const f = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(2) : v.toPrecision(3));
  return `p25–p75 ${f(percentile(xs, 25))}–${f(percentile(xs, 75))} ${unit}, ${xs.length} runs`;
}

export function must(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench: ${what} unexpectedly failed`);
}

/** blst when it loads (the node's default), else noble. */
export function benchBlsBackend(): BlsApi {
  return createBls(blstAvailable() ? 'blst' : 'noble');
}

// ---- (a) block throughput ---------------------------------------------------------------------

const PATIENTS = 8;

interface Replica {
  ledger: Ledger;
  key: ValidatorKey;
  dir: string;
}

function consortium(bls: BlsApi, validators: TestKey[], patients: TestKey[], keyOf: TestKey[]): Replica[] {
  const hospitals = validators.map((v) => ({ ...v, role: 'hospital' as const }));
  const pats = patients.map((p) => ({ ...p, role: 'patient' as const }));
  const g = genesisFor('patient', validators, [...hospitals, ...pats]);
  return keyOf.map((key) => {
    const dir = tempDir('trichain-bench-');
    const ledger = new Ledger(openDatabase(join(dir, 'node.db')), bls);
    ledger.initGenesis(g);
    return { ledger, key, dir };
  });
}

/** Each patient registers its key for the grantee (consents are signed with such keys, issue 13). */
function granteeKeyTxs(bls: BlsApi, patients: TestKey[], grantees: TestKey[]): SignedTx[] {
  return patients.map((p, i) => signTx(bls, p, { chain: 'patient', type: 'consent.key', nonce: 0, time: 1_700_000_000_000, body: { key: grantees[i].pk, pop: grantees[i].pop } }));
}

function consentTxs(bls: BlsApi, patients: TestKey[], round: number, count: number): SignedTx[] {
  return Array.from({ length: count }, (_, i) => {
    const p = patients[i % patients.length];
    return signTx(bls, p, {
      chain: 'patient',
      type: 'consent.grant',
      nonce: round * count + i,
      time: 1_700_000_000_000 + round,
      body: {
        consentId: `bench-${round}-${i}`,
        patient: p.pk,
        grantee: { kind: 'research' },
        purpose: 'HRESCH',
        categories: ['condition', 'observation'],
        sensitivity: [],
        period: { start: 1_700_000_000_000, end: 1_800_000_000_000 },
      },
    });
  });
}

/** Rows written by one block, for the raw SQLite baseline. */
interface RawRows {
  block: { height: number; hash: Uint8Array; bytes: Uint8Array };
  txs: { id: Uint8Array; idx: number; type: string; author: Uint8Array; nonce: number }[];
  state: { key: string; value: Uint8Array }[];
}

function stateRows(ledger: Ledger): Map<string, Buffer> {
  const rows = ledger.db.prepare("SELECT key, value FROM state WHERE chain = 'patient'").all() as { key: string; value: Buffer }[];
  return new Map(rows.map((r) => [r.key, r.value]));
}

function committedBlock(expectTxs: number, block: Block | null): Block {
  if (!block) throw new Error('bench: the block was empty');
  if (block.txs.length !== expectTxs) throw new Error(`bench: block kept ${block.txs.length} of ${expectTxs} transactions`);
  return block;
}

async function blockThroughput(bls: BlsApi, txPerBlock: number, blocks: number): Promise<BenchRow[]> {
  const G = 'ledger';
  const validators = [0, 1, 2, 3].map((i) => testKey(bls, `hospital-${i}`));
  const patients = Array.from({ length: PATIENTS }, (_, i) => testKey(bls, `patient-${i}`));
  const tSign = performance.now();
  const grantees = patients.map((p) => testKey(bls, `${p.name}-for-research`));
  const rounds = Array.from({ length: blocks + 1 }, (_, r) => consentTxs(bls, grantees, r, txPerBlock)); // [0] warms up
  const signMs = performance.now() - tSign;

  // Variants of the BLS API seen by the ledger. Only batchVerify (used for transaction signatures)
  // changes; fastAggregateVerify (the certificate) stays real in all of them.
  const loopBls: BlsApi = { ...bls, batchVerify: (items) => items.length > 0 && items.every((it) => bls.verify(it.publicKey, it.message, it.signature)) };
  const stubBls: BlsApi = { ...bls, batchVerify: () => true };

  const one = [validators[0]];
  const full1 = consortium(bls, one, patients, one)[0];
  const loop1 = consortium(loopBls, one, patients, one)[0];
  const stub1 = consortium(stubBls, one, patients, one)[0];
  const four = consortium(bls, validators, patients, validators);
  const rawDir = tempDir('trichain-bench-raw-');
  const rawDb = openDatabase(join(rawDir, 'raw.db'));
  const all = [full1, loop1, stub1, ...four];
  // Setup (untimed): the patients' keys for the grantee, one block on every replica.
  const setupTxs = granteeKeyTxs(bls, patients, grantees);
  for (const x of [full1, loop1, stub1]) committedBlock(PATIENTS, produceBlock(x.ledger, 'patient', setupTxs, [x.key]).block);
  committedBlock(PATIENTS, produceBlockInProcess(four, 'patient', setupTxs, { proposer: 0 }));

  const raw: RawRows[] = [];
  let seen = stateRows(stub1.ledger);
  const times = { full1: [] as number[], loop1: [] as number[], stub1: [] as number[], raw: [] as number[], four: [] as number[] };
  const insBlock = rawDb.prepare('INSERT INTO blocks (chain, height, hash, bytes) VALUES (?, ?, ?, ?)');
  const insTx = rawDb.prepare('INSERT INTO txs (chain, id, height, idx, type, author, nonce) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const insState = rawDb.prepare('INSERT INTO state (chain, key, value) VALUES (?, ?, ?) ON CONFLICT (chain, key) DO UPDATE SET value = excluded.value');
  let blockBytes = 0;

  const timeIt = (f: () => void): number => {
    const t = performance.now();
    f();
    return performance.now() - t;
  };

  try {
    for (let r = 0; r <= blocks; r++) {
      const txs = rounds[r];
      const keep = r > 0;
      // n = 1, as shipped (one batchVerify of the block's transaction signatures)
      let b1: Block | null = null;
      const tFull = timeIt(() => (b1 = produceBlock(full1.ledger, 'patient', txs, [full1.key]).block));
      const block1 = committedBlock(txPerBlock, b1);
      // n = 1, a verify per transaction
      let bl: Block | null = null;
      const tLoop = timeIt(() => (bl = produceBlock(loop1.ledger, 'patient', txs, [loop1.key]).block));
      committedBlock(txPerBlock, bl);
      // n = 1, transaction signatures not checked
      let bs: Block | null = null;
      const tStub = timeIt(() => (bs = produceBlock(stub1.ledger, 'patient', txs, [stub1.key]).block));
      committedBlock(txPerBlock, bs);
      // rows that block wrote (outside the timed region)
      const now = stateRows(stub1.ledger);
      const changed = [...now].filter(([k, v]) => !seen.get(k)?.equals(v)).map(([key, value]) => ({ key, value: new Uint8Array(value) }));
      seen = now;
      const bytes = encodeBlock(block1);
      blockBytes = bytes.length;
      const rows: RawRows = {
        block: { height: block1.header.height, hash: blockHash(block1.header), bytes },
        txs: block1.txs.map((tx, idx) => ({ id: txId(tx), idx, type: tx.type, author: tx.author, nonce: tx.nonce })),
        state: changed,
      };
      raw.push(rows);
      // raw SQLite: the same rows, one transaction, same schema and pragmas
      const tRaw = timeIt(() =>
        rawDb.transaction(() => {
          insBlock.run('patient', rows.block.height, rows.block.hash, rows.block.bytes);
          for (const t of rows.txs) insTx.run('patient', t.id, rows.block.height, t.idx, t.type, t.author, t.nonce);
          for (const s of rows.state) insState.run('patient', s.key, s.value);
        })(),
      );
      // n = 4 in-process validators, proposer rotating
      let b4: Block | null = null;
      const tFour = timeIt(() => (b4 = produceBlockInProcess(four, 'patient', txs, { proposer: (r + 1) % 4 })));
      const block4 = committedBlock(txPerBlock, b4);
      if (block4.cert.signers[0] !== 0b1111) throw new Error('bench: n = 4 certificate does not carry all four signers');
      if (keep) {
        times.full1.push(tFull);
        times.loop1.push(tLoop);
        times.stub1.push(tStub);
        times.raw.push(tRaw);
        times.four.push(tFour);
      }
    }
    for (const rep of all) must(rep.ledger.height('patient') === blocks + 2, 'every replica reaching the last height');
    const h4 = four.map((x) => x.ledger.head('patient').hash);
    must(h4.every((h) => Buffer.from(h).equals(Buffer.from(h4[0]))), 'the four replicas agreeing on the head');

    // components: the signature check of one block's transactions on its own
    const items = rounds[1].map((tx) => ({ publicKey: tx.author, message: txSigningBytes(tx), signature: tx.sig }));
    const comp = await interleaved(
      {
        batch: () => must(bls.batchVerify(items), 'batchVerify'),
        loop: () => must(items.every((it) => bls.verify(it.publicKey, it.message, it.signature)), 'verify loop'),
      },
      3,
    );

    const m = {
      full1: median(times.full1),
      loop1: median(times.loop1),
      stub1: median(times.stub1),
      raw: median(times.raw),
      four: median(times.four),
    };
    const T = txPerBlock;
    const setup = `${T} consent.grant tx/block by ${PATIENTS} patients, median of ${blocks} blocks after 1 warm-up; block ${(blockBytes / 1024).toFixed(0)} KiB`;
    return [
      { group: G, name: `n=1 blocks/s (${T} tx/block, batchVerify)`, value: 1000 / m.full1, unit: 'blocks/s', baseline: { name: 'per-tx verify loop', value: 1000 / m.loop1 }, note: setup },
      { group: G, name: `n=1 tx/s (batchVerify)`, value: (T * 1000) / m.full1, unit: 'tx/s', baseline: { name: 'per-tx verify loop', value: (T * 1000) / m.loop1 } },
      { group: G, name: `n=4 blocks/s (${T} tx/block, in-process)`, value: 1000 / m.four, unit: 'blocks/s', baseline: { name: 'n=1', value: 1000 / m.full1 }, note: '4 replicas share this process: 1 prepare + 4 checkProposal + 4 commitBlock, i.e. 8 batchVerify per block' },
      { group: G, name: `n=4 tx/s (in-process)`, value: (T * 1000) / m.four, unit: 'tx/s', baseline: { name: 'n=1', value: (T * 1000) / m.full1 } },
      { group: G, name: 'n=1 ms/block, ledger as shipped (batchVerify)', value: m.full1, unit: 'ms/block', baseline: { name: 'raw SQLite insert of the same rows', value: m.raw }, note: spread(times.full1) },
      { group: G, name: 'n=1 ms/block, per-tx verify loop', value: m.loop1, unit: 'ms/block', baseline: { name: 'ledger as shipped', value: m.full1 }, note: spread(times.loop1) },
      { group: G, name: 'n=1 ms/block, tx signatures not checked', value: m.stub1, unit: 'ms/block', baseline: { name: 'ledger as shipped', value: m.full1 }, note: `rules + encoding + storage + certificate; ${spread(times.stub1)}` },
      { group: G, name: 'raw SQLite insert of the same rows', value: m.raw, unit: 'ms/block', note: `1 block row + ${T} tx rows + ${raw[0]?.state.length ?? 0} state rows, WAL, synchronous=FULL; ${spread(times.raw)}` },
      { group: G, name: 'n=4 ms/block (in-process)', value: m.four, unit: 'ms/block', baseline: { name: 'n=1 ledger as shipped', value: m.full1 }, note: spread(times.four) },
      { group: G, name: `batchVerify of ${T} tx signatures alone`, value: median(comp.batch), unit: 'ms', baseline: { name: `${T} verify calls`, value: median(comp.loop) }, note: spread(comp.batch) },
      { group: G, name: `signing ${T * (blocks + 1)} txs up front (untimed setup)`, value: signMs / (T * (blocks + 1)), unit: 'ms/tx', note: `${bls.backend} backend` },
    ];
  } finally {
    for (const rep of all) rep.ledger.db.close();
    rawDb.close();
    for (const d of [...all.map((x) => x.dir), rawDir]) rmSync(d, { recursive: true, force: true });
  }
}

// ---- (b) commit certificates ------------------------------------------------------------------

interface EcdsaKey {
  sk: Uint8Array;
  pk: Uint8Array; // 33-byte compressed
  nodeSk: KeyObject;
  nodePk: KeyObject;
}

function ecdsaKey(): EcdsaKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
  const jwk = privateKey.export({ format: 'jwk' });
  const sk = new Uint8Array(Buffer.from(jwk.d!, 'base64url'));
  return { sk, pk: secp256k1.getPublicKey(sk, true), nodeSk: createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' })), nodePk: createPublicKey(publicKey.export({ format: 'pem', type: 'spki' })) };
}

export function ecdsaKeys(count: number): EcdsaKey[] {
  return Array.from({ length: count }, ecdsaKey);
}

/** Native ECDSA over SHA-256 with the 64-byte r‖s encoding. */
export const nodeEcdsaSign = (k: EcdsaKey, msg: Uint8Array): Uint8Array => new Uint8Array(nodeSign('sha256', msg, { key: k.nodeSk, dsaEncoding: 'ieee-p1363' }));
export const nodeEcdsaVerify = (k: EcdsaKey, msg: Uint8Array, sig: Uint8Array): boolean => nodeVerify('sha256', msg, { key: k.nodePk, dsaEncoding: 'ieee-p1363' }, sig);

const sum = (xs: Uint8Array[]) => xs.reduce((n, x) => n + x.length, 0);

async function certificates(bls: BlsApi, ns: number[], quick: boolean): Promise<BenchRow[]> {
  const G = 'ledger-cert';
  const rows: BenchRow[] = [];
  const maxN = Math.max(...ns);
  const sks = Array.from({ length: maxN }, () => bls.keygen(new Uint8Array(randomBytes(32))));
  // checkCertificate reads only names and keys; the proofs of possession are not exercised here.
  const vals: ValidatorInfo[] = sks.map((sk, i) => ({ name: `v${i}`, blsPk: bls.publicKey(sk), pop: new Uint8Array(96) }));
  const ek = ecdsaKeys(maxN);
  const genesis = new Uint8Array(randomBytes(32));
  for (const n of ns) {
    const vs = vals.slice(0, n);
    const hash = new Uint8Array(randomBytes(32));
    const msg = voteMessage(genesis, 7, 0, 'precommit', hash);
    const votes = sks.slice(0, n).map((sk, i) => ({ validator: i, signature: bls.sign(sk, msg) }));
    const cert = makeCertificate(bls, n, 0, votes);
    const ecdsa = ek.slice(0, n).map((k) => secp256k1.sign(msg, k.sk));
    const ecdsaNode = ek.slice(0, n).map((k) => nodeEcdsaSign(k, msg));
    const certBytes = cert.signature.length + cert.signers.length;
    const bitmap = bitmapLength(n);
    const blsSep = sum(votes.map((v) => v.signature)) + bitmap;
    const ecSep = sum(ecdsa) + bitmap;
    must(ecdsaNode.every((s) => s.length === 64), 'native ECDSA 64-byte signatures');
    rows.push(
      { group: G, name: `n=${n} certificate bytes`, value: certBytes, unit: 'bytes', baseline: { name: `${n} BLS sig${n > 1 ? 's' : ''} + bitmap`, value: blsSep }, note: `96 + ${bitmap} B bitmap; canonical CBOR with round ${encodeCertificate(cert).length} B` },
      { group: G, name: `n=${n} certificate bytes vs ECDSA`, value: certBytes, unit: 'bytes', baseline: { name: `${n} secp256k1 sig${n > 1 ? 's' : ''} + bitmap`, value: ecSep } },
    );
    const reps = quick ? 3 : Math.max(5, Math.min(30, Math.floor(400 / n)));
    const t = await interleaved(
      {
        cert: () => must(checkCertificate(bls, vs, genesis, 7, hash, cert).ok, 'checkCertificate'),
        bls: () => must(votes.every((v) => bls.verify(vs[v.validator].blsPk, msg, v.signature)), 'BLS verifies'),
        noble: () => must(ecdsa.every((s, i) => secp256k1.verify(s, msg, ek[i].pk)), 'noble ECDSA verifies'),
        native: () => must(ecdsaNode.every((s, i) => nodeEcdsaVerify(ek[i], msg, s)), 'native ECDSA verifies'),
      },
      reps,
    );
    const c = median(t.cert);
    rows.push(
      { group: G, name: `n=${n} verify certificate (fastAggregateVerify)`, value: c, unit: 'ms', baseline: { name: `${n} BLS verif${n > 1 ? 'ies' : 'y'}`, value: median(t.bls) }, note: spread(t.cert) },
      { group: G, name: `n=${n} verify certificate vs ECDSA (noble JS)`, value: c, unit: 'ms', baseline: { name: `${n} secp256k1 verif${n > 1 ? 'ies' : 'y'}, noble`, value: median(t.noble) } },
      { group: G, name: `n=${n} verify certificate vs ECDSA (native)`, value: c, unit: 'ms', baseline: { name: `${n} secp256k1 verif${n > 1 ? 'ies' : 'y'}, node:crypto`, value: median(t.native) } },
    );
  }
  return rows;
}

export async function benchLedger(opts: BenchOptions = {}): Promise<BenchRow[]> {
  const quick = opts.quick ?? quickFromEnv();
  const bls = benchBlsBackend();
  const rows: BenchRow[] = [];
  // noble needs ~10 ms per signature check: keep its blocks small enough to finish
  const txPerBlock = bls.backend === 'blst' ? (quick ? 200 : 1000) : quick ? 20 : 100;
  if (bls.backend !== 'blst') rows.push({ group: 'ledger', name: 'blst backend', value: NaN, unit: '', note: `@chainsafe/blst cannot load: noble backend, ${txPerBlock} tx/block` });
  rows.push(...(await blockThroughput(bls, txPerBlock, 5)));
  rows.push(...(await certificates(bls, [1, 4, 7, 16, 64, 100], quick)));
  return rows;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { formatRows } = await import('./util');
  console.log(formatRows(await benchLedger({ quick: process.argv.includes('--quick') })));
}
