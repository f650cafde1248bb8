/**
 * BLS backend in pure JavaScript over @noble/curves (bls12_381.longSignatures: public keys in G1,
 * signatures in G2), ciphersuite BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_
 * (draft-irtf-cfrg-bls-signature-05 §4.2.3). Hash-to-curve is RFC 9380 hash_to_curve for G2
 * (BLS12381G2_XMD:SHA-256_SSWU_RO_) with the DST passed explicitly, because noble's default DST
 * is the _NUL_ (basic scheme) one.
 *
 * Point decoding (G1.Point.fromBytes, Signature.fromBytes) runs noble's assertValidity, which
 * checks the curve equation and subgroup membership (draft-05 §2.4 signature_subgroup_check and
 * §2.5 KeyValidate); the identity and wrong lengths are refused by bls-common first.
 */
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { randomBytes } from 'node:crypto';
import {
  infinitySignature,
  assertBytes,
  assertLength,
  assertNonEmptyList,
  assertPublicKeyShape,
  assertSecretKey,
  assertSignatureShape,
  decodeError,
  isBytes,
  isIdentityEncoding,
  isPublicKeyShape,
  isSignatureShape,
  os2ip,
  rememberValidPops,
} from './bls-common';
import { ietfKeyGen } from './bls-keygen';
import { BLS_DST_POP, BLS_DST_SIG, SIGNATURE_LENGTH, type BatchItem, type BlsApi } from './bls-types';

const sigs = bls12_381.longSignatures;
const G1 = bls12_381.G1.Point;
const G2 = bls12_381.G2.Point;
const Fp12 = bls12_381.fields.Fp12;
type G1Point = InstanceType<typeof G1>;
type G2Point = InstanceType<typeof G2>;

/** Bits of each random batch-verification scalar (draft-05 does not fix it; 64 is blst's choice). */
export const BATCH_SCALAR_BYTES = 8;

/** hash_to_point (draft-05 §4.2.3): RFC 9380 hash_to_curve to G2 under `dst`. */
export const hashToG2 = (msg: Uint8Array, dst: string): G2Point => sigs.hash(msg, dst);

/** pubkey_to_point + KeyValidate; throws on any invalid key. */
function decodePublicKey(pk: unknown, what = 'public key'): G1Point {
  assertPublicKeyShape(pk, what);
  const p = G1.fromBytes(pk); // curve + subgroup check
  if (p.is0()) throw new Error(`bls: ${what} is the point at infinity`);
  return p;
}

/** signature_to_point + signature_subgroup_check; throws on any invalid signature. */
function decodeSignature(sig: unknown, what = 'signature'): G2Point {
  assertSignatureShape(sig, what);
  const s = sigs.Signature.fromBytes(sig); // curve + subgroup check
  if (s.is0()) throw new Error(`bls: ${what} is the point at infinity`);
  return s;
}

/** Like decodeSignature, but the identity encoding decodes to the identity (for aggregation only). */
function decodeSignatureOrInfinity(sig: unknown, what: string): G2Point {
  assertLength(sig, SIGNATURE_LENGTH, what);
  if (isIdentityEncoding(sig)) return G2.ZERO;
  return decodeSignature(sig, what);
}

/** Hashes each distinct message once; equal messages share one point, which noble's verifyBatch groups. */
function hashMessages(msgs: Uint8Array[], dst: string): G2Point[] {
  const cache = new Map<string, G2Point>();
  return msgs.map((m) => {
    const k = Buffer.from(m.buffer, m.byteOffset, m.length).toString('hex');
    let h = cache.get(k);
    if (!h) cache.set(k, (h = hashToG2(m, dst)));
    return h;
  });
}

function sumPoints<P extends G1Point | G2Point>(points: P[], zero: P): P {
  return points.reduce((acc, p) => acc.add(p as never) as P, zero);
}

/** CoreSign (draft-05 §2.6): SK * hash_to_point(message). */
function coreSign(sk: Uint8Array, msg: Uint8Array, dst: string): Uint8Array {
  assertSecretKey(sk);
  assertBytes(msg, 'message');
  return sigs.Signature.toBytes(sigs.sign(hashToG2(msg, dst), sk));
}

/** CoreVerify (draft-05 §2.7): e(PK, H(m)) == e(g1, σ). False on any bad input. */
function coreVerify(pk: Uint8Array, msg: Uint8Array, sig: Uint8Array, dst: string): boolean {
  try {
    if (!isPublicKeyShape(pk) || !isSignatureShape(sig) || !isBytes(msg)) return false;
    return sigs.verify(decodeSignature(sig), hashToG2(msg, dst), decodePublicKey(pk));
  } catch {
    return false;
  }
}

export function publicKeyOf(sk: Uint8Array): Uint8Array {
  assertSecretKey(sk);
  return sigs.getPublicKey(sk).toBytes(true);
}

export function createNobleBls(): BlsApi {
  return Object.freeze({
    backend: 'noble' as const,

    keygen: (ikm: Uint8Array) => ietfKeyGen(ikm),

    /** SkToPk (draft-05 §2.4): SK * g1, compressed. */
    publicKey: publicKeyOf,

    sign: (sk: Uint8Array, msg: Uint8Array) => coreSign(sk, msg, BLS_DST_SIG),

    verify: (pk: Uint8Array, msg: Uint8Array, sig: Uint8Array) => coreVerify(pk, msg, sig, BLS_DST_SIG),

    /** Aggregate (draft-05 §2.8): σ = Σ σ_i, each input subgroup-checked; the identity is a valid input and sum. */
    aggregate(list: Uint8Array[]): Uint8Array {
      assertNonEmptyList(list, 'signatures');
      const points = list.map((s, i) => {
        try {
          return decodeSignatureOrInfinity(s, `signatures[${i}]`);
        } catch (e) {
          throw decodeError('signatures', i, e);
        }
      });
      const agg = sumPoints(points, G2.ZERO);
      return agg.is0() ? infinitySignature() : sigs.Signature.toBytes(agg);
    },

    /** Σ PK_i over KeyValidate'd keys (draft-05 §3.3.4 step 1). */
    aggregatePublicKeys(list: Uint8Array[]): Uint8Array {
      assertNonEmptyList(list, 'public keys');
      const points = list.map((pk, i) => {
        try {
          return decodePublicKey(pk, `public keys[${i}]`);
        } catch (e) {
          throw decodeError('public keys', i, e);
        }
      });
      const agg = sumPoints(points, G1.ZERO);
      if (agg.is0()) throw new Error('bls: aggregate public key is the point at infinity');
      return agg.toBytes(true);
    },

    /** AggregateVerify (draft-05 §3.3.3 → CoreAggregateVerify §2.9): e(g1, σ) = Π e(PK_i, H(m_i)). */
    aggregateVerify(pks: Uint8Array[], msgs: Uint8Array[], sig: Uint8Array): boolean {
      try {
        if (!Array.isArray(pks) || !Array.isArray(msgs) || pks.length === 0 || pks.length !== msgs.length) return false;
        if (!isSignatureShape(sig) || !pks.every(isPublicKeyShape) || !msgs.every(isBytes)) return false;
        const s = decodeSignature(sig);
        const keys = pks.map((pk) => decodePublicKey(pk));
        const hashes = hashMessages(msgs, BLS_DST_SIG);
        return sigs.verifyBatch(s, keys.map((publicKey, i) => ({ publicKey, message: hashes[i] })));
      } catch {
        return false;
      }
    },

    /** FastAggregateVerify (draft-05 §3.3.4): Verify(Σ PK_i, m, σ). Safe only with PoP-checked keys. */
    fastAggregateVerify(pks: Uint8Array[], msg: Uint8Array, sig: Uint8Array): boolean {
      try {
        if (!Array.isArray(pks) || pks.length === 0 || !isBytes(msg)) return false;
        if (!isSignatureShape(sig) || !pks.every(isPublicKeyShape)) return false;
        const s = decodeSignature(sig);
        const agg = sumPoints(pks.map((pk) => decodePublicKey(pk)), G1.ZERO);
        if (agg.is0()) return false;
        return sigs.verify(s, hashToG2(msg, BLS_DST_SIG), agg);
      } catch {
        return false;
      }
    },

    /** PopProve (draft-05 §3.3.2): SK * hash_pubkey_to_point(SkToPk(SK)), DST = BLS_POP_…. */
    popProve: (sk: Uint8Array) => coreSign(sk, publicKeyOf(sk), BLS_DST_POP),

    /** PopVerify (draft-05 §3.3.3): KeyValidate(PK) and e(PK, H_pop(PK)) == e(g1, proof). */
    popVerify: rememberValidPops((pk, proof) => coreVerify(pk, pk, proof, BLS_DST_POP)),

    /**
     * Random-linear-combination batch check (ethresear.ch "fast verification of multiple BLS
     * signatures"): with fresh random r_i of 64 bits,
     *   e(g1, Σ r_i·σ_i) == Π e(r_i·PK_i, H(m_i)),
     * evaluated as one multi-pairing Π e(r_i·PK_i, H(m_i)) · e(−g1, Σ r_i·σ_i) == 1.
     * An invalid item survives only if the r_i hit a relation, probability ≤ 2^-64.
     */
    batchVerify(items: BatchItem[]): boolean {
      try {
        if (!Array.isArray(items) || items.length === 0) return false;
        for (const it of items) {
          if (it === null || typeof it !== 'object') return false;
          if (!isPublicKeyShape(it.publicKey) || !isSignatureShape(it.signature) || !isBytes(it.message)) return false;
        }
        const hashes = hashMessages(items.map((it) => it.message), BLS_DST_SIG);
        const rand = randomBytes(BATCH_SCALAR_BYTES * items.length);
        const pairs: { g1: G1Point; g2: G2Point }[] = [];
        let sigAcc = G2.ZERO;
        items.forEach((it, i) => {
          let r = os2ip(rand.subarray(i * BATCH_SCALAR_BYTES, (i + 1) * BATCH_SCALAR_BYTES));
          if (r === 0n) r = 1n; // scalars must be nonzero; 0 occurs with probability 2^-64
          sigAcc = sigAcc.add(decodeSignature(it.signature).multiply(r));
          pairs.push({ g1: decodePublicKey(it.publicKey).multiply(r), g2: hashes[i] });
        });
        if (sigAcc.is0()) return false;
        pairs.push({ g1: G1.BASE.negate(), g2: sigAcc });
        return Fp12.eql(bls12_381.pairingBatch(pairs), Fp12.ONE);
      } catch {
        return false;
      }
    },
  });
}
