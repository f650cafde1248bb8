/**
 * This machine's own node, run as `trichain start` runs it: through the one composition root
 * (node/runtime.ts startRuntime) WITH peers — peer server, catch-up, relay of the offline queue,
 * and consensus for the chains it validates with others. What the running daemon does reaches
 * the UI through the event channel (src-shared/api events): sync progress, the node's own
 * transactions as they queue, go out, commit or are refused, and whether its peers answer.
 *
 * Where the app's own node runs is set by the environment (defaults in brackets):
 *   TRICHAIN_PEER_LISTEN     host:port of the peer server [the address in node.json, else 127.0.0.1:any]
 *   TRICHAIN_PEER_ADVERTISE  host:port peers dial, put in invites [the listen address]
 *   TRICHAIN_SYNC_INTERVAL_MS  catch-up and relay round [2000]
 */
import type { TrichainEvent } from '../../src-shared/api';
import { toHex } from '../codec/hex';
import type { ChainId } from '../ledger/types';
import { parseAddress } from '../net/client';
import type { SyncProgress } from '../net/sync';
import type { ContactEvent } from '../node/contact';
import type { TrichainNode } from '../node/node';
import type { RelayEvent } from '../node/relay';
import { startRuntime, type NodeRuntime } from '../node/runtime';
import { TxTeller } from './tx-events';

export interface OwnNodeOptions {
  emit(e: TrichainEvent): void;
  log?(line: string): void;
  env?: NodeJS.ProcessEnv;
}

/** What the last round said about one pinned peer. */
export interface PeerContact {
  ok: boolean;
  /** When it last answered (ms). */
  lastOk?: number;
  /** Since when it has not answered (ms), while it does not. */
  downSince?: number;
  reason?: string;
}

/** 'host:port' where port 0 means any free port. */
export function parseListen(s: string): { host: string; port: number } {
  const m = /^(.*):0$/.exec(s.trim());
  return m ? { ...parseAddress(`${m[1]}:1`), port: 0 } : parseAddress(s.trim());
}

function positive(v: string | undefined): number | undefined {
  return v && /^\d{1,7}$/.test(v) && Number(v) > 0 ? Number(v) : undefined;
}

export class OwnNode {
  readonly contact = new Map<string, PeerContact>();
  /** Its own transactions as the UI hears of them: queued, committed, refused. */
  private readonly txs: TxTeller;

  private constructor(
    readonly node: TrichainNode,
    readonly runtime: NodeRuntime,
    readonly advertise: string | null,
    private readonly emit: (e: TrichainEvent) => void,
  ) {
    this.txs = new TxTeller(node, emit);
  }

  /** Starts the node's runtime with peers and forwards its events to the UI. */
  static async start(node: TrichainNode, o: OwnNodeOptions): Promise<OwnNode> {
    const env = o.env ?? process.env;
    const listen = env.TRICHAIN_PEER_LISTEN ? parseListen(env.TRICHAIN_PEER_LISTEN) : undefined;
    const advertise = env.TRICHAIN_PEER_ADVERTISE?.trim() || undefined;
    if (advertise) parseAddress(advertise);
    const runtime = await startRuntime(node, {
      log: o.log,
      peers: { listen, advertise, syncIntervalMs: positive(env.TRICHAIN_SYNC_INTERVAL_MS) },
      consensus: { log: o.log },
    });
    const own = new OwnNode(node, runtime, advertise ?? null, o.emit);
    own.wire();
    return own;
  }

  private wire(): void {
    const { runtime, node } = this;
    runtime.on('sync-progress', (p: SyncProgress) => {
      const remote = Math.max(p.target, p.height);
      this.emit({ type: 'sync.progress', payload: { chain: p.chain, peer: this.peerName(p.peer), state: p.height < remote ? 'syncing' : 'synced', localHeight: p.height, remoteHeight: remote, fraction: remote > 0 ? Math.min(1, p.height / remote) : 1 } });
    });
    runtime.on('contact', (e: ContactEvent) => this.onContact(e));
    runtime.on('fetched', (e: { blobs: number }) => this.emit({ type: 'blobs.fetched', payload: { count: e.blobs } }));
    runtime.on('tx', (e: { chain: ChainId; id: string }) => this.txs.queued(e.chain, e.id));
    runtime.on('relay', (e: RelayEvent) => {
      if (e.outcome === 'submitted') this.emit({ type: 'tx.pending', payload: { chain: e.chain, txId: e.id, kind: e.type, status: 'pending', detail: `sent to ${e.peer ?? 'a validator'}` } });
      this.txs.tellRefused();
    });
    runtime.on('block', (e: { chain: ChainId; height: number }) => {
      this.txs.committed(e.chain, e.height);
      this.txs.tellRefused();
    });
    runtime.on('genesis', (e: { chain: ChainId }) => {
      // A joining node installed a chain: the views that list chains reload on chain.updated.
      try {
        this.emit({ type: 'chain.updated', payload: { chain: e.chain, height: node.ledger.height(e.chain), headHash: toHex(node.ledger.head(e.chain).hash) } });
      } catch {
        /* a chain kept only as a trusted anchor */
      }
    });
  }

  private peerName(fingerprint: string): string {
    return this.runtime.daemon?.peers().find((p) => p.fingerprint === fingerprint)?.name ?? fingerprint.slice(0, 16);
  }

  private onContact(e: ContactEvent): void {
    const now = Date.now();
    const before = this.contact.get(e.fingerprint);
    this.contact.set(e.fingerprint, e.ok ? { ok: true, lastOk: now } : { ok: false, lastOk: before?.lastOk, downSince: before && !before.ok ? before.downSince : now, reason: e.reason });
    const offline = [...this.contact.values()].every((c) => !c.ok);
    const wasOffline = before ? !before.ok : false;
    if (offline && !wasOffline) {
      for (const chain of this.node.chains()) {
        const h = this.node.ledger.height(chain);
        this.emit({ type: 'sync.progress', payload: { chain, peer: e.name, state: 'offline', localHeight: h, remoteHeight: h, fraction: 1 } });
      }
    }
  }

  /** Whether some pinned peer answered in its last round (null: no round has reached any yet). */
  online(): boolean | null {
    if (this.contact.size === 0) return null;
    return [...this.contact.values()].some((c) => c.ok);
  }

  async stop(): Promise<void> {
    await this.runtime.stop();
  }
}
