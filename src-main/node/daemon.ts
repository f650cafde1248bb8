/**
 * The running node (DESIGN.md §4): a TrichainNode wired to the network.
 *
 *   peer server   HTTPS with mutual TLS on `listen`, accepting the peers of ./peer-set (pinned in
 *                 DIR/peers.json, re-read when it changes, or members of its chains).
 *                 Routes: net/sync.ts syncRoutes (chains, blocks, genesis, blobs, tx, consensus).
 *   bootstrap     after `trichain join`, installs the genesis documents checked against the
 *                 invite (./bootstrap).
 *   catch-up      every `syncIntervalMs`, pulls each chain it holds from its dialable pinned peers
 *                 in windows (ledger/catch-up; a light chain: net/light-sync), then audits the
 *                 certificates stored unaudited (./cert-audit); a peer serving an invalid block or
 *                 certificate is marked bad in peers.json and not contacted again.
 *   blobs         fetches the ciphertexts it is entitled to (net/acl) and lacks (./blob-fetch); erased records'
 *                 ciphertexts are deleted as soon as the erasing block is applied (./sync-adapter).
 *   relay         own pending transactions go to a validator peer (./relay).
 *   producer      where this node alone is the chain's validator, commits its mempool (./producer).
 *   consensus     attachConsensus(chain, engine): the hook for the multi-validator engine
 *                 (src-main/consensus); consensusTransport(chain) is its Transport over the peers.
 *
 * Events: 'genesis' {chain}, 'sync-progress' SyncProgress, 'synced' {chain, height, peer},
 * 'relay' RelayEvent, 'bad-peer' BadPeer, 'erased' ErasedEvent, 'refused' {reason, fingerprint},
 * 'contact' ContactEvent (each pinned peer reached or not, per round: what "offline" means),
 * 'fetched' {blobs} (ciphertexts fetched this round), 'tick' (after each catch-up round),
 * 'error' {where, message}.
 */
import { EventEmitter } from 'node:events';
import type { Canonical } from '../codec/canonical';
import { toHex } from '../codec/hex';
import type { ChainId } from '../ledger/types';
import type { SyncStore } from '../net/sync-store';
import { PeerList } from '../net/peers';
import { startPeerServer, type NetLogEvent, type PeerServer } from '../net/server';
import { syncFromPeers, syncRoutes, SyncSession, type SyncProgress } from '../net/sync';
import { loadOrCreateTlsIdentity } from '../net/tls';
import type { PeerIdentity } from '../net/types';
import { BlobFetcher } from './blob-fetch';
import { bootstrapJoined } from './bootstrap';
import { contactEvents } from './contact';
import type { TrichainNode } from './node';
import { PeerSet } from './peer-set';
import { SoloProducer } from './producer';
import { acceptRelayedTx, forwardToValidators, OutboxRelay, PeerTransport, type DialPeer, type RelayEvent } from './relay';
import { BlobIndex, catchUpStore, genesisDocBytes, NodeSyncStore } from './sync-adapter';
import { CertAuditor } from './cert-audit';
import { adRefusalLog, dialableAddress, exchangeValidatorPeers, selfAdvertiser, validatorPeersRoute, type CometAd, type PeerAd } from './peer-ads';

export interface DaemonOptions {
  /** Where the peer server listens (default 127.0.0.1, port 0 = any free port). */
  listen?: { host: string; port: number };
  /** Catch-up and relay round interval (default 2000 ms). */
  syncIntervalMs?: number;
  /** Producer tick for chains this node validates alone (default 250 ms). */
  produceIntervalMs?: number;
  /** Re-send a submitted transaction that has not committed after this long (default 15 s). */
  resubmitAfterMs?: number;
  /** Blocks per sync request (default 500). */
  syncBatch?: number;
  /** Address advertised to peers for dialing this node (default: the listen address). */
  advertise?: string;
  /** Interval of the exchange of validator addresses (./validators; default 2000 ms). */
  peerExchangeMs?: number;
  log?(line: string): void;
}

/** What the lead's consensus engine must offer the daemon. */
export interface AttachableEngine {
  start(): void;
  stop(): void;
  /** Delivers a message received from a peer (the engine's transport handler may do this instead). */
  receive?(from: string, bytes: Uint8Array): void;
}

export interface Daemon {
  /** 'https://host:port' of the peer server. */
  readonly peerUrl: string;
  /** 'host:port' of the peer server. */
  readonly listen: string;
  /** This node's TLS certificate fingerprint. */
  readonly fingerprint: string;
  on(event: string, fn: (...args: any[]) => void): Daemon;
  off(event: string, fn: (...args: any[]) => void): Daemon;
  /** Runs a catch-up + relay round now (resolves when it is done). */
  syncNow(): Promise<void>;
  /** The consensus Transport for a chain (one per chain, created on first use). */
  consensusTransport(chain: ChainId): PeerTransport;
  /** Hands a chain to a consensus engine: the solo producer stops for it, messages are routed to it. */
  attachConsensus(chain: ChainId, engine: AttachableEngine): void;
  /** Currently authorized peers. */
  peers(): PeerIdentity[];
  /** 'host:port' in this node's signed ad (null: none); advertiseComet adds its CometBFT peer identity to it, sent at the next exchange. */
  readonly advertised: string | null;
  advertiseComet(comet: CometAd): void;
  close(): Promise<void>;
}

class NodeDaemon extends EventEmitter implements Daemon {
  peerUrl = '';
  listen = '';
  fingerprint = '';
  private server: PeerServer | null = null;
  private peerSet: PeerSet | null = null;
  private readonly store: NodeSyncStore;
  /** The store catch-up appends to (./sync-adapter catchUpStore). */
  private readonly catchUpStore: SyncStore;
  private readonly index: BlobIndex;
  private readonly blobs: BlobFetcher;
  private readonly audit: CertAuditor;
  private readonly relay: OutboxRelay;
  private readonly session: SyncSession;
  private readonly transports = new Map<ChainId, PeerTransport>();
  private readonly engines = new Map<ChainId, AttachableEngine>();
  private closed = false;
  private readonly ac = new AbortController();
  private loopDone: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;
  private round: Promise<void> | null = null;
  private readonly producer: SoloProducer;
  private readonly interval: number;
  private selfAd: () => PeerAd | null = () => null;
  advertised: string | null = null;
  private lastExchange = 0;
  private exchangedWith = '';

  constructor(
    readonly node: TrichainNode,
    private readonly o: DaemonOptions,
  ) {
    super();
    this.interval = o.syncIntervalMs ?? 2000;
    this.store = new NodeSyncStore(node);
    this.catchUpStore = catchUpStore(node, this.store);
    this.index = new BlobIndex(node, (e) => this.emit('erased', e));
    this.session = new SyncSession((b) => {
      this.log(`peer ${b.fingerprint.slice(0, 16)}… dropped: ${b.reason}`);
      try {
        PeerList.load(node.paths.dir).markBad(b.fingerprint, b.reason);
      } catch (e) {
        this.log(`could not record the bad peer: ${(e as Error).message}`);
      }
      this.emit('bad-peer', b);
    });
    this.blobs = new BlobFetcher(node, this.index, this.store, this.session);
    this.audit = new CertAuditor(node, this.session, (line) => this.log(line));
    this.producer = new SoloProducer(node, (c) => this.engines.has(c), (message) => this.emit('error', { where: 'producer', message }));
    this.relay = new OutboxRelay({
      node,
      peers: () => this.dialPeers(),
      engineAttached: (c) => this.engines.has(c),
      resubmitAfterMs: o.resubmitAfterMs,
      onEvent: (e: RelayEvent) => this.emit('relay', e),
    });
  }

  private log(line: string): void {
    this.o.log?.(line);
  }

  // ---- peers (./peer-set) ----------------------------------------------------------------------

  private reloadPeers(force = false): void {
    this.peerSet?.reload(force);
  }

  peers(): PeerIdentity[] {
    return this.peerSet?.list() ?? [];
  }

  private dialPeers(): DialPeer[] {
    return this.peerSet?.dialable() ?? [];
  }

  // ---- start ------------------------------------------------------------------------------------

  async start(): Promise<void> {
    const node = this.node;
    // Other processes (trichain admit, status) may write the same database: wait for their locks
    // instead of failing (a failed append would otherwise blame the peer that sent the block).
    node.db.pragma('busy_timeout = 5000');
    const tls = await loadOrCreateTlsIdentity(node.paths.dir, node.config.name.slice(0, 64));
    this.fingerprint = tls.fingerprint;
    const peerSet = new PeerSet(node, tls, {
      onError: (message) => this.emit('error', { where: 'peers', message }),
      log: (line) => this.log(line),
    });
    this.peerSet = peerSet;
    peerSet.reload(true);
    this.index.catchUp(); // replays the stored chains; finishes any interrupted shredding
    node.on('block', this.onBlock);
    node.on('tx', this.onTx);
    this.server = await startPeerServer({
      tls,
      listen: this.o.listen ?? { host: '127.0.0.1', port: 0 },
      authorize: peerSet.authorize,
      log: (e: NetLogEvent) => {
        if (e.event === 'refused') this.emit('refused', { reason: e.reason, fingerprint: e.fingerprint });
        if (e.event === 'refused' || e.event === 'handler-error') this.log(`[net] ${JSON.stringify(e)}`);
      },
      routes: [
        validatorPeersRoute(node, () => this.selfAd(), () => this.fingerprint, () => this.reloadPeers(true), this.adRefused),
        ...syncRoutes({
        store: this.store,
        blobMeta: (h) => this.index.meta(h),
        genesisDoc: (c) => genesisDocBytes(node, c),
        onTx: (chain, tx, peer) => {
          const ans = acceptRelayedTx(node, chain, tx);
          if (ans.accepted) this.producer.soon();
          if (ans.accepted && this.engines.has(chain)) forwardToValidators(node, chain, tx, this.dialPeers(), peer.blsPk);
          return ans as unknown as Canonical;
        },
        onConsensus: (chain, msg, peer): Canonical => {
          if (!(msg instanceof Uint8Array)) return { ok: false, error: 'consensus message must be a byte string' };
          const t = this.transports.get(chain);
          const engine = this.engines.get(chain);
          if (!t && !engine?.receive) return { ok: false, error: 'no consensus engine for this chain' };
          const from = toHex(peer.blsPk);
          if (t) t.deliver(from, msg);
          else engine!.receive!(from, msg);
          return { ok: true };
        },
        // Proposals carry whole blocks (the consensus app caps them at 4 MiB).
        maxMessageBytes: 8 * 1024 * 1024,
      }),
      ],
    });
    const host = this.server.host.includes(':') ? `[${this.server.host}]` : this.server.host;
    this.listen = `${host}:${this.server.port}`;
    this.peerUrl = this.server.url;
    const advertise = this.o.advertise ?? this.listen;
    try {
      if (dialableAddress(advertise)) this.selfAd = selfAdvertiser(node, this.fingerprint, (this.advertised = advertise));
    } catch (e) {
      this.log(`no address advertised to peers: ${(e as Error).message}`);
    }
    this.producer.start(this.o.produceIntervalMs ?? 250);
    this.loopDone = this.loop();
  }

  private onBlock = (): void => {
    try {
      this.index.catchUp();
    } catch (e) {
      this.emit('error', { where: 'index', message: (e as Error).message });
    }
  };

  private onTx = (): void => {
    // An own transaction was queued in this process: relay it soon.
    this.wake?.();
  };

  // ---- catch-up, bootstrap, blobs, relay: one round ----------------------------------------------

  private async loop(): Promise<void> {
    while (!this.closed) {
      await this.syncNow().catch(() => {});
      if (this.closed) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, this.interval);
        function done(): void {
          clearTimeout(t);
          resolve();
        }
        this.wake = done;
      });
      this.wake = null;
    }
  }

  syncNow(): Promise<void> {
    if (!this.round)
      this.round = this.runRound().finally(() => {
        this.round = null;
      });
    return this.round;
  }

  private async runRound(): Promise<void> {
    const signal = this.ac.signal;
    try {
      this.reloadPeers();
      await bootstrapJoined({
        node: this.node,
        peers: this.dialPeers(),
        records: this.peerSet?.records ?? [],
        session: this.session,
        onGenesis: (e) => this.emit('genesis', e),
        onContact: (e) => this.emit('contact', e),
        log: (line) => this.log(line),
      });
      await this.exchangePeers(signal);
      const clients = this.dialPeers().map((p) => p.client);
      const chains = this.node.chains();
      if (clients.length > 0 && chains.length > 0 && !signal.aborted) {
        let last = 0;
        const results = await syncFromPeers(clients, this.catchUpStore, chains, {
          session: this.session,
          signal,
          batchSize: this.o.syncBatch,
          onProgress: (p: SyncProgress) => {
            const now = Date.now();
            if (now - last >= 100 || p.height === p.target) {
              last = now;
              this.emit('sync-progress', p);
            }
          },
        });
        for (const r of results) if (r.applied > 0) this.emit('synced', { chain: r.chain, height: r.height, peer: r.peer, applied: r.applied });
        this.audit.noteSynced(results);
        const answers = results.map((r) => ({ fingerprint: r.peer, ok: r.complete || !r.stopped, reason: r.badPeer?.reason ?? r.stopped }));
        for (const e of contactEvents(answers, this.peerSet?.records ?? [])) this.emit('contact', e);
      }
      await this.audit.run(this.dialPeers().map((p) => p.client), signal);
      if (signal.aborted) return;
      this.index.catchUp();
      await this.relay.runOnce(signal);
      if (signal.aborted) return;
      const me = this.node.identity.blsPublicKey;
      const fetched = await this.blobs.run(
        this.dialPeers().map((p) => p.client),
        this.peerSet?.validatorOf(me) ?? [],
        signal,
      );
      // Ciphertexts arrive after the blocks naming them: what they unlock (a record, a package) shows now.
      if (fetched > 0) this.emit('fetched', { blobs: fetched });
    } catch (e) {
      if (!signal.aborted) this.emit('error', { where: 'sync', message: (e as Error).message });
    } finally {
      if (!signal.aborted) this.emit('tick');
    }
  }

  private readonly adRefused = adRefusalLog((line) => this.log(line));
  advertiseComet(comet: CometAd): void {
    if (this.advertised) this.selfAd = selfAdvertiser(this.node, this.fingerprint, this.advertised, comet);
    this.lastExchange = 0; // told at the next round
  }

  /** Validators find each other's addresses through their peers (./peer-ads). */
  private async exchangePeers(signal: AbortSignal): Promise<void> {
    const peers = this.dialPeers();
    const key = peers.map((p) => p.fingerprint).sort().join(',');
    if (key === this.exchangedWith && Date.now() - this.lastExchange < (this.o.peerExchangeMs ?? 2000)) return;
    this.exchangedWith = key;
    this.lastExchange = Date.now();
    const changed = await exchangeValidatorPeers(this.node, peers.map((p) => p.client), this.selfAd(), this.fingerprint, signal, this.adRefused);
    if (changed > 0) this.reloadPeers(true);
  }

  // ---- consensus hook ---------------------------------------------------------------------------

  consensusTransport(chain: ChainId): PeerTransport {
    let t = this.transports.get(chain);
    if (!t) {
      t = new PeerTransport(chain, () => {
        const node = this.node;
        if (!node.ledger.hasGenesis(chain)) return [];
        const vs = new Set(node.ledger.validatorsAt(chain, node.ledger.height(chain) + 1).map((v) => toHex(v.blsPk)));
        return this.dialPeers().filter((p) => vs.has(p.blsPkHex) && p.blsPkHex !== node.publicKeyHex);
      });
      this.transports.set(chain, t);
    }
    return t;
  }

  attachConsensus(chain: ChainId, engine: AttachableEngine): void {
    if (this.engines.has(chain)) throw new Error(`a consensus engine is already attached to the ${chain} chain`);
    this.engines.set(chain, engine);
    engine.start();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ac.abort();
    this.wake?.();
    this.producer.stop();
    for (const e of this.engines.values()) {
      try {
        e.stop();
      } catch {
        // stopping is best effort
      }
    }
    await this.loopDone.catch(() => {});
    this.node.off('block', this.onBlock);
    this.node.off('tx', this.onTx);
    await this.server?.close();
    this.peerSet?.close();
  }
}

/** Starts the peer server and the background loops of a node; resolves once it is listening. */
export async function runDaemon(node: TrichainNode, opts: DaemonOptions = {}): Promise<Daemon> {
  const d = new NodeDaemon(node, opts);
  // 'error' events are reported, never thrown at the emitter.
  d.on('error', (e: { where: string; message: string }) => opts.log?.(`[${e.where}] ${e.message}`));
  await d.start();
  return d;
}
