/**
 * Offline-first relay of this node's own transactions (DESIGN.md §4), and the consensus
 * transport over pinned peer connections.
 *
 * OutboxRelay.runOnce(): own outbox entries, oldest first, per chain:
 *   pending                      POST /tx/:chain to a validator peer; accepted (or already known
 *                                there) -> 'submitted'
 *   submitted, not yet committed re-POSTed after `resubmitAfterMs` (the validator may have lost
 *                                its mempool); a duplicate answer ("already on the chain",
 *                                "nonce already used") is the expected outcome, not an error
 *   committed                    never sent again: the ledger marks an entry committed when the
 *                                block carrying it is applied locally (made here or synced)
 *   rejected                     the validator refused it for a rule and no earlier own
 *                                transaction of that chain is still uncommitted (an earlier one
 *                                might be what it depends on; then it is retried next round)
 * Chains where this node alone is the validator are left to the local producer. On chains with an
 * attached consensus engine the transaction is already in this validator's mempool; a pending one
 * is also sent once to every other validator peer (best effort, in parallel), so that whichever
 * validator proposes next includes it, and then counts as submitted.
 */
import { createHash } from 'node:crypto';
import type { Canonical } from '../codec/canonical';
import { bytesEqual } from '../codec/canonical';
import { toHex } from '../codec/hex';
import { txId } from '../ledger/encoding';
import type { ChainId, SignedTx } from '../ledger/types';
import type { PeerClient } from '../net/client';
import type { TrichainNode } from './node';

/** A pinned peer this node can dial. */
export interface DialPeer {
  client: PeerClient;
  blsPkHex: string;
  name: string;
  fingerprint: string;
}

export type RelayOutcome = 'submitted' | 'duplicate' | 'rejected' | 'deferred' | 'unreachable';

export interface RelayEvent {
  id: string;
  chain: ChainId;
  type: string;
  outcome: RelayOutcome;
  peer?: string;
  reason?: string;
}

/** What a node answers to POST /tx/:chain. */
export interface TxAnswer {
  accepted: boolean;
  /** The transaction is already on the chain or its nonce was used: nothing to do. */
  duplicate?: boolean;
  reason?: string;
  id?: Uint8Array;
}

export const DUPLICATE_RE = /already on the chain|was already used by this author/;

export interface RelayOptions {
  node: TrichainNode;
  /** Dialable peers (the relay picks the validators of each chain among them). */
  peers(): DialPeer[];
  /** True when a consensus engine drives this chain on this node. */
  engineAttached(chain: ChainId): boolean;
  resubmitAfterMs?: number;
  onEvent?(e: RelayEvent): void;
}

export class OutboxRelay {
  private readonly submittedAt = new Map<string, number>();
  private readonly resubmitAfterMs: number;
  private repaired = false;

  constructor(private readonly o: RelayOptions) {
    this.resubmitAfterMs = o.resubmitAfterMs ?? 15_000;
  }

  /**
   * Submitted entries whose nonce a different transaction took on the chain can never commit.
   * Once per run: rejected entries that are on the chain after all (marked rejected by an older
   * build when another process on this database committed them first) are committed.
   */
  private reconcile(): void {
    const node = this.o.node;
    const q = node.db.prepare('SELECT id FROM txs WHERE chain = ? AND author = ? AND nonce = ?').pluck();
    if (!this.repaired) {
      this.repaired = true;
      for (const e of node.outboxTxs('rejected')) {
        const loc = node.ledger.txLocation(e.chain, txId(e.tx));
        if (loc) node.moveOutbox(e.id, 'rejected', 'committed', `height ${loc.height}`);
      }
    }
    for (const e of node.outboxTxs('submitted')) {
      const on = q.get(e.chain, e.tx.author, e.tx.nonce) as Buffer | undefined;
      if (on && !bytesEqual(new Uint8Array(on), txId(e.tx))) node.moveOutbox(e.id, 'submitted', 'rejected', `nonce ${e.tx.nonce} was taken by another transaction`);
    }
  }

  async runOnce(signal?: AbortSignal): Promise<RelayEvent[]> {
    const node = this.o.node;
    const now = Date.now();
    this.reconcile();
    const entries = [
      ...node.outboxTxs('pending').map((e) => ({ ...e, status: 'pending' as const })),
      ...node.outboxTxs('submitted').map((e) => ({ ...e, status: 'submitted' as const })),
    ].sort((a, b) => a.created - b.created || a.id.localeCompare(b.id));
    const out: RelayEvent[] = [];
    const emit = (e: RelayEvent): void => {
      out.push(e);
      this.o.onEvent?.(e);
    };
    const blocked = new Set<ChainId>();
    const uncommittedBefore = new Map<ChainId, number>();
    for (const e of entries) {
      if (signal?.aborted) break;
      const chain = e.chain;
      const earlier = uncommittedBefore.get(chain) ?? 0;
      uncommittedBefore.set(chain, earlier + 1);
      if (blocked.has(chain) || !node.ledger.hasGenesis(chain)) continue;
      if (node.isSoloValidator(chain)) continue;
      if (this.o.engineAttached(chain)) {
        if (e.status !== 'pending') continue;
        const vs = new Set(node.ledger.validatorsAt(chain, node.ledger.height(chain) + 1).map((v) => toHex(v.blsPk)));
        const others = this.o.peers().filter((p) => vs.has(p.blsPkHex));
        await Promise.all(others.map((t) => t.client.request('POST', `/tx/${chain}`, e.tx as unknown as Canonical, signal).catch(() => null)));
        if (node.moveOutbox(e.id, 'pending', 'submitted')) emit({ id: e.id, chain, type: e.tx.type, outcome: 'submitted', peer: `${others.length} validators` });
        continue;
      }
      if (e.status === 'submitted' && now - (this.submittedAt.get(e.id) ?? 0) < this.resubmitAfterMs) continue;
      const validators = new Set(node.ledger.validatorsAt(chain, node.ledger.height(chain) + 1).map((v) => toHex(v.blsPk)));
      const targets = this.o.peers().filter((p) => validators.has(p.blsPkHex));
      if (targets.length === 0) {
        emit({ id: e.id, chain, type: e.tx.type, outcome: 'unreachable', reason: 'no validator of this chain is a dialable peer' });
        blocked.add(chain);
        continue;
      }
      let answered = false;
      for (const t of targets) {
        let ans: TxAnswer | undefined;
        try {
          const r = await t.client.request('POST', `/tx/${chain}`, e.tx as unknown as Canonical, signal);
          if (r.status !== 200) continue;
          ans = r.body as unknown as TxAnswer;
        } catch {
          continue; // unreachable: try the next validator
        }
        answered = true;
        if (ans?.accepted || ans?.duplicate) {
          node.moveOutbox(e.id, 'pending', 'submitted');
          this.submittedAt.set(e.id, Date.now());
          emit({ id: e.id, chain, type: e.tx.type, outcome: ans.accepted ? 'submitted' : 'duplicate', peer: t.name });
        } else if (earlier > 0) {
          // It may depend on an earlier own transaction not yet committed: retry next round.
          emit({ id: e.id, chain, type: e.tx.type, outcome: 'deferred', peer: t.name, reason: ans?.reason });
          blocked.add(chain);
        } else {
          node.moveOutbox(e.id, e.status, 'rejected', String(ans?.reason ?? 'refused by the validator').slice(0, 500));
          emit({ id: e.id, chain, type: e.tx.type, outcome: 'rejected', peer: t.name, reason: ans?.reason });
        }
        break;
      }
      if (!answered) {
        emit({ id: e.id, chain, type: e.tx.type, outcome: 'unreachable', reason: 'no validator answered' });
        blocked.add(chain); // keep the order: later ones wait for this one
      }
    }
    return out;
  }
}

/** Answers POST /tx/:chain: queues a peer's signed transaction in the mempool. */
export function acceptRelayedTx(node: TrichainNode, chain: ChainId, body: unknown): TxAnswer {
  const tx = body as SignedTx;
  if (!tx || typeof tx !== 'object' || tx.chain !== chain) return { accepted: false, reason: `not a transaction for the ${chain} chain` };
  try {
    const r = node.submitSigned(tx, { own: false, defer: true });
    return { accepted: true, id: r.id };
  } catch (e) {
    const reason = (e as Error).message ?? String(e);
    if (DUPLICATE_RE.test(reason)) return { accepted: false, duplicate: true, reason };
    return { accepted: false, reason };
  }
}

/**
 * A transaction a non-validator relayed to this validator goes on to the chain's other validators
 * (best effort, one hop: what a validator sent is never forwarded again), so that whichever of them
 * proposes next includes it instead of waiting for this one's turn.
 */
export function forwardToValidators(node: TrichainNode, chain: ChainId, tx: Canonical, peers: DialPeer[], from: Uint8Array): void {
  const vs = new Set(node.ledger.validatorsAt(chain, node.ledger.height(chain) + 1).map((v) => toHex(v.blsPk)));
  if (vs.has(toHex(from))) return;
  for (const p of peers) if (vs.has(p.blsPkHex) && p.blsPkHex !== node.publicKeyHex) p.client.request('POST', `/tx/${chain}`, tx).catch(() => null);
}

/** Consensus POSTs in flight to one peer on one chain; more wait in the lane's queue. */
export const LANE_IN_FLIGHT = 2;
/** Messages waiting for one peer on one chain; beyond it the oldest is dropped. */
export const LANE_QUEUE = 64;

/** A message's identity in a lane's queue, computed once per broadcast for all its lanes. */
const messageKey = (msg: Uint8Array): string => createHash('sha256').update(msg).digest('base64');

interface Lane {
  peer: DialPeer;
  inFlight: number;
  queue: { msg: Uint8Array; key: string }[];
  keys: Set<string>;
}

/**
 * The consensus engine's transport (src-main/consensus/engine.ts `Transport`) over pinned peer
 * connections: broadcast POSTs to /consensus/:chain of every dialable validator peer of the
 * chain; messages arriving on this node's /consensus/:chain are delivered to the handlers with
 * the sender's BLS public key (hex) as `from`.
 *
 * Each (chain, peer) is a lane with at most LANE_IN_FLIGHT requests in flight and LANE_QUEUE
 * waiting. A message identical to one already waiting is not queued twice (the engine re-gossips its
 * own messages every few seconds while a height makes no progress), and when the queue is full the
 * oldest waiting message is dropped. Tendermint's gossip tolerates lost messages (they are sent
 * again), not late ones: without the bound, a peer that answered slowly on a loaded machine got an
 * ever longer backlog in the connection pool, fresh votes queued behind minutes-old ones, and every
 * chain stalled at once.
 */
export class PeerTransport {
  private readonly handlers: ((from: string, msg: Uint8Array) => void)[] = [];
  private readonly lanes = new Map<string, Lane>();
  readonly stats = { sent: 0, failed: 0, received: 0, deduplicated: 0, dropped: 0 };

  constructor(
    readonly chain: ChainId,
    /** Dialable validator peers of the chain (excluding this node). */
    private readonly validatorPeers: () => DialPeer[],
  ) {}

  broadcast(msg: Uint8Array): void {
    const key = messageKey(msg);
    for (const p of this.validatorPeers()) this.post(p, msg, key);
  }

  send(to: string, msg: Uint8Array): void {
    const p = this.validatorPeers().find((x) => x.blsPkHex === to);
    if (p) this.post(p, msg, messageKey(msg));
    else this.broadcast(msg);
  }

  onMessage(handler: (from: string, msg: Uint8Array) => void): void {
    this.handlers.push(handler);
  }

  /** Called by the daemon's /consensus/:chain route. */
  deliver(from: string, msg: Uint8Array): void {
    this.stats.received++;
    for (const h of this.handlers) h(from, msg);
  }

  private post(p: DialPeer, msg: Uint8Array, key: string): void {
    let lane = this.lanes.get(p.blsPkHex);
    if (!lane) this.lanes.set(p.blsPkHex, (lane = { peer: p, inFlight: 0, queue: [], keys: new Set() }));
    lane.peer = p; // the newest client (a peer's address may have changed)
    if (lane.keys.has(key)) {
      this.stats.deduplicated++;
      return;
    }
    if (lane.queue.length >= LANE_QUEUE) {
      const old = lane.queue.shift()!;
      lane.keys.delete(old.key);
      this.stats.dropped++;
    }
    lane.queue.push({ msg, key });
    lane.keys.add(key);
    this.pump(lane);
  }

  private pump(lane: Lane): void {
    while (lane.inFlight < LANE_IN_FLIGHT && lane.queue.length > 0) {
      const { msg, key } = lane.queue.shift()!;
      lane.keys.delete(key);
      lane.inFlight++;
      this.stats.sent++;
      const done = (ok: boolean): void => {
        if (!ok) this.stats.failed++;
        lane.inFlight--;
        this.pump(lane);
      };
      lane.peer.client.request('POST', `/consensus/${this.chain}`, msg).then(
        (r) => done(r.status === 200),
        () => done(false),
      );
    }
  }
}
