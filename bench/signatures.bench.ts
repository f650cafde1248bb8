/**
 * Cross-chain signature storage and verification (DESIGN.md §5, §8; the paper's storage claim).
 *
 * A cross-chain act (share patient P's records with entity E) carries evidence from k parties,
 * each signing its own statement on its own chain:
 *   party 0      the patient, on the patient chain: a consent.grant transaction (signTx);
 *   party 1      the hospital, on the hospital chain: a records.attest transaction (signTx);
 *   parties 2…   social-chain validators, on the social chain: each accepts the published package
 *                with a statement naming the package, the request and itself (domain
 *                social/share-accept), so every message is distinct.
 * k = 1 is the patient alone, k = 2 adds the hospital, k ≥ 3 adds k − 2 social validators.
 *
 * Stored forms compared, all from signatures made in this run, sizes from the actual byte arrays:
 *   aggregate   one 96-byte BLS aggregate, checked with one aggregateVerify over the k (key,
 *               message) pairs (rogue keys excluded by proof of possession at registration);
 *   BLS each    one BLS signature per party on its chain (k × 96);
 *   ECDSA each  one ECDSA secp256k1 signature per party on its chain (k × 64, compact r‖s).
 * Two accountings:
 *   signatures only   every signer's public key is already registered on its chain (members,
 *                     validators), so the proof refers to it and only signatures count;
 *   self-contained    the verifier holds only the social chain (an external entity, DESIGN.md §5)
 *                     and must be handed every signer's key: + 48 B per BLS key, + 33 B per
 *                     compressed secp256k1 key (public-key recovery from a 65-byte signature is not
 *                     assumed). The statements themselves are the same under every scheme and are
 *                     not counted.
 * Verification: aggregateVerify once vs k BLS verifies vs k ECDSA verifies (noble, pure JS, and
 * node:crypto, native OpenSSL; BLS runs on the native blst backend when it loads).
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { domainBytes } from '../src-main/codec/canonical';
import type { BlsApi } from '../src-main/crypto/bls-types';
import { txSigningBytes } from '../src-main/ledger/encoding';
import { signTx } from '../src-main/ledger/producer';
import type { SignedTx } from '../src-main/ledger/types';
import { type BenchOptions, benchBlsBackend, ecdsaKeys, interleaved, must, nodeEcdsaSign, nodeEcdsaVerify, spread } from './ledger.bench';
import { type BenchRow, median } from './util';

const sum = (xs: Uint8Array[]) => xs.reduce((n, x) => n + x.length, 0);

interface Party {
  role: string;
  sk: Uint8Array;
  pk: Uint8Array;
  msg: Uint8Array;
}

/** The k parties of one cross-chain act and the message each signs. */
function parties(bls: BlsApi, k: number): Party[] {
  const key = () => {
    const sk = bls.keygen(new Uint8Array(randomBytes(32)));
    return { sk, pk: bls.publicKey(sk) };
  };
  const requestId = `req-${randomBytes(4).toString('hex')}`;
  const packageHash = new Uint8Array(randomBytes(32));
  const patient = key();
  const hospital = key();
  const entity = key();
  const out: Party[] = [];
  const consent: Omit<SignedTx, 'sig'> = {
    chain: 'patient', type: 'consent.grant', author: patient.pk, nonce: 1, time: 1_700_000_000_000,
    body: { consentId: `consent-${requestId}`, patient: patient.pk, grantee: { entity: entity.pk }, purpose: 'HRESCH', categories: ['condition', 'observation'], sensitivity: [], period: { start: 1_700_000_000_000, end: 1_800_000_000_000 } },
  };
  out.push({ role: 'patient', ...patient, msg: txSigningBytes(consent) });
  if (k >= 2) {
    const records = Array.from({ length: 5 }, (_, i) => ({ recordId: `rec-${i}`, version: 1, contentHash: new Uint8Array(randomBytes(32)) }));
    const attest: Omit<SignedTx, 'sig'> = {
      chain: 'hospital', type: 'records.attest', author: hospital.pk, nonce: 1, time: 1_700_000_000_000,
      body: { requestId, packageHash, records, labelsSummary: { condition: 3, observation: 2 } },
    };
    out.push({ role: 'hospital', ...hospital, msg: txSigningBytes(attest) });
  }
  for (let i = 2; i < k; i++) {
    const v = key();
    out.push({ role: 'social validator', ...v, msg: domainBytes('social/share-accept', { requestId, packageHash, validator: v.pk }) });
  }
  return out;
}

export async function benchSignatures(opts: BenchOptions = {}): Promise<BenchRow[]> {
  const quick = opts.quick ?? process.env.TRICHAIN_BENCH_QUICK === '1';
  const bls = benchBlsBackend();
  const G = 'signatures';
  const ks = quick ? [1, 3, 16, 64] : [1, 2, 3, 4, 8, 16, 32, 64];
  const rows: BenchRow[] = [];
  const ek = ecdsaKeys(Math.max(...ks));
  for (const k of ks) {
    const ps = parties(bls, k);
    const msgs = ps.map((p) => p.msg);
    must(new Set(msgs.map((m) => Buffer.from(m).toString('hex'))).size === k, 'distinct messages');
    const pks = ps.map((p) => p.pk);
    const sigs = ps.map((p) => bls.sign(p.sk, p.msg));
    const agg = bls.aggregate(sigs);
    must(bls.aggregateVerify(pks, msgs, agg), 'aggregateVerify');
    const ecdsa = ps.map((p, i) => secp256k1.sign(p.msg, ek[i].sk));
    const ecdsaNode = ps.map((p, i) => nodeEcdsaSign(ek[i], p.msg));
    const ecPks = ek.slice(0, k).map((e) => e.pk);

    const size = {
      agg: agg.length,
      bls: sum(sigs),
      ecdsa: sum(ecdsa),
      aggKeys: agg.length + sum(pks),
      blsKeys: sum(sigs) + sum(pks),
      ecdsaKeys: sum(ecdsa) + sum(ecPks),
    };
    const who = k === 1 ? 'patient' : k === 2 ? 'patient + hospital' : `patient + hospital + ${k - 2} social validator${k > 3 ? 's' : ''}`;
    rows.push(
      { group: G, name: `k=${k} aggregate, signatures only`, value: size.agg, unit: 'bytes', baseline: { name: `${k} BLS sig${k > 1 ? 's' : ''}`, value: size.bls }, note: who },
      { group: G, name: `k=${k} aggregate vs ECDSA, signatures only`, value: size.agg, unit: 'bytes', baseline: { name: `${k} secp256k1 sig${k > 1 ? 's' : ''}`, value: size.ecdsa } },
      { group: G, name: `k=${k} aggregate + keys, self-contained`, value: size.aggKeys, unit: 'bytes', baseline: { name: `${k} BLS sig${k > 1 ? 's' : ''} + key${k > 1 ? 's' : ''}`, value: size.blsKeys }, note: `96 + ${k}×48` },
      { group: G, name: `k=${k} aggregate + keys vs ECDSA + keys`, value: size.aggKeys, unit: 'bytes', baseline: { name: `${k} secp256k1 sig${k > 1 ? 's' : ''} + key${k > 1 ? 's' : ''}`, value: size.ecdsaKeys }, note: `${k}×(64 + 33)` },
    );

    const reps = quick ? 3 : Math.max(5, Math.min(30, Math.floor(300 / k)));
    const t = await interleaved(
      {
        agg: () => must(bls.aggregateVerify(pks, msgs, agg), 'aggregateVerify'),
        bls: () => must(ps.every((p, i) => bls.verify(p.pk, p.msg, sigs[i])), 'BLS verifies'),
        noble: () => must(ps.every((p, i) => secp256k1.verify(ecdsa[i], p.msg, ecPks[i])), 'noble ECDSA verifies'),
        native: () => must(ps.every((p, i) => nodeEcdsaVerify(ek[i], p.msg, ecdsaNode[i])), 'native ECDSA verifies'),
        aggregate: () => bls.aggregate(sigs),
      },
      reps,
    );
    const a = median(t.agg);
    rows.push(
      { group: G, name: `k=${k} aggregateVerify once`, value: a, unit: 'ms', baseline: { name: `${k} BLS verif${k > 1 ? 'ies' : 'y'}`, value: median(t.bls) }, note: spread(t.agg) },
      { group: G, name: `k=${k} aggregateVerify vs ECDSA (noble JS)`, value: a, unit: 'ms', baseline: { name: `${k} secp256k1 verif${k > 1 ? 'ies' : 'y'}, noble`, value: median(t.noble) } },
      { group: G, name: `k=${k} aggregateVerify vs ECDSA (native)`, value: a, unit: 'ms', baseline: { name: `${k} secp256k1 verif${k > 1 ? 'ies' : 'y'}, node:crypto`, value: median(t.native) } },
      { group: G, name: `k=${k} aggregate the ${k} signature${k > 1 ? 's' : ''} (signing side)`, value: median(t.aggregate), unit: 'ms', note: 'done once, by whoever assembles the proof' },
    );
  }
  return rows;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { formatRows } = await import('./util');
  console.log(formatRows(await benchSignatures({ quick: process.argv.includes('--quick') })));
}
