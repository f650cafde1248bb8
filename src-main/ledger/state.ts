/**
 * The chain state as a key-value view over the `state` table (values are canonical CBOR). Every key
 * written or deleted is remembered in `touched` (until the ledger takes it) so that the state
 * root is brought up to date over the changed keys only (./state-tree).
 */
import { canonicalDecode, canonicalEncode, type Canonical } from '../codec/canonical';
import type { DB } from '../storage/db';
import type { ChainId } from './types';
import type { StateView } from './rules/types';

export class SqlState implements StateView {
  private readonly get_;
  private readonly put_;
  private readonly del_;
  private readonly scan_;
  /** Keys put or deleted since the last takeTouched() (a superset of the changes: rolled-back writes stay in it). */
  private touched = new Set<string>();

  constructor(db: DB, readonly chain: ChainId) {
    this.get_ = db.prepare('SELECT value FROM state WHERE chain = ? AND key = ?').pluck();
    this.put_ = db.prepare('INSERT INTO state (chain, key, value) VALUES (?, ?, ?) ON CONFLICT (chain, key) DO UPDATE SET value = excluded.value');
    this.del_ = db.prepare('DELETE FROM state WHERE chain = ? AND key = ?');
    this.scan_ = db.prepare('SELECT key, value FROM state WHERE chain = ? AND key >= ? AND key < ? ORDER BY key');
  }

  get<T extends Canonical = Canonical>(key: string): T | undefined {
    const v = this.get_.get(this.chain, key) as Buffer | undefined;
    return v === undefined ? undefined : (canonicalDecode(new Uint8Array(v)) as T);
  }

  scan<T extends Canonical = Canonical>(prefix: string): [string, T][] {
    return (this.scan_.all(this.chain, prefix, prefix + '\uffff') as { key: string; value: Buffer }[]).map((r) => [r.key, canonicalDecode(new Uint8Array(r.value)) as T]);
  }

  put(key: string, value: Canonical): void {
    this.touched.add(key);
    this.put_.run(this.chain, key, canonicalEncode(value));
  }

  del(key: string): void {
    this.touched.add(key);
    this.del_.run(this.chain, key);
  }

  takeTouched(): Set<string> {
    const t = this.touched;
    this.touched = new Set();
    return t;
  }
}

/** A state in memory (the genesis state, computed without a database). */
export class MemState implements StateView {
  readonly rows = new Map<string, Uint8Array>();

  get<T extends Canonical = Canonical>(key: string): T | undefined {
    const v = this.rows.get(key);
    return v === undefined ? undefined : (canonicalDecode(v) as T);
  }

  scan<T extends Canonical = Canonical>(prefix: string): [string, T][] {
    return this.entries()
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => [k, canonicalDecode(v) as T]);
  }

  put(key: string, value: Canonical): void {
    this.rows.set(key, canonicalEncode(value));
  }

  del(key: string): void {
    this.rows.delete(key);
  }

  /** Entries in SQLite's BINARY key order (bytewise UTF-8). */
  entries(): [string, Uint8Array][] {
    return [...this.rows].sort(([a], [b]) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  }
}
