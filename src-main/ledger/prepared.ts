/**
 * Each transaction applied once (issue 11). Building a proposal (Ledger.prepareBlock) and checking
 * one (Ledger.checkProposal) run every rule and hash the new state in a transaction that is rolled
 * back; committing the same block used to run them all again. Here those runs keep what they
 * wrote: the final value of every state key the block touched and the state-tree rows
 * (state-tree.ts TreeLog), under the block's hash and the head it extends. Committing that very
 * block on that very head writes them back instead of applying the transactions again.
 *
 * Why this is as safe as applying again: the block hash commits to the header, and the header to
 * the transactions and their signatures (txRoot, sigsHash, both checked against the transactions
 * given to commitBlock) and to the state root the writes produce (checked again after they are
 * written). The chain state changes only when a block is stored, so the same head means the same
 * state the writes were computed on; the head is read under the commit's write lock, so a block
 * stored in between (by this process or another on the same database) makes the entry miss. A
 * block from another proposer that this node never checked, or one arriving by sync, misses and is
 * applied in full; commitBlock checks the header, every signature and the certificate either way.
 * Only the rules' and the tree's work is reused, never a check of what is being committed.
 */
import { bytesEqual } from '../codec/canonical';
import { toHex } from '../codec/hex';
import type { DB } from '../storage/db';
import type { Head } from './checks';
import type { StateTree, TreeLog } from './state-tree';
import type { BlockHeader, ChainId, SignedTx } from './types';

/** A block built from candidates (Ledger.prepareBlock): its header, the transactions kept, those dropped and why. */
export interface Prepared {
  header: BlockHeader;
  txs: SignedTx[];
  dropped: { tx: SignedTx; reason: string }[];
}

export interface BlockWrites {
  /** The state root after the block. */
  root: Uint8Array;
  /** The final value of every state key the block touched (null: deleted). */
  state: Map<string, Uint8Array | null>;
  tree: TreeLog;
}

interface Entry extends BlockWrites {
  hash: string;
  height: number;
  prevHash: Uint8Array;
  /** The writes are in the database already, in the open transaction that will commit the block (Ledger.produceBlock). */
  inPlace?: boolean;
}

/** Entries kept per chain: the newest proposal prepared and the newest checked (a later round may bring another). */
const KEEP = 2;

export class PreparedBlocks {
  /** False: every block is applied in full when committed (the bench's baseline). */
  enabled = true;
  private readonly entries = new Map<ChainId, Entry[]>();
  private readonly q;

  constructor(db: DB) {
    this.q = {
      value: db.prepare('SELECT value FROM state WHERE chain = ? AND key = ?').pluck(),
      put: db.prepare('INSERT INTO state (chain, key, value) VALUES (?, ?, ?) ON CONFLICT (chain, key) DO UPDATE SET value = excluded.value'),
      del: db.prepare('DELETE FROM state WHERE chain = ? AND key = ?'),
    };
  }

  /** Inside the block's transaction, after its transactions and the tree: what they wrote. */
  capture(chain: ChainId, touched: Iterable<string>, tree: TreeLog, root: Uint8Array): BlockWrites {
    const state = new Map<string, Uint8Array | null>();
    for (const key of touched) {
      const v = this.q.value.get(chain, key) as Buffer | undefined;
      state.set(key, v === undefined ? null : new Uint8Array(v));
    }
    return { root, state, tree };
  }

  /** Keeps the writes of the block `hash` made on `head` (dropping entries of older heads). */
  remember(chain: ChainId, hash: Uint8Array, head: Head, w: BlockWrites): void {
    if (!this.enabled) return;
    const kept = (this.entries.get(chain) ?? []).filter((e) => e.height === head.height + 1 && bytesEqual(e.prevHash, head.hash) && e.hash !== toHex(hash));
    kept.push({ ...w, hash: toHex(hash), height: head.height + 1, prevHash: head.hash });
    this.entries.set(chain, kept.slice(-KEEP));
  }

  /**
   * The block `hash` was prepared on `head` inside the write transaction that commits it
   * (Ledger.produceBlock: a sole validator's own block): its writes are in the database already,
   * so committing it writes nothing again. Its root is still checked against the header at commit,
   * and were those writes rolled back, the stored tree's root would not match it: the block would
   * be refused, never stored without its state.
   */
  rememberInPlace(chain: ChainId, hash: Uint8Array, head: Head, root: Uint8Array): void {
    this.entries.set(chain, [{ root, state: new Map(), tree: { leaves: new Map(), nodes: new Map() }, hash: toHex(hash), height: head.height + 1, prevHash: head.hash, inPlace: true }]);
  }

  /** Forgets what was kept for `chain` (an in-place block that was not committed). */
  forget(chain: ChainId): void {
    this.entries.delete(chain);
  }

  /** Whether the writes of exactly this block on exactly this head are kept. */
  has(chain: ChainId, hash: Uint8Array, head: Head): boolean {
    return this.find(chain, hash, head) !== undefined;
  }

  /**
   * Writes the kept writes of this block on this head (inside the caller's write transaction, the
   * head read under it) and forgets them; returns the state root they lead to, or null when none
   * are kept (the caller applies the transactions).
   */
  replay(chain: ChainId, hash: Uint8Array, head: Head, tree: StateTree): Uint8Array | null {
    const e = this.find(chain, hash, head);
    this.entries.delete(chain);
    if (!e) return null;
    if (e.inPlace) return tree.root(chain);
    for (const [key, v] of e.state) {
      if (v === null) this.q.del.run(chain, key);
      else this.q.put.run(chain, key, v);
    }
    return tree.replay(chain, e.tree);
  }

  private find(chain: ChainId, hash: Uint8Array, head: Head): Entry | undefined {
    const hex = toHex(hash);
    return this.entries.get(chain)?.find((e) => e.hash === hex && e.height === head.height + 1 && bytesEqual(e.prevHash, head.hash));
  }
}
