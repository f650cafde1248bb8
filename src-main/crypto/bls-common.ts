/**
 * Edge checks shared by both BLS backends, so that noble and blst accept and refuse exactly the
 * same inputs (draft-irtf-cfrg-bls-signature-05, ciphersuite BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_).
 *
 * Policy, identical in both backends:
 * - secret keys are 32-byte big-endian scalars with 1 <= SK < r (draft-05 §2.3: SK = 0 is invalid);
 * - public keys are exactly 48 bytes (compressed G1), signatures exactly 96 bytes (compressed G2);
 *   the uncompressed forms both libraries would also parse are refused at the edge;
 * - a public key must pass KeyValidate (draft-05 §2.5): on the curve, in the r-order subgroup,
 *   and not the identity;
 * - a signature must decode and pass signature_subgroup_check (draft-05 §2.4 step 2). The identity
 *   signature (0xc0 then 95 zero bytes) is a valid encoding, as the Ethereum consensus test
 *   suites define it: it decodes and aggregates (aggregate([∞]) = ∞), but every verification with
 *   it returns false (it could only verify against the identity public key, which KeyValidate
 *   excludes);
 * - an aggregate of public keys that sums to the identity is refused with an error.
 */
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import { toHex } from '../codec/hex';
import { PUBLIC_KEY_LENGTH, SECRET_KEY_LENGTH, SIGNATURE_LENGTH } from './bls-types';

/** Order r of G1, G2 and GT for BLS12-381 (draft-irtf-cfrg-pairing-friendly-curves §4.2.1). */
export const BLS12_381_R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

export const isBytes = (x: unknown): x is Uint8Array => x instanceof Uint8Array;

/** Throws unless `x` is a Uint8Array of exactly `len` bytes. */
export function assertLength(x: unknown, len: number, what: string): asserts x is Uint8Array {
  if (!isBytes(x)) throw new TypeError(`bls: ${what} must be a Uint8Array`);
  if (x.length !== len) throw new Error(`bls: ${what} must be ${len} bytes, got ${x.length}`);
}

export function assertBytes(x: unknown, what: string): asserts x is Uint8Array {
  if (!isBytes(x)) throw new TypeError(`bls: ${what} must be a Uint8Array`);
}

/** OS2IP and I2OSP (RFC 8017 §4), from @noble/curves. */
export const os2ip = (b: Uint8Array): bigint => bytesToNumberBE(b);
export const i2osp = (n: bigint, len: number): Uint8Array => numberToBytesBE(n, len);

/** Throws unless `sk` is a 32-byte scalar with 1 <= SK < r. */
export function assertSecretKey(sk: unknown): asserts sk is Uint8Array {
  assertLength(sk, SECRET_KEY_LENGTH, 'secret key');
  const n = os2ip(sk);
  if (n === 0n || n >= BLS12_381_R) throw new Error('bls: secret key must be an integer in [1, r-1]');
}

/** Compressed-form identity encodings: flags 0b110 (compressed, infinity) then zeros. */
export function isIdentityEncoding(b: Uint8Array): boolean {
  if (b[0] !== 0xc0) return false;
  for (let i = 1; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

export const isPublicKeyShape = (pk: unknown): pk is Uint8Array =>
  isBytes(pk) && pk.length === PUBLIC_KEY_LENGTH && !isIdentityEncoding(pk);
export const isSignatureShape = (sig: unknown): sig is Uint8Array =>
  isBytes(sig) && sig.length === SIGNATURE_LENGTH && !isIdentityEncoding(sig);

export function assertPublicKeyShape(pk: unknown, what = 'public key'): asserts pk is Uint8Array {
  assertLength(pk, PUBLIC_KEY_LENGTH, what);
  if (isIdentityEncoding(pk)) throw new Error(`bls: ${what} is the point at infinity`);
}
export function assertSignatureShape(sig: unknown, what = 'signature'): asserts sig is Uint8Array {
  assertLength(sig, SIGNATURE_LENGTH, what);
  if (isIdentityEncoding(sig)) throw new Error(`bls: ${what} is the point at infinity`);
}

/** A fresh copy of the compressed identity signature: 0xc0 followed by 95 zero bytes. */
export function infinitySignature(): Uint8Array {
  const b = new Uint8Array(SIGNATURE_LENGTH);
  b[0] = 0xc0;
  return b;
}

export function assertNonEmptyList(xs: unknown, what: string): asserts xs is unknown[] {
  if (!Array.isArray(xs)) throw new TypeError(`bls: ${what} must be an array`);
  if (xs.length === 0) throw new Error(`bls: cannot aggregate an empty list of ${what}`);
}

/** Wraps a library decoding error into a clear, indexed message. */
export function decodeError(what: string, i: number, e: unknown): Error {
  return new Error(`bls: ${what}[${i}] is not a valid encoding (${(e as Error)?.message ?? String(e)})`);
}

/**
 * PopVerify is a pure function of (PK, proof) bytes, and it runs in noble in both backends (blst's
 * binding cannot hash to G2 under the PoP DST), ≈ 45 ms a call. A registration is checked when a
 * block is prepared and again when it is committed, so remembering the pairs that verified saves
 * one of those pairings. Only successes are kept (a flood of bad proofs
 * cannot fill the memory with answers worth nothing), at most `max` of them, oldest dropped first.
 */
export function rememberValidPops(verify: (pk: Uint8Array, proof: Uint8Array) => boolean, max = 4096): (pk: Uint8Array, proof: Uint8Array) => boolean {
  const seen = new Set<string>();
  return (pk, proof) => {
    if (!isPublicKeyShape(pk) || !isSignatureShape(proof)) return verify(pk, proof);
    const k = toHex(pk) + toHex(proof);
    if (seen.has(k)) return true;
    const ok = verify(pk, proof);
    if (ok) {
      seen.add(k);
      if (seen.size > max) seen.delete(seen.values().next().value as string);
    }
    return ok;
  };
}
