/**
 * BLS backend over @chainsafe/blst (native supranational/blst through napi), ciphersuite
 * BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_ (draft-irtf-cfrg-bls-signature-05 §4.2.3), the DST
 * compiled into the binding.
 *
 * Every key is deserialized with pkValidate = true (KeyValidate, draft-05 §2.5) and every signature
 * with sigValidate = true (subgroup and identity check, §2.4), once, at the edge; the verify calls
 * then pass false for their own validation flags so no check runs twice.
 *
 * Proof of possession: the binding hard-wires the _SIG_ DST and offers no hash-to-curve with
 * another DST, so PopProve / PopVerify (DST BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_) are
 * delegated to the noble backend. They stay spec-exact and byte-identical; only their speed is
 * noble's (PoPs are checked once, when a key is registered).
 *
 * The binding is loaded lazily with createRequire, so a machine without the native module still
 * runs the noble backend.
 */
import { createRequire } from 'node:module';
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
  isPublicKeyShape,
  isSignatureShape,
} from './bls-common';
import { KEYGEN_MIN_IKM_LENGTH } from './bls-keygen';
import { createNobleBls } from './bls-noble';
import { SIGNATURE_LENGTH, type BatchItem, type BlsApi } from './bls-types';

export type BlstModule = typeof import('@chainsafe/blst');
type BlstPublicKey = InstanceType<BlstModule['PublicKey']>;
type BlstSignature = InstanceType<BlstModule['Signature']>;

let cached: { lib: BlstModule } | { error: Error } | undefined;

/** Loads the native binding once; returns it or the reason it cannot load. */
export function tryLoadBlst(): { lib: BlstModule } | { error: Error } {
  if (!cached) {
    try {
      const require = createRequire(import.meta.url);
      const lib = require('@chainsafe/blst') as BlstModule;
      if (typeof lib?.SecretKey?.fromKeygen !== 'function') throw new Error('unexpected module shape');
      cached = { lib };
    } catch (e) {
      cached = { error: e instanceof Error ? e : new Error(String(e)) };
    }
  }
  return cached;
}

/** The native binding, or a clear error saying why it is unavailable. */
export function loadBlst(): BlstModule {
  const r = tryLoadBlst();
  if ('lib' in r) return r.lib;
  throw new Error(`bls: the blst backend is unavailable (@chainsafe/blst failed to load: ${r.error.message}); use TRICHAIN_BLS=noble`);
}

/** Buffers returned by napi become plain Uint8Array views (same bytes, no copy). */
const plain = (b: Uint8Array): Uint8Array => (b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength));

const isIdentity = (b: Uint8Array): boolean => b[0] === 0xc0 && b.subarray(1).every((x) => x === 0);

export function createBlstBls(lib: BlstModule = loadBlst()): BlsApi {
  const { SecretKey, PublicKey, Signature } = lib;
  const pop = createNobleBls();

  /** pubkey_to_point + KeyValidate. Throws on an invalid key. */
  const decodePk = (pk: unknown, what = 'public key'): BlstPublicKey => {
    assertPublicKeyShape(pk, what);
    return PublicKey.fromBytes(pk, true);
  };
  /** signature_to_point + signature_subgroup_check (and identity refused). Throws on an invalid signature. */
  const decodeSig = (sig: unknown, what = 'signature'): BlstSignature => {
    assertSignatureShape(sig, what);
    return Signature.fromBytes(sig, true, true);
  };
  const secretKey = (sk: unknown) => {
    assertSecretKey(sk);
    return SecretKey.fromBytes(sk);
  };

  return Object.freeze({
    backend: 'blst' as const,

    keygen(ikm: Uint8Array): Uint8Array {
      assertBytes(ikm, 'ikm');
      if (ikm.length < KEYGEN_MIN_IKM_LENGTH) throw new Error(`bls: keygen ikm must be at least ${KEYGEN_MIN_IKM_LENGTH} bytes, got ${ikm.length}`);
      return plain(SecretKey.fromKeygen(ikm).toBytes());
    },

    publicKey: (sk: Uint8Array) => plain(secretKey(sk).toPublicKey().toBytes(true)),

    sign(sk: Uint8Array, msg: Uint8Array): Uint8Array {
      const k = secretKey(sk);
      assertBytes(msg, 'message');
      return plain(k.sign(msg).toBytes(true));
    },

    verify(pk: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
      try {
        if (!isPublicKeyShape(pk) || !isSignatureShape(sig) || !isBytes(msg)) return false;
        return lib.verify(msg, decodePk(pk), decodeSig(sig), false, false);
      } catch {
        return false;
      }
    },

    aggregate(list: Uint8Array[]): Uint8Array {
      assertNonEmptyList(list, 'signatures');
      const objs = list.map((s, i) => {
        try {
          assertLength(s, SIGNATURE_LENGTH, `signatures[${i}]`);
          // the identity is a valid encoding: it decodes (group check on, infinity check off) and adds nothing
          return isIdentity(s) ? Signature.fromBytes(s, true, false) : decodeSig(s, `signatures[${i}]`);
        } catch (e) {
          throw decodeError('signatures', i, e);
        }
      });
      const out = plain(lib.aggregateSignatures(objs, false).toBytes(true));
      return isIdentity(out) ? infinitySignature() : out;
    },

    aggregatePublicKeys(list: Uint8Array[]): Uint8Array {
      assertNonEmptyList(list, 'public keys');
      const objs = list.map((pk, i) => {
        try {
          return decodePk(pk, `public keys[${i}]`);
        } catch (e) {
          throw decodeError('public keys', i, e);
        }
      });
      const out = plain(lib.aggregatePublicKeys(objs, false).toBytes(true));
      if (isIdentity(out)) throw new Error('bls: aggregate public key is the point at infinity');
      return out;
    },

    aggregateVerify(pks: Uint8Array[], msgs: Uint8Array[], sig: Uint8Array): boolean {
      try {
        if (!Array.isArray(pks) || !Array.isArray(msgs) || pks.length === 0 || pks.length !== msgs.length) return false;
        if (!isSignatureShape(sig) || !pks.every(isPublicKeyShape) || !msgs.every(isBytes)) return false;
        return lib.aggregateVerify(msgs, pks.map((pk) => decodePk(pk)), decodeSig(sig), false, false);
      } catch {
        return false;
      }
    },

    fastAggregateVerify(pks: Uint8Array[], msg: Uint8Array, sig: Uint8Array): boolean {
      try {
        if (!Array.isArray(pks) || pks.length === 0 || !isBytes(msg)) return false;
        if (!isSignatureShape(sig) || !pks.every(isPublicKeyShape)) return false;
        return lib.fastAggregateVerify(msg, pks.map((pk) => decodePk(pk)), decodeSig(sig), false);
      } catch {
        return false;
      }
    },

    popProve: (sk: Uint8Array) => pop.popProve(sk),
    popVerify: (pk: Uint8Array, proof: Uint8Array) => pop.popVerify(pk, proof),

    /** blst's verifyMultipleAggregateSignatures: random 64-bit scalars, one multi-pairing. */
    batchVerify(items: BatchItem[]): boolean {
      try {
        if (!Array.isArray(items) || items.length === 0) return false;
        for (const it of items) {
          if (it === null || typeof it !== 'object') return false;
          if (!isPublicKeyShape(it.publicKey) || !isSignatureShape(it.signature) || !isBytes(it.message)) return false;
        }
        const sets = items.map((it) => ({ msg: it.message, pk: decodePk(it.publicKey), sig: decodeSig(it.signature) }));
        return lib.verifyMultipleAggregateSignatures(sets, false, false);
      } catch {
        return false;
      }
    },
  });
}
