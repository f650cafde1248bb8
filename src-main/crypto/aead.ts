/**
 * Record encryption: AES-256-GCM (NIST SP 800-38D) with a fresh random 96-bit nonce per
 * message, through node:crypto (OpenSSL; AES-NI/CLMUL where available, since FHIR bundles can be
 * megabytes). Every record gets its own data key (newDataKey), so a key encrypts few messages
 * and random nonces are far inside GCM's 2^-32 collision bound.
 *
 * The ciphertext carries the 16-byte tag at its end (ciphertext || tag), the layout of
 * @noble/ciphers and WebCrypto.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { randomBytes } from './random';

export const DATA_KEY_LENGTH = 32;
export const NONCE_LENGTH = 12;
export const TAG_LENGTH = 16;

export interface SealedRecord {
  nonce: Uint8Array;
  /** AES-256-GCM ciphertext followed by the 16-byte tag. */
  ciphertext: Uint8Array;
}

export class AeadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AeadError';
  }
}

const EMPTY = new Uint8Array(0);

function check(x: unknown, what: string, len?: number): asserts x is Uint8Array {
  if (!(x instanceof Uint8Array)) throw new TypeError(`aead: ${what} must be a Uint8Array`);
  if (len !== undefined && x.length !== len) throw new AeadError(`aead: ${what} must be ${len} bytes, got ${x.length}`);
}

/** A fresh random 256-bit data key. */
export const newDataKey = (): Uint8Array => randomBytes(DATA_KEY_LENGTH);

/** AES-256-GCM with an explicit nonce. Callers outside this folder use sealRecord. */
export function gcmEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
  check(key, 'key', DATA_KEY_LENGTH);
  check(nonce, 'nonce', NONCE_LENGTH);
  check(plaintext, 'plaintext');
  check(aad, 'aad');
  const c = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
  c.setAAD(aad);
  const body = c.update(plaintext);
  const fin = c.final();
  const out = new Uint8Array(body.length + fin.length + TAG_LENGTH);
  out.set(body, 0);
  out.set(fin, body.length);
  out.set(c.getAuthTag(), body.length + fin.length);
  return out;
}

/** Inverse of gcmEncrypt; throws AeadError if the tag does not verify. */
export function gcmDecrypt(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
  check(key, 'key', DATA_KEY_LENGTH);
  check(nonce, 'nonce', NONCE_LENGTH);
  check(ciphertext, 'ciphertext');
  check(aad, 'aad');
  if (ciphertext.length < TAG_LENGTH) throw new AeadError('aead: ciphertext shorter than the tag');
  const d = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
  d.setAAD(aad);
  d.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_LENGTH));
  const body = d.update(ciphertext.subarray(0, ciphertext.length - TAG_LENGTH));
  try {
    const fin = d.final();
    const out = new Uint8Array(body.length + fin.length);
    out.set(body, 0);
    out.set(fin, body.length);
    return out;
  } catch {
    body.fill(0);
    throw new AeadError('aead: decryption failed (wrong key, wrong associated data, or tampered ciphertext)');
  }
}

/** Encrypts a record under `key` with a fresh random nonce, binding `aad` (e.g. the record id). */
export function sealRecord(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array = EMPTY): SealedRecord {
  const nonce = randomBytes(NONCE_LENGTH);
  return { nonce, ciphertext: gcmEncrypt(key, nonce, plaintext, aad) };
}

/** Decrypts a sealed record; throws AeadError on any tampering, wrong key or wrong aad. */
export function openRecord(key: Uint8Array, sealed: SealedRecord, aad: Uint8Array = EMPTY): Uint8Array {
  if (sealed === null || typeof sealed !== 'object') throw new TypeError('aead: sealed record must be an object');
  return gcmDecrypt(key, sealed.nonce, sealed.ciphertext, aad);
}
