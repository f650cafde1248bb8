/**
 * Content-addressed blob store for encrypted payloads (record ciphertexts, share packages).
 * A blob's address is the SHA-256 of its bytes; a read re-hashes and refuses a blob whose bytes
 * no longer match. Erasure (crypto-shredding) deletes the bytes; the chains keep only hashes.
 * A corrupt blob is useless (its address names other bytes): it is removed when found, so that the
 * daemon's blob sync (node/daemon.ts fetchBlobs) fetches it again from a peer that holds it.
 */
import { sha256 } from '../crypto/hash';
import { bytesEqual } from '../codec/canonical';
import { toHex } from '../codec/hex';
import type { DB } from './db';

export class BlobCorruptError extends Error {
  constructor(readonly hash: Uint8Array) {
    super(`blob ${toHex(hash)} was corrupt (its content does not match its address): removed from this node, it is fetched again from a peer`);
  }
}

export class BlobStore {
  private readonly put_;
  private readonly get_;
  private readonly del_;
  private readonly has_;
  private readonly all_;

  constructor(db: DB) {
    this.put_ = db.prepare('INSERT OR IGNORE INTO blobs (hash, bytes, created) VALUES (?, ?, ?)');
    this.get_ = db.prepare('SELECT bytes FROM blobs WHERE hash = ?').pluck();
    this.del_ = db.prepare('DELETE FROM blobs WHERE hash = ?');
    this.has_ = db.prepare('SELECT 1 FROM blobs WHERE hash = ?').pluck();
    this.all_ = db.prepare('SELECT hash, bytes FROM blobs');
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
    if (!bytesEqual(sha256(bytes), hash)) {
      this.removeQuietly(hash);
      throw new BlobCorruptError(hash);
    }
    return bytes;
  }

  private removeQuietly(hash: Uint8Array): void {
    try {
      this.del_.run(hash);
    } catch {
      // a read-only handle (trichain status): the next read-write open removes it
    }
  }

  /** Hashes (hex) of every stored blob whose bytes do not match its address. */
  corrupt(): string[] {
    const out: string[] = [];
    for (const r of this.all_.iterate() as Iterable<{ hash: Buffer; bytes: Buffer }>) {
      if (!bytesEqual(sha256(r.bytes), r.hash)) out.push(toHex(new Uint8Array(r.hash)));
    }
    return out;
  }

  /** Removes every corrupt blob (to be fetched again from a peer); returns their hashes (hex). */
  removeCorrupt(): string[] {
    const bad = this.corrupt();
    for (const hex of bad) this.removeQuietly(Buffer.from(hex, 'hex'));
    return bad;
  }

  has(hash: Uint8Array): boolean {
    return this.has_.get(hash) !== undefined;
  }

  delete(hash: Uint8Array): boolean {
    return this.del_.run(hash).changes > 0;
  }
}
