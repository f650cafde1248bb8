/**
 * Hashes. SHA-256 (FIPS 180-4) from @noble/hashes, re-exported so the rest of Trichain has one
 * import for it.
 *
 * contentHash is the address of a blob in the content-addressed store and the "content hash" a
 * chain anchors: plain SHA-256 of the exact bytes, with no domain prefix, so that anyone can
 * recompute it with standard tools (sha256sum). It names opaque bytes; it is never signed as is
 * (signed messages go through codec/canonical domainBytes).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../codec/hex';

export { sha256 };

/** SHA-256 of `bytes` (32 bytes). */
export function contentHash(bytes: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('hash: content must be a Uint8Array');
  return sha256(bytes);
}

/** Lower-case hex of contentHash(bytes): the blob store's file name. */
export const contentHashHex = (bytes: Uint8Array): string => toHex(contentHash(bytes));
