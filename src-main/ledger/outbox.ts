/**
 * The outbox: a node's own transactions and what became of them (pending → submitted → committed,
 * or rejected with the reason), shown to the user and relayed until a validator commits them.
 * Every write to the table is here: the node queues and moves entries, the ledger marks them
 * committed in the transaction that stores their block.
 */
import type { DB } from '../storage/db';
import type { ChainId } from './types';

export type OutboxStatus = 'pending' | 'submitted' | 'committed' | 'rejected';

/** Reasons are kept short: the table is read by the UI and the status API. */
const DETAIL_MAX = 500;

const cache = new WeakMap<DB, ReturnType<typeof prepare>>();

function prepare(db: DB) {
  return {
    queue: db.prepare("INSERT INTO outbox (id, chain, bytes, created, status) VALUES (?, ?, ?, ?, 'pending')"),
    queueOnce: db.prepare("INSERT OR IGNORE INTO outbox (id, chain, bytes, created, status) VALUES (?, ?, ?, ?, 'pending')"),
    committed: db.prepare("UPDATE outbox SET status = 'committed', detail = ? WHERE id = ?"),
    rejectedUnlessCommitted: db.prepare("UPDATE outbox SET status = 'rejected', detail = ? WHERE id = ? AND status != 'committed'"),
    rejectedEntry: db.prepare("INSERT INTO outbox (id, chain, bytes, created, status, detail) VALUES (?, ?, ?, ?, 'rejected', ?) ON CONFLICT (id) DO UPDATE SET status = 'rejected', detail = excluded.detail"),
    move: db.prepare('UPDATE outbox SET status = ?, detail = ? WHERE id = ? AND status = ?'),
  };
}

const q = (db: DB) => {
  let s = cache.get(db);
  if (!s) cache.set(db, (s = prepare(db)));
  return s;
};

/** A new own transaction, pending. `once`: an entry already there (the same transaction again) is kept as it is. */
export function queueOwn(db: DB, id: Uint8Array, chain: ChainId, bytes: Uint8Array, o: { once?: boolean } = {}): void {
  (o.once ? q(db).queueOnce : q(db).queue).run(id, chain, bytes, Date.now());
}

/** Its block is stored (in the same SQLite transaction). */
export function markCommitted(db: DB, id: Uint8Array, height: number): void {
  q(db).committed.run(`height ${height}`, id);
}

/** Refused: a committed entry stays committed. */
export function markRejected(db: DB, id: Uint8Array, reason: string): void {
  q(db).rejectedUnlessCommitted.run(reason.slice(0, DETAIL_MAX), id);
}

/** Refused before it was ever queued (a held step whose predecessor failed): the entry is made rejected. */
export function recordRejected(db: DB, id: Uint8Array, chain: ChainId, bytes: Uint8Array, reason: string): void {
  q(db).rejectedEntry.run(id, chain, bytes, Date.now(), reason.slice(0, DETAIL_MAX));
}

/** Moves an entry from `from` to `to`, only if it is still in `from`. True if it moved. */
export function moveOwn(db: DB, id: Uint8Array, from: OutboxStatus, to: OutboxStatus, detail: string | null): boolean {
  return q(db).move.run(to, detail, id, from).changes > 0;
}
