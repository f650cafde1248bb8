/**
 * Canonical byte encoding for everything Trichain hashes or signs.
 *
 * Format (version 1): deterministic CBOR (RFC 8949 §4.2.1 core deterministic encoding, as
 * produced by cborg: shortest-form integers and lengths, definite lengths, map keys sorted
 * length-first then bytewise). Values are restricted to a small data model so two
 * implementations cannot disagree:
 *   null | boolean | safe integer | 64-bit bigint | string | Uint8Array | array | plain object
 * Floats, undefined, Maps, Dates and class instances are refused with an error.
 *
 * Domain separation: a signed or hashed message is never the bare value but
 *   CBOR([ "trichain", ENCODING_VERSION, domain, value ])
 * where `domain` names the chain and the message kind (e.g. "hospital/tx", "vote").
 * Two message kinds therefore never share bytes, whatever their fields.
 */
import { decode } from 'cborg';
import { sha256 } from '../crypto/hash';
import { encodeCanonical, NotCanonical } from './encoder';

export const ENCODING_VERSION = 1;
export const ENCODING_TAG = 'trichain';

export type Canonical =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | readonly Canonical[]
  | { readonly [k: string]: Canonical };

/** Throws if `v` falls outside the canonical data model. */
export function assertCanonical(v: unknown, path = '$'): asserts v is Canonical {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return;
  if (typeof v === 'bigint') {
    // CBOR major types 0/1 carry at most 64 bits of magnitude.
    if (v > 0xffffffffffffffffn || v < -0x10000000000000000n) throw new TypeError(`canonical: ${path} bigint exceeds 64 bits`);
    return;
  }
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new TypeError(`canonical: ${path} is not a safe integer (${v})`);
    return;
  }
  if (v instanceof Uint8Array) return;
  if (Array.isArray(v)) {
    v.forEach((x, i) => assertCanonical(x, `${path}[${i}]`));
    return;
  }
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) throw new TypeError(`canonical: ${path} is not a plain object`);
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === undefined) throw new TypeError(`canonical: ${path}.${k} is undefined`);
      assertCanonical(x, `${path}.${k}`);
    }
    return;
  }
  throw new TypeError(`canonical: ${path} has unsupported type ${typeof v}`);
}

/** Deterministic CBOR bytes of a canonical value (./encoder: checked and written in one pass). */
export function canonicalEncode(value: Canonical): Uint8Array {
  try {
    return encodeCanonical(value);
  } catch (e) {
    if (!(e instanceof NotCanonical)) throw e;
    assertCanonical(value); // throws the error naming the path
    throw new TypeError('canonical: value is outside the data model (an array with holes?)');
  }
}

/**
 * Decodes canonical CBOR and refuses any input that is not the canonical encoding of what it
 * decodes to (non-shortest integers, unsorted or duplicate keys, trailing bytes, floats).
 */
export function canonicalDecode<T extends Canonical = Canonical>(bytes: Uint8Array): T {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('canonical: input must be bytes');
  let v: unknown;
  try {
    v = decode(bytes, { strict: true, rejectDuplicateMapKeys: true, useMaps: false, allowUndefined: false } as never);
  } catch (e) {
    throw new Error(`canonical: malformed CBOR (${(e as Error).message})`);
  }
  const again = canonicalEncode(v as Canonical);
  if (!bytesEqual(again, bytes)) throw new Error('canonical: input is not in canonical form');
  return v as T;
}

/** The exact bytes that are signed or hashed for `value` in `domain`. */
export function domainBytes(domain: string, value: Canonical): Uint8Array {
  if (!/^[a-z0-9][a-z0-9/_.-]*$/.test(domain)) throw new Error(`canonical: bad domain "${domain}"`);
  return canonicalEncode([ENCODING_TAG, ENCODING_VERSION, domain, value]);
}

/** SHA-256 of domainBytes(domain, value): the 32-byte identity of a message. */
export function domainHash(domain: string, value: Canonical): Uint8Array {
  return sha256(domainBytes(domain, value));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}
