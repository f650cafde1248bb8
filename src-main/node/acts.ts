/**
 * One act, one outcome (issue 13, item 5). An act is a sequence of transactions, possibly on
 * different chains, that must all happen or none: storing a record is its anchor on the hospital
 * chain, then its link on the patient chain (emr/records.ts storeRecord).
 *
 * submitAct signs every step and checks each against its chain's current rules, then, in ONE
 * SQLite transaction with the caller's local writes (the ciphertext, the local index): the first
 * step goes to the mempool and the outbox, each later step is written to `held_txs` (migration 5)
 * naming the step before it. Nothing is stored if any check fails, and a crash leaves the whole act
 * written or none of it.
 *
 * releaseHeld moves a held step to the mempool and outbox once the step before it is on its chain;
 * it runs after every block this node commits or applies (solo producer, consensus, sync) and when
 * the node opens, so an act a crash interrupted resumes at start, idempotently (a step already in
 * the mempool, the outbox or on its chain is not added twice). A held step whose predecessor was
 * refused is recorded in the outbox as rejected, naming the predecessor, and never sent: a link
 * never points at a record that was not anchored.
 */
import { canonicalDecode, type Canonical } from '../codec/canonical';
import { toHex } from '../codec/hex';
import { txBytes, txId } from '../ledger/encoding';
import { produceBlock } from '../ledger/producer';
import { TxRejected } from '../ledger/rules/types';
import { queueOwn, recordRejected } from '../ledger/outbox';
import type { Block, ChainId, SignedTx } from '../ledger/types';
import type { TrichainNode } from './node';

type Body = { [k: string]: Canonical };

export interface ActStep {
  chain: ChainId;
  type: string;
  /** The body, or a function of the ids of the steps before it (a link names its anchor). */
  body: Body | ((previousIds: Uint8Array[]) => Body);
}

export function submitAct(node: TrichainNode, steps: ActStep[], opts: { defer?: boolean; local?: () => void } = {}): SignedTx[] {
  if (steps.length === 0) throw new Error('an act needs at least one step');
  for (const s of steps) if (!node.ledger.hasGenesis(s.chain)) throw new Error(`this node does not hold the ${s.chain} chain`);
  if (!opts.defer && steps.every((s) => node.isSoloValidator(s.chain))) return commitAlone(node, steps, opts.local);
  const txs = node.db
    .transaction(() => {
      const { txs, ids } = signSteps(node, steps, (tx) => node.ledger.checkTx(tx)); // throws TxRejected: the whole act is rolled back
      const now = Date.now();
      const hold = node.db.prepare('INSERT OR IGNORE INTO held_txs (id, chain, bytes, after, after_chain, created) VALUES (?, ?, ?, ?, ?, ?)');
      txs.slice(1).forEach((tx, i) => hold.run(ids[i + 1], tx.chain, txBytes(tx), ids[i], txs[i].chain, now));
      opts.local?.();
      node.enqueue(txs[0], true);
      return txs;
    })
    .immediate();
  if (!opts.defer) {
    // Where this node validates alone, commit the act now, chain after chain (each commit releases the next step).
    for (const chain of [...new Set(steps.map((s) => s.chain))]) if (node.isSoloValidator(chain)) node.commitPending(chain);
  }
  return txs;
}

/**
 * Signs an act's steps in order, each body given the ids of the steps before it (a link names its
 * anchor); `each` checks or commits a step once it is signed, and throwing rolls the act back.
 */
function signSteps(node: TrichainNode, steps: ActStep[], each: (tx: SignedTx, id: Uint8Array) => void): { txs: SignedTx[]; ids: Uint8Array[] } {
  const txs: SignedTx[] = [];
  const ids: Uint8Array[] = [];
  for (const s of steps) {
    const tx = node.sign(s.chain, s.type, typeof s.body === 'function' ? s.body(ids) : s.body);
    const id = txId(tx);
    each(tx, id);
    txs.push(tx);
    ids.push(id);
  }
  return { txs, ids };
}

/**
 * An act on chains this node commits alone: each step signed and committed in a block of its own,
 * with the caller's local writes, in ONE SQLite transaction. The block's rules are the act's check
 * (the proposer applies each step with the admission checks, ledger.prepareBlock; commitBlock
 * verifies its signature and state root): a step they refuse throws TxRejected and nothing of the
 * act is stored, a crash leaves all of it or none, and each step is applied once (no held step, no
 * check at submission and again at release). The blocks are announced once the act is durable.
 */
function commitAlone(node: TrichainNode, steps: ActStep[], local?: () => void): SignedTx[] {
  const blocks: Block[] = [];
  const txs = node.db
    .transaction(() => {
      const { txs } = signSteps(node, steps, (tx, id) => {
        queueOwn(node.db, id, tx.chain, txBytes(tx)); // marked committed by its block (ledger.commitBlock)
        const { block, dropped } = produceBlock(node.ledger, tx.chain, [tx], [node.key]);
        if (!block) throw new TxRejected(dropped[0]?.reason ?? 'the transaction was not committed');
        blocks.push(block);
      });
      local?.();
      return txs;
    })
    .immediate();
  for (const b of blocks) node.emit('block', { chain: b.header.chain, height: b.header.height, txs: b.txs.length });
  return txs;
}

interface HeldRow {
  id: Buffer;
  chain: ChainId;
  bytes: Buffer;
  after: Buffer;
  after_chain: ChainId;
}

/** Releases every held step whose predecessor is on its chain (or drops it when that was refused). Returns how many moved. */
export function releaseHeld(node: TrichainNode): number {
  const db = node.db;
  if (!db.prepare('SELECT 1 FROM held_txs LIMIT 1').pluck().get()) return 0;
  let moved = 0;
  const rows = db.prepare('SELECT id, chain, bytes, after, after_chain FROM held_txs ORDER BY created, id').all() as HeldRow[];
  for (const r of rows) {
    const tx = canonicalDecode(new Uint8Array(r.bytes)) as unknown as SignedTx;
    const drop = db.prepare('DELETE FROM held_txs WHERE id = ?');
    if (node.ledger.txLocation(r.after_chain, r.after)) {
      db.transaction(() => {
        if (!db.prepare('SELECT 1 FROM held_txs WHERE id = ?').pluck().get(r.id)) return; // another process released it
        drop.run(r.id);
        if (node.ledger.txLocation(r.chain, r.id)) return;
        try {
          // Where this node commits the chain alone, the block it makes next checks the step and
          // marks it rejected with the reason if the rules now refuse it (node.commitPending):
          // checking it here too would apply it once more for nothing.
          if (!node.isSoloValidator(r.chain)) node.ledger.checkTx(tx);
          node.enqueue(tx, true);
        } catch (e) {
          if (!(e instanceof TxRejected)) throw e;
          reject(node, r, tx, `refused when released: ${e.reason}`);
        }
        moved++;
      }).immediate();
      continue;
    }
    const before = db.prepare('SELECT status, detail FROM outbox WHERE id = ?').get(r.after) as { status: string; detail: string | null } | undefined;
    if (before?.status === 'rejected' || (!before && !db.prepare('SELECT 1 FROM held_txs WHERE id = ?').pluck().get(r.after))) {
      db.transaction(() => {
        drop.run(r.id);
        reject(node, r, tx, `not sent: the transaction it follows (${toHex(new Uint8Array(r.after)).slice(0, 16)}…) was refused${before?.detail ? `: ${before.detail}` : ''}`);
      }).immediate();
      moved++;
    }
  }
  return moved;
}

function reject(node: TrichainNode, r: HeldRow, tx: SignedTx, detail: string): void {
  recordRejected(node.db, r.id, r.chain, r.bytes, detail);
  node.emit('tx', { chain: tx.chain, id: toHex(new Uint8Array(r.id)), status: 'rejected' });
}

/** Steps waiting for the step before them (for status and tests). */
export function heldSteps(node: TrichainNode): { id: string; chain: ChainId; type: string; after: string }[] {
  const rows = node.db.prepare('SELECT id, chain, bytes, after FROM held_txs ORDER BY created, id').all() as HeldRow[];
  return rows.map((r) => ({ id: toHex(new Uint8Array(r.id)), chain: r.chain, type: (canonicalDecode(new Uint8Array(r.bytes)) as unknown as SignedTx).type, after: toHex(new Uint8Array(r.after)) }));
}
