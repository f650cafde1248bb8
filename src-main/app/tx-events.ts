/**
 * A node's own transactions as the UI hears of them (`tx.pending` events): queued when signed,
 * committed when a block carrying one is applied, failed (with the rule's reason) when the network
 * refused one. Signed actions answer as soon as the transaction is queued; the screens show it as
 * pending until its committed event arrives. Used for the app's own node (own-node.ts) and for each
 * node of the demo consortium (session.ts).
 */
import type { TrichainEvent } from '../../src-shared/api';
import { canonicalDecode } from '../codec/canonical';
import { toHex } from '../codec/hex';
import { txId } from '../ledger/encoding';
import { storedBlock } from '../ledger/light';
import type { ChainId, SignedTx } from '../ledger/types';
import type { TrichainNode } from '../node/node';

export class TxTeller {
  /** Own transactions already reported refused (so each refusal is told once). */
  private readonly refused = new Set<string>();

  /**
   * One outbox entry by id. Every transaction a validator takes in and every block's transactions
   * are looked up here: by key, never by decoding the whole outbox (thousands after an import).
   */
  private readonly entry;

  constructor(
    private readonly node: TrichainNode,
    private readonly emit: (e: TrichainEvent) => void,
  ) {
    for (const e of node.outbox('rejected')) this.refused.add(e.id);
    this.entry = node.db.prepare('SELECT bytes, status FROM outbox WHERE id = ?');
  }

  /** This node's own transaction `id` (its type and status), if it is one. */
  private own(id: string): { type: string; status: string } | undefined {
    try {
      const r = this.entry.get(Buffer.from(id, 'hex')) as { bytes: Buffer; status: string } | undefined;
      return r ? { type: (canonicalDecode(new Uint8Array(r.bytes)) as unknown as SignedTx).type, status: r.status } : undefined;
    } catch {
      return undefined; // a closed node
    }
  }

  /** Follows the node's own events ('tx' queued, 'block' applied); returns the function that stops it. */
  follow(): () => void {
    const onTx = (e: { chain: ChainId; id: string }) => this.queued(e.chain, e.id);
    const onBlock = (e: { chain: ChainId; height: number }) => {
      this.committed(e.chain, e.height);
      this.tellRefused();
    };
    this.node.on('tx', onTx);
    this.node.on('block', onBlock);
    return () => {
      this.node.off('tx', onTx);
      this.node.off('block', onBlock);
    };
  }

  /** An own transaction was signed and queued: pending. */
  queued(chain: ChainId, id: string, detail?: string): void {
    const mine = this.own(id);
    if (mine) this.emit({ type: 'tx.pending', payload: { chain, txId: id, kind: mine.type, status: 'pending', ...(detail ? { detail } : {}) } });
  }

  /** Own transactions in a just-committed block: committed, once. */
  committed(chain: ChainId, height: number): void {
    let block;
    try {
      block = storedBlock(this.node.ledger, chain, height); // a light chain: the held (own) transactions
    } catch {
      return; // a closed node
    }
    if (!block) return;
    for (const tx of block.txs) {
      const id = toHex(txId(tx));
      if (this.own(id)?.status === 'committed') this.emit({ type: 'tx.pending', payload: { chain, txId: id, kind: tx.type, status: 'committed', detail: `block ${height}` } });
    }
  }

  /** Own transactions the network refused since the last look: told once each, with the rule's reason. */
  tellRefused(): void {
    let rejected;
    try {
      rejected = this.node.outbox('rejected');
    } catch {
      return;
    }
    for (const e of rejected) {
      if (this.refused.has(e.id)) continue;
      this.refused.add(e.id);
      this.emit({ type: 'tx.pending', payload: { chain: e.chain, txId: e.id, kind: e.type, status: 'failed', detail: e.detail ?? 'refused by the network' } });
    }
  }
}
