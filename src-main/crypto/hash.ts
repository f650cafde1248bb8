/**
 * Hashes. SHA-256 (FIPS 180-4) from Node's crypto (OpenSSL), the one import the rest of Trichain
 * uses for it: on the ledger's hot paths (transaction ids, Merkle and state-tree nodes, blobs) it
 * is 1.3–10× faster than the pure-JS @noble/hashes for 64 bytes to 250 KB. Where there is no
 * node:crypto (a bundle for a browser), @noble/hashes gives the same bytes. HKDF and HMAC keep
 * taking @noble/hashes' `sha256` object, which they need.
 *
 * contentHash is the address of a blob in the content-addressed store and the "content hash" a
 * chain anchors: plain SHA-256 of the exact bytes, with no domain prefix, so that anyone can
 * recompute it with standard tools (sha256sum). It names opaque bytes; it is never signed as is
 * (signed messages go through codec/canonical domainBytes).
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../codec/hex';

type NodeCrypto = typeof import('node:crypto');
const nodeCrypto = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;

/** One-shot crypto.hash (Node ≥ 20.12) where present: a third cheaper than a Hash object for short inputs. */
const oneShot = nodeCrypto && typeof nodeCrypto.hash === 'function' ? (bytes: Uint8Array) => nodeCrypto.hash('sha256', bytes, 'buffer') as unknown as Buffer : null;

/** SHA-256 of `bytes` (32 fresh bytes, a plain Uint8Array). */
export const sha256: (bytes: Uint8Array) => Uint8Array = nodeCrypto
  ? (bytes) => {
      if (!(bytes instanceof Uint8Array)) throw new TypeError('sha256: input must be a Uint8Array');
      return new Uint8Array(oneShot ? oneShot(bytes) : nodeCrypto.createHash('sha256').update(bytes).digest());
    }
  : (bytes) => nobleSha256(bytes);

/** SHA-256 of `bytes` (32 bytes). */
export function contentHash(bytes: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('hash: content must be a Uint8Array');
  return sha256(bytes);
}

/** Lower-case hex of contentHash(bytes): the blob store's file name. */
export const contentHashHex = (bytes: Uint8Array): string => toHex(contentHash(bytes));
