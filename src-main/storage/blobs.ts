/**
 * Content-addressed blob store for encrypted payloads (record ciphertexts, share packages).
 * A blob's address is the SHA-256 of its bytes; a read re-hashes and refuses a blob whose bytes
 * no longer match. Erasure (crypto-shredding) deletes the bytes; the chains keep only hashes.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesEqual } from '../codec/canonical';
import { toHex } from '../codec/hex';
import type { DB } from './db';

export class BlobStore {
  private readonly put_;
  private readonly get_;
  private readonly del_;
  private readonly has_;

  constructor(db: DB) {
    this.put_ = db.prepare('INSERT OR IGNORE INTO blobs (hash, bytes, created) VALUES (?, ?, ?)');
    this.get_ = db.prepare('SELECT bytes FROM blobs WHERE hash = ?').pluck();
    this.del_ = db.prepare('DELETE FROM blobs WHERE hash = ?');
    this.has_ = db.prepare('SELECT 1 FROM blobs WHERE hash = ?').pluck();
  }

  put(bytes: Uint8Array): Uint8Array {
    const hash = sha256(bytes);
    this.put_.run(hash, bytes, Date.now());
    return hash;
  }

  get(hash: Uint8Array): Uint8Array | null {
    const b = this.get_.get(hash) as Buffer | undefined;
    if (!b) return null;
    const bytes = new Uint8Array(b);
    if (!bytesEqual(sha256(bytes), hash)) throw new Error(`blob ${toHex(hash)} is corrupt (content does not match its address)`);
    return bytes;
  }

  has(hash: Uint8Array): boolean {
    return this.has_.get(hash) !== undefined;
  }

  delete(hash: Uint8Array): boolean {
    return this.del_.run(hash).changes > 0;
  }
}
