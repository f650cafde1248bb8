/**
 * The running node (DESIGN.md §4): a TrichainNode wired to the network.
 *
 *   peer server   HTTPS with mutual TLS on `listen`; a connection is accepted only from a
 *                 fingerprint whose signed binding statement (net/binding) names a BLS key this
 *                 node knows: a peer pinned in DIR/peers.json (from an invite, or admitted with
 *                 `trichain admit`), or a member registered on one of its chains. The file is
 *                 re-read when it changes, so an admitted peer is accepted without a restart.
 *                 Routes: net/sync.ts syncRoutes (chains, blocks, genesis, blobs, tx, consensus).
 *   bootstrap     after `trichain join`, fetches the genesis documents of the chains its role
 *                 replicates (hospital: all three; patient: patient; entity: social), checks each
 *                 against the hash the invite carried (DIR/join.json), and installs them.
 *   catch-up      every `syncIntervalMs`, pulls each chain it holds from its dialable pinned
 *                 peers, verifying every block (ledger.appendBlock; a chain held as a light
 *                 client: headers, certificates and own transactions with proofs, net/light-sync);
 *                 a peer serving an invalid block is marked bad in peers.json and not contacted again.
 *   blobs         fetches the ciphertexts it is entitled to (net/acl) and lacks; erased records'
 *                 ciphertexts are deleted as soon as the erasing block is applied (./sync-adapter).
 *   relay         own pending transactions go to a validator peer (./relay).
 *   producer      where this node alone is the chain's validator, commits its mempool.
 *   consensus     attachConsensus(chain, engine): the hook for the multi-validator engine
 *                 (src-main/consensus); consensusTransport(chain) is its Transport over the peers.
 *
 * Events: 'genesis' {chain}, 'sync-progress' SyncProgress, 'synced' {chain, height, peer},
 * 'relay' RelayEvent, 'bad-peer' BadPeer, 'erased' ErasedEvent, 'refused' {reason, fingerprint},
 * 'contact' ContactEvent (each pinned peer reached or not, per round: what "offline" means),
 * 'tick' (after each catch-up round), 'error' {where, message}.
 */
import { EventEmitter } from 'node:events';
import { statSync } from 'node:fs';
import type { Canonical } from '../codec/canonical';
import { fromHex, toHex } from '../codec/hex';
import type { ChainId } from '../ledger/types';
import type { SyncStore } from '../net/sync-store';
import { getMember } from '../ledger/rules/members';
import { CHAIN_POLICY, isLightFor, mayReceiveBlob } from '../net/acl';
import { decodeBindingString, PeerDirectory, type KnownKey } from '../net/binding';
import { PeerClient } from '../net/client';
import { readJoinState } from './join';
import { contactEvents, type PeerAnswer } from './contact';
import { PeerList, type PeerRecord } from '../net/peers';
import { startPeerServer, type NetLogEvent, type PeerServer } from '../net/server';
import { CHAINS } from '../ledger/types';
import { fetchBlob, fetchGenesis, syncFromPeers, syncRoutes, SyncSession, type SyncProgress } from '../net/sync';
import { loadOrCreateTlsIdentity, type TlsIdentity } from '../net/tls';
import { isRole, type PeerIdentity } from '../net/types';
import { readConfig, writeConfig } from './config';
import type { TrichainNode } from './node';
import { acceptRelayedTx, OutboxRelay, PeerTransport, type DialPeer, type RelayEvent } from './relay';
import { BlobIndex, catchUpStore, genesisDocBytes, NodeSyncStore } from './sync-adapter';
import { dialableAddress, exchangeValidatorPeers, ownBindingLine, validatorPeersRoute, type PeerAd } from './validators';

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
  close(): Promise<void>;
}

class NodeDaemon extends EventEmitter implements Daemon {
  peerUrl = '';
  listen = '';
  fingerprint = '';
  private server: PeerServer | null = null;
  private tls!: TlsIdentity;
  private readonly store: NodeSyncStore;
  private readonly index: BlobIndex;
  private readonly relay: OutboxRelay;
  private readonly session: SyncSession;
  private directory!: PeerDirectory;
  private records: PeerRecord[] = [];
  private peersMtime = -1;
  private readonly clients = new Map<string, { address: string; client: PeerClient }>();
  private readonly transports = new Map<ChainId, PeerTransport>();
  private readonly engines = new Map<ChainId, AttachableEngine>();
  private readonly blobRetry = new Map<string, number>();
  private closed = false;
  private readonly ac = new AbortController();
  private loopDone: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;
  private round: Promise<void> | null = null;
  private producer: ReturnType<typeof setInterval> | null = null;
  private produceSoon: ReturnType<typeof setTimeout> | null = null;
  private readonly interval: number;
  private selfAd: PeerAd | null = null;
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

  // ---- peers ------------------------------------------------------------------------------------

  private validatorOf(pk: Uint8Array): ChainId[] {
    const hex = toHex(pk);
    return this.node.chains().filter((c) => this.node.ledger.validatorsAt(c, this.node.ledger.height(c) + 1).some((v) => toHex(v.blsPk) === hex));
  }

  /** A BLS key this node knows: a pinned peer, or a member of one of its chains with a node role. */
  private knownKey = (pk: Uint8Array): KnownKey | null => {
    const hex = toHex(pk);
    const rec = this.records.find((r) => r.blsPk === hex && !r.bad);
    if (rec) return { role: rec.role, name: rec.name, validatorOf: [] };
    for (const c of this.node.chains()) {
      const m = getMember(this.node.ledger.state(c), pk);
      if (m && isRole(m.role)) return { role: m.role, name: m.name, validatorOf: [] };
    }
    return null;
  };

  /** Re-reads DIR/peers.json when it changed: the directory of accepted peers and the clients. */
  private reloadPeers(force = false): void {
    const file = PeerList.pathIn(this.node.paths.dir);
    let mtime = 0;
    try {
      mtime = statSync(file).mtimeMs;
    } catch {
      mtime = 0;
    }
    if (!force && mtime === this.peersMtime) return;
    this.peersMtime = mtime;
    let list: PeerRecord[];
    try {
      list = PeerList.load(this.node.paths.dir).list();
    } catch (e) {
      this.emit('error', { where: 'peers', message: (e as Error).message });
      return;
    }
    this.records = list;
    const dir = new PeerDirectory(this.node.bls, this.knownKey);
    for (const r of list) {
      if (!r.binding) continue;
      try {
        const id = dir.add(decodeBindingString(r.binding));
        if (id.fingerprint !== r.fingerprint) dir.remove(id.fingerprint);
      } catch (e) {
        this.log(`pinned peer ${r.name} not accepted: ${(e as Error).message}`);
      }
    }
    this.directory = dir;
    const keep = new Set<string>();
    for (const r of list) {
      if (r.bad || !dialableAddress(r.address) || r.fingerprint === this.fingerprint) continue;
      keep.add(r.fingerprint);
      const cur = this.clients.get(r.fingerprint);
      if (cur && cur.address === r.address) continue;
      cur?.client.close();
      this.clients.set(r.fingerprint, { address: r.address, client: new PeerClient({ address: r.address, tls: this.tls, expectedFingerprint: r.fingerprint, timeoutMs: 10_000 }) });
    }
    for (const [fp, c] of this.clients) {
      if (!keep.has(fp)) {
        c.client.close();
        this.clients.delete(fp);
      }
    }
  }

  private authorize = (fp: string): PeerIdentity | null => {
    const id = this.directory?.authorize(fp);
    if (!id) return null;
    return { ...id, validatorOf: this.validatorOf(id.blsPk) };
  };

  peers(): PeerIdentity[] {
    return (this.directory?.list() ?? []).map((p) => ({ ...p, validatorOf: this.validatorOf(p.blsPk) }));
  }

  private dialPeers(): DialPeer[] {
    const out: DialPeer[] = [];
    for (const r of this.records) {
      const c = this.clients.get(r.fingerprint);
      if (c) out.push({ client: c.client, blsPkHex: r.blsPk, name: r.name, fingerprint: r.fingerprint });
    }
    return out;
  }

  // ---- start ------------------------------------------------------------------------------------

  async start(): Promise<void> {
    const node = this.node;
    // Other processes (trichain admit, status) may write the same database: wait for their locks
    // instead of failing (a failed append would otherwise blame the peer that sent the block).
    node.db.pragma('busy_timeout = 5000');
    this.tls = await loadOrCreateTlsIdentity(node.paths.dir, node.config.name.slice(0, 64));
    this.fingerprint = this.tls.fingerprint;
    this.reloadPeers(true);
    this.index.catchUp(); // replays the stored chains; finishes any interrupted shredding
    node.on('block', this.onBlock);
    node.on('tx', this.onTx);
    this.server = await startPeerServer({
      tls: this.tls,
      listen: this.o.listen ?? { host: '127.0.0.1', port: 0 },
      authorize: this.authorize,
      log: (e: NetLogEvent) => {
        if (e.event === 'refused') this.emit('refused', { reason: e.reason, fingerprint: e.fingerprint });
        if (e.event === 'refused' || e.event === 'handler-error') this.log(`[net] ${JSON.stringify(e)}`);
      },
      routes: [
        validatorPeersRoute(
          node,
          () => this.selfAd,
          () => this.fingerprint,
          () => this.reloadPeers(true),
        ),
        ...syncRoutes({
        store: this.store,
        blobMeta: (h) => this.index.meta(h),
        genesisDoc: (c) => genesisDocBytes(node, c),
        onTx: (chain, tx) => {
          const ans = acceptRelayedTx(node, chain, tx);
          if (ans.accepted) this.scheduleProduce();
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
      if (dialableAddress(advertise)) this.selfAd = { binding: ownBindingLine(node, this.fingerprint), address: advertise };
    } catch (e) {
      this.log(`no address advertised to peers: ${(e as Error).message}`);
    }
    this.producer = setInterval(() => this.produce(), this.o.produceIntervalMs ?? 250);
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

  // ---- producer (n = 1) -------------------------------------------------------------------------

  private scheduleProduce(): void {
    if (this.produceSoon || this.closed) return;
    this.produceSoon = setTimeout(() => {
      this.produceSoon = null;
      this.produce();
    }, 5);
  }

  private produce(): void {
    if (this.closed) return;
    for (const c of this.node.chains()) {
      if (this.engines.has(c)) continue;
      try {
        if (this.node.isSoloValidator(c) && this.node.mempool(c, 1).length > 0) this.node.commitPending(c);
      } catch (e) {
        // e.g. another process on this database committed the same height first: retried next tick.
        this.emit('error', { where: 'producer', message: (e as Error).message });
      }
    }
  }

  // ---- catch-up, bootstrap, blobs, relay ----------------------------------------------------------

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
      await this.bootstrap();
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
        for (const e of contactEvents(results.map((r) => ({ fingerprint: r.peer, ok: r.complete || !r.stopped, reason: r.badPeer?.reason ?? r.stopped })), this.records)) this.emit('contact', e);
      }
      if (signal.aborted) return;
      this.index.catchUp();
      await this.relay.runOnce(signal);
      if (signal.aborted) return;
      await this.fetchBlobs(signal);
    } catch (e) {
      if (!signal.aborted) this.emit('error', { where: 'sync', message: (e as Error).message });
    } finally {
      if (!signal.aborted) this.emit('tick');
    }
  }

  /** Validators find each other's addresses through their peers (./validators). */
  private async exchangePeers(signal: AbortSignal): Promise<void> {
    const peers = this.dialPeers();
    const key = peers.map((p) => p.fingerprint).sort().join(',');
    if (key === this.exchangedWith && Date.now() - this.lastExchange < (this.o.peerExchangeMs ?? 2000)) return;
    this.exchangedWith = key;
    this.lastExchange = Date.now();
    const changed = await exchangeValidatorPeers(
      this.node,
      peers.map((p) => p.client),
      this.selfAd,
      this.fingerprint,
      signal,
    );
    if (changed > 0) this.reloadPeers(true);
  }

  /** The store catch-up appends to (./sync-adapter catchUpStore). */
  private readonly catchUpStore: SyncStore;

  /** After `trichain join`: install the genesis of each chain this role replicates, checked against the invite. */
  private async bootstrap(): Promise<void> {
    const node = this.node;
    const join = readJoinState(node.paths.dir);
    if (!join) return;
    const role = node.config.role;
    // Chains this role replicates get their genesis installed; the others' are kept as trusted
    // anchors (checked against the invite's hashes) for verifying cross-chain proofs.
    const missing = CHAINS.filter((c) => !node.ledger.knownGenesis(c));
    if (missing.length > 0) {
      const peers = this.dialPeers().sort((a, b) => (a.fingerprint === join.via ? -1 : b.fingerprint === join.via ? 1 : 0));
      const answers: PeerAnswer[] = [];
      for (const chain of missing) {
        for (const p of peers) {
          try {
            const g = await fetchGenesis(p.client, chain, fromHex(join.genesis[chain], 32), this.session);
            const expected = fromHex(join.genesis[chain], 32);
            if (!CHAIN_POLICY[role].includes(chain)) node.ledger.trustGenesis(g, expected);
            else if (!node.ledger.hasGenesis(chain)) node.ledger.initGenesis(g, { light: isLightFor(role, chain) });
            this.emit('genesis', { chain, peer: p.name });
            answers.push({ fingerprint: p.fingerprint, ok: true });
            break;
          } catch (e) {
            this.log(`genesis of the ${chain} chain from ${p.name}: ${(e as Error).message}`);
            answers.push({ fingerprint: p.fingerprint, ok: false, reason: (e as Error).message });
          }
        }
      }
      for (const e of contactEvents(answers, this.records)) this.emit('contact', e);
    }
    if (!node.config.network && node.chains().length > 0) {
      node.config.network = join.network;
      try {
        writeConfig(node.paths.config, { ...readConfig(node.paths.config), network: join.network });
      } catch (e) {
        this.log(`could not record the network name: ${(e as Error).message}`);
      }
    }
  }

  private async fetchBlobs(signal: AbortSignal): Promise<void> {
    const me = { role: this.node.config.role, blsPk: this.node.identity.blsPublicKey, validatorOf: this.validatorOf(this.node.identity.blsPublicKey) };
    const clients = this.dialPeers().map((p) => p.client);
    if (clients.length === 0) return;
    const now = Date.now();
    let budget = 50;
    for (const [hex, meta] of this.index.entries()) {
      if (budget <= 0 || signal.aborted) break;
      if ((this.blobRetry.get(hex) ?? 0) > now) continue;
      const hash = fromHex(hex, 32);
      if (this.node.blobs.has(hash) || !mayReceiveBlob(me, meta)) continue;
      budget--;
      let got = false;
      for (const c of clients) {
        try {
          if (await fetchBlob(c, this.store, hash, this.session)) {
            got = true;
            break;
          }
        } catch {
          // next peer
        }
      }
      // Erased while it was in flight: shred it again.
      if (got && !this.index.entries().some(([h]) => h === hex)) this.node.blobs.delete(hash);
      if (!got) this.blobRetry.set(hex, now + 30_000);
    }
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
    if (this.producer) clearInterval(this.producer);
    if (this.produceSoon) clearTimeout(this.produceSoon);
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
    for (const c of this.clients.values()) c.client.close();
    this.clients.clear();
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
