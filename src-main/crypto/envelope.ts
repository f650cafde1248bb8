/**
 * Data-key wrapping for one recipient (DESIGN §3): an ECIES-style KEM/DEM.
 *
 *   esk ← random; epk = X25519(esk, 9)                          (RFC 7748 §6.1)
 *   Z   = X25519(esk, recipientPub)   (all-zero / low-order results refused)
 *   KEK = HKDF-SHA-256(IKM = Z, salt = epk || recipientPub,
 *                      info = "trichain/wrap/v1", L = 32)       (RFC 5869)
 *   ct  = AES-256-GCM(KEK, nonce, dataKey, aad)                 (ct includes the 16-byte tag)
 *
 * The salt binds the KEK to both public keys, so a wrapped key cannot be replayed to another
 * recipient; the optional aad binds it to its context (e.g. record id and recipient role).
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { randomBytes } from './random';
import { canonicalDecode, canonicalEncode } from '../codec/canonical';
import { utf8 } from '../codec/hex';
import { AeadError, DATA_KEY_LENGTH, NONCE_LENGTH, TAG_LENGTH, gcmDecrypt, gcmEncrypt } from './aead';

export const X25519_KEY_LENGTH = 32;
export const WRAP_INFO = 'trichain/wrap/v1';
export const WRAPPED_CT_LENGTH = DATA_KEY_LENGTH + TAG_LENGTH;

export interface WrappedKey {
  /** Ephemeral X25519 public key (32 bytes). */
  epk: Uint8Array;
  /** AES-GCM nonce (12 bytes). */
  nonce: Uint8Array;
  /** Encrypted data key plus tag (48 bytes). */
  ct: Uint8Array;
}

export class EnvelopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvelopeError';
  }
}

const EMPTY = new Uint8Array(0);
const WRAP_INFO_BYTES = utf8(WRAP_INFO);

function checkLen(x: unknown, len: number, what: string): asserts x is Uint8Array {
  if (!(x instanceof Uint8Array)) throw new EnvelopeError(`envelope: ${what} must be a Uint8Array`);
  if (x.length !== len) throw new EnvelopeError(`envelope: ${what} must be ${len} bytes, got ${x.length}`);
}

function deriveKek(shared: Uint8Array, epk: Uint8Array, recipientPub: Uint8Array): Uint8Array {
  return hkdf(sha256, shared, concatBytes(epk, recipientPub), WRAP_INFO_BYTES, 32);
}

function ecdh(secret: Uint8Array, pub: Uint8Array): Uint8Array {
  try {
    return x25519.getSharedSecret(secret, pub); // refuses low-order points (all-zero output)
  } catch (e) {
    throw new EnvelopeError(`envelope: X25519 failed (${(e as Error).message})`);
  }
}

/** Derives an X25519 public key from its 32-byte secret. */
export function x25519PublicKey(secret: Uint8Array): Uint8Array {
  checkLen(secret, X25519_KEY_LENGTH, 'X25519 secret key');
  return x25519.getPublicKey(secret);
}

/** Wraps a 32-byte data key for the holder of `recipientPub`. */
export function wrapKey(recipientPub: Uint8Array, dataKey: Uint8Array, aad: Uint8Array = EMPTY): WrappedKey {
  checkLen(recipientPub, X25519_KEY_LENGTH, 'recipient public key');
  checkLen(dataKey, DATA_KEY_LENGTH, 'data key');
  if (!(aad instanceof Uint8Array)) throw new EnvelopeError('envelope: aad must be a Uint8Array');
  const esk = randomBytes(X25519_KEY_LENGTH);
  try {
    const epk = x25519.getPublicKey(esk);
    const kek = deriveKek(ecdh(esk, recipientPub), epk, recipientPub);
    const nonce = randomBytes(NONCE_LENGTH);
    const ct = gcmEncrypt(kek, nonce, dataKey, aad);
    kek.fill(0);
    return { epk, nonce, ct };
  } finally {
    esk.fill(0);
  }
}

/**
 * Wraps many data keys for one recipient with ONE ephemeral key (an import's batch of records: one
 * X25519 agreement and one KEK for the batch instead of one per record). Each result is exactly
 * what wrapKey makes and unwrapKey opens; the batch shares its `epk`, hence its KEK. Each data key
 * keeps its own random nonce and its own aad (the record id and version), so a wrapped key still
 * opens only for its record. What sharing the KEK could give an attacker: the KEK is derived from
 * the recipient's secret key or the ephemeral secret (erased here); either one opens the whole
 * batch, as the recipient's secret opens every record anyway. Random 96-bit nonces under one KEK
 * stay far inside AES-GCM's bound for the few hundred keys of a batch. That the wrapped keys of a
 * batch belong together is visible from the shared `epk`, and already from the one transaction
 * that carries them.
 */
export function wrapKeys(recipientPub: Uint8Array, items: { dataKey: Uint8Array; aad: Uint8Array }[]): WrappedKey[] {
  checkLen(recipientPub, X25519_KEY_LENGTH, 'recipient public key');
  for (const it of items) {
    checkLen(it.dataKey, DATA_KEY_LENGTH, 'data key');
    if (!(it.aad instanceof Uint8Array)) throw new EnvelopeError('envelope: aad must be a Uint8Array');
  }
  if (items.length === 0) return [];
  const esk = randomBytes(X25519_KEY_LENGTH);
  let kek: Uint8Array | null = null;
  try {
    const epk = x25519.getPublicKey(esk);
    kek = deriveKek(ecdh(esk, recipientPub), epk, recipientPub);
    const k = kek;
    return items.map((it) => {
      const nonce = randomBytes(NONCE_LENGTH);
      return { epk: epk.slice(), nonce, ct: gcmEncrypt(k, nonce, it.dataKey, it.aad) };
    });
  } finally {
    esk.fill(0);
    kek?.fill(0);
  }
}

/** Recovers the data key; throws EnvelopeError on a wrong key, wrong aad or any tampering. */
export function unwrapKey(recipientSecret: Uint8Array, wrapped: WrappedKey, aad: Uint8Array = EMPTY): Uint8Array {
  checkLen(recipientSecret, X25519_KEY_LENGTH, 'recipient secret key');
  const w = decodeWrappedKey(wrapped);
  if (!(aad instanceof Uint8Array)) throw new EnvelopeError('envelope: aad must be a Uint8Array');
  const recipientPub = x25519.getPublicKey(recipientSecret);
  const kek = deriveKek(ecdh(recipientSecret, w.epk), w.epk, recipientPub);
  try {
    return gcmDecrypt(kek, w.nonce, w.ct, aad);
  } catch (e) {
    if (e instanceof AeadError) throw new EnvelopeError('envelope: cannot unwrap data key (wrong recipient key, wrong aad, or tampered wrapped key)');
    throw e;
  } finally {
    kek.fill(0);
  }
}

/** WrappedKey as a plain object of Uint8Arrays, ready for codec/canonical (CBOR). */
export function encodeWrappedKey(w: WrappedKey): { epk: Uint8Array; nonce: Uint8Array; ct: Uint8Array } {
  const v = decodeWrappedKey(w);
  return { epk: v.epk.slice(), nonce: v.nonce.slice(), ct: v.ct.slice() };
}

/** Validates an untrusted value (e.g. decoded CBOR) as a WrappedKey: exact fields and lengths. */
export function decodeWrappedKey(v: unknown): WrappedKey {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new EnvelopeError('envelope: wrapped key must be an object');
  const o = v as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => k !== 'epk' && k !== 'nonce' && k !== 'ct');
  if (extra.length) throw new EnvelopeError(`envelope: unexpected wrapped key field(s): ${extra.join(', ')}`);
  checkLen(o.epk, X25519_KEY_LENGTH, 'wrapped key epk');
  checkLen(o.nonce, NONCE_LENGTH, 'wrapped key nonce');
  checkLen(o.ct, WRAPPED_CT_LENGTH, 'wrapped key ct');
  return { epk: o.epk, nonce: o.nonce, ct: o.ct };
}

/** Canonical CBOR bytes of a WrappedKey. */
export const wrappedKeyToBytes = (w: WrappedKey): Uint8Array => canonicalEncode(encodeWrappedKey(w));

/** Parses canonical CBOR bytes back into a validated WrappedKey. */
export function wrappedKeyFromBytes(bytes: Uint8Array): WrappedKey {
  return decodeWrappedKey(canonicalDecode(bytes));
}
