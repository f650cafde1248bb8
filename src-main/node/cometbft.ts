/**
 * `trichain start --engine cometbft`: one CometBFT per chain this node validates together with
 * others (src-main/consensus/cometbft), supervised beside the daemon.
 *
 * Per chain: a home in DIR/cometbft/<chain> (created with `cometbft init` on first start: its
 * validator and node keys are the node's one CometBFT identity, DIR/cometbft/validator, which
 * `trichain start --engine cometbft` prints: the key for `trichain validators add --consensus-key`),
 * configured from the chain's genesis (validators must name their CometBFT keys:
 * ValidatorInfo.consensusKey). Peers and ports need no file (./comet-peers): the node puts its
 * CometBFT node ID and each chain's P2P address (the host of its advertised peer address) in its
 * signed peer ad, learns the other validators' from theirs, and restarts a chain's CometBFT when
 * that chain's list of persistent peers changes (a validator added, removed, or moved). The P2P
 * listener binds to the host the peer server listens on. DIR/cometbft/cometbft.json overrides, per chain:
 *   { "<chain>": { "p2p": 26656, "rpc": 26657, "host": "0.0.0.0", "advertise": "host:port", "peers": ["<node id>@host:port", …] } }
 * (explicit ports, bind host, advertised P2P address, or a fixed peers list replacing the learnt one). The ABCI
 * application runs in this process on the node's database; CometBFT runs as a child process,
 * restarted when it crashes, stopped with the node; its log is DIR/cometbft/<chain>/cometbft.log.
 * The node's own submissions (its mempool) are relayed to CometBFT's mempool.
 * A chain this node validates alone stays on the embedded path (the solo producer).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { bytesEqual } from '../codec/canonical';
import { toHex } from '../codec/hex';
import { encodeTx } from '../consensus/cometbft/block';
import { setCometHeight } from '../consensus/cometbft/application';
import { configureHome, initHome, nodeValidatorKey, type CometHome, type HomeConfig } from '../consensus/cometbft/home';
import { cometStartHeight, isCometSet } from '../consensus/cometbft/validators';
import { CometValidator } from '../consensus/cometbft/validator';
import type { CometProcessState } from '../consensus/cometbft/process';
import { blockHash, txId } from '../ledger/encoding';
import { type ChainId, type ValidatorInfo } from '../ledger/types';
import { CHAINS } from '../../src-shared/vocabulary';
import { parseAddress } from '../net/client';
import { cometAdSchema, type CometAd } from '../net/peers';
import { cometPeersOf, resolveCometPorts, validatorSetsFrom, type CometPorts } from './comet-peers';
import type { Daemon } from './daemon';
import type { TrichainNode } from './node';
import { dialableAddress } from './peer-ads';
import { isValidator } from './validators';

const port = z.number().int().min(1).max(65535);
const hostPort = z.string().max(300).refine(dialableAddress, 'must be a dialable host:port');
const chainSettings = z
  .object({
    p2p: port.optional(),
    rpc: port.optional(),
    host: z.string().min(1).max(255).regex(/^[A-Za-z0-9.:-]+$/, 'must be a host name or IP address').optional(),
    advertise: hostPort.optional(),
    peers: z.array(z.string().max(400).regex(/^[0-9a-f]{40}@\S+:\d{1,5}$/, 'must be "<40 hex node id>@host:port"')).max(256).optional(),
  })
  .strict();
const settingsSchema = z.partialRecord(z.enum(CHAINS), chainSettings).refine((o) => o && typeof o === 'object', 'must be an object');

export type ChainSettings = z.infer<typeof chainSettings>;

/** DIR/cometbft/cometbft.json (the operator's overrides), checked: a bad file is an error naming the field. */
export function readCometSettings(dir: string): Partial<Record<ChainId, ChainSettings>> {
  const f = join(dir, 'cometbft', 'cometbft.json');
  if (!existsSync(f)) return {};
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(f, 'utf8'));
  } catch (e) {
    throw new Error(`${f}: ${(e as Error).message}`);
  }
  const r = settingsSchema.safeParse(json);
  if (!r.success) throw new Error(`${f}: ${r.error.issues.map((i) => `${i.path.join('.') || '(top)'} ${i.message}`).join('; ')}`);
  return r.data;
}

/** This node's CometBFT peer identity: its node ID, and per chain `advertise` or the advertised peer host with its P2P port. */
export function cometAdOf(nodeId: string, advertisedPeer: string, ports: Record<ChainId, CometPorts>, settings: Partial<Record<ChainId, ChainSettings>>): CometAd {
  const { host } = parseAddress(advertisedPeer);
  const h = host.includes(':') ? `[${host}]` : host;
  return cometAdSchema.parse({ node: nodeId, p2p: Object.fromEntries(CHAINS.map((c) => [c, settings[c]?.advertise ?? `${h}:${ports[c].p2p}`])) });
}

/** The host CometBFT's P2P listener binds to: cometbft.json's, else the peer server's listen host (any IPv6 wildcard as 0.0.0.0). */
function bindHost(s: ChainSettings, daemon: Daemon | undefined): string {
  if (s.host) return s.host;
  if (!daemon?.listen) return '127.0.0.1';
  const { host } = parseAddress(daemon.listen);
  return host.includes(':') ? (host === '::' ? '0.0.0.0' : '127.0.0.1') : host;
}

export class CometEngines {
  readonly validators = new Map<ChainId, CometValidator>();
  private relayTimer: ReturnType<typeof setInterval> | null = null;
  private checkTimer: ReturnType<typeof setInterval> | null = null;
  private checking = false;
  private stopped = false;
  private readonly sent = new Set<string>();
  private ports: Record<ChainId, CometPorts> | null = null;
  /** Each running chain's home and configuration (its peers replaced when they change). */
  private readonly configured = new Map<ChainId, { home: CometHome; cfg: HomeConfig; fixed: boolean }>();

  constructor(
    private readonly node: TrichainNode,
    private readonly o: { binary: string; daemon?: Daemon; log?(line: string): void; onCommit?(chain: ChainId, height: number, txs: number): void; onStart?(chain: ChainId, home: string): void; onStop?(chain: ChainId): void },
  ) {}

  /** This node's CometBFT identity: its validator key (to name in validator sets) and node ID (for peers' persistent_peers). */
  identity(): { consensusKey: Uint8Array; nodeId: string } {
    const h = nodeValidatorKey(this.o.binary, this.node.paths.dir);
    return { consensusKey: h.consensusKey, nodeId: h.nodeId };
  }

  /** The chains CometBFT runs for this node. */
  chains(): ChainId[] {
    return [...this.validators.keys()];
  }

  /**
   * This node's entry in the chain's CometBFT validator set in force at the next height, or, when the
   * chain already runs on CometBFT, in a set scheduled after it: a validator being added starts its
   * CometBFT at once, as a full node that replays the chain from CometBFT's start, so that it has
   * caught up when its change takes effect (with three validators, all three are the quorum). Null
   * otherwise (a solo founder's chain waits for its handover height).
   */
  private ownEntry(chain: ChainId): ValidatorInfo | null {
    const [now, ...later] = validatorSetsFrom(this.node, chain, this.node.ledger.height(chain) + 1);
    if (!now || !isCometSet(now)) return null;
    for (const vs of [now, ...later]) {
      const me = isCometSet(vs) ? vs.find((v) => bytesEqual(v.blsPk, this.node.identity.blsPublicKey)) : undefined;
      if (me) return me;
    }
    return null;
  }

  /** Chains this node validates with others (or is about to), whose validators all name a CometBFT key. */
  eligible(): ChainId[] {
    return this.node.chains().filter((c) => this.ownEntry(c) !== null);
  }

  /** Whether CometBFT runs, or is about to run, `chain` here (the embedded engine leaves it alone). */
  handles(chain: ChainId): boolean {
    return this.validators.has(chain) || this.eligible().includes(chain);
  }

  /**
   * Starts CometBFT for each eligible chain, and keeps checking: a chain becomes eligible when a
   * validator-set change makes this node one of its validators: once its catch-up over HTTPS holds
   * that change (a validator added to a chain on CometBFT), or the block before the handover.
   */
  async start(): Promise<void> {
    const settings = readCometSettings(this.node.paths.dir);
    this.ports = await resolveCometPorts(this.node.paths.dir, settings);
    const advertised = this.o.daemon?.advertised;
    if (advertised) this.o.daemon!.advertiseComet(cometAdOf(this.identity().nodeId, advertised, this.ports, settings));
    for (const chain of this.eligible()) await this.startChain(chain);
    this.checkTimer = setInterval(() => void this.check(), 1000);
    this.relayTimer = setInterval(() => void this.relay(), 200);
  }

  private async check(): Promise<void> {
    if (this.checking || this.stopped) return;
    this.checking = true;
    try {
      const eligible = this.eligible();
      for (const chain of eligible) if (!this.validators.has(chain)) await this.startChain(chain);
      for (const chain of [...this.validators.keys()]) await (eligible.includes(chain) || this.votesNext(chain) ? this.updatePeers(chain) : this.stopChain(chain));
    } catch (e) {
      this.o.log?.(`[cometbft] ${(e as Error).message}`);
    } finally {
      this.checking = false;
    }
  }

  private async startChain(chain: ChainId): Promise<void> {
    const { node } = this;
    const settings = readCometSettings(node.paths.dir);
    const s = settings[chain] ?? {};
    const home = initHome(this.o.binary, join(node.paths.dir, 'cometbft', chain), nodeValidatorKey(this.o.binary, node.paths.dir).home);
    const me = this.ownEntry(chain);
    if (!me) throw new Error(`${chain}: this node is no CometBFT validator of it`);
    if (!bytesEqual(me.consensusKey!, home.consensusKey)) {
      throw new Error(`${chain}: the validator set names another CometBFT key for this node than ${home.home}/config/priv_validator_key.json (${Buffer.from(home.consensusKey).toString('base64')})`);
    }
    // Where CometBFT takes over: 1, or the height at which a validator-set change handed the chain
    // from its solo founder to a CometBFT set (the block before it is then CometBFT's genesis state).
    const startHeight = cometStartHeight(node.ledger, chain, node.ledger.height(chain) + 1)!;
    const before = startHeight > 1 ? node.ledger.block(chain, startHeight - 1) : null;
    if (startHeight > 1 && !before) throw new Error(`${chain}: CometBFT takes over at height ${startHeight}; block ${startHeight - 1} is not here yet`);
    const start = before ? { height: startHeight, appHash: blockHash(before.header), time: before.header.time, validators: node.ledger.validatorsAt(chain, startHeight) } : undefined;
    // A fresh CometBFT home starts from its genesis (InitChain), whatever the ledger already holds:
    // the founder's blocks before the handover, or what catch-up fetched (application.ts info).
    if (!existsSync(join(home.home, 'data', 'blockstore.db'))) setCometHeight(node.ledger, chain, 0);
    const ports = this.ports![chain];
    const host = bindHost(s, this.o.daemon);
    const cfg: HomeConfig = { moniker: `${node.config.name}-${chain}`, ports, host, peers: s.peers ?? cometPeersOf(node, chain), socket: join(home.home, 'abci.sock'), logLevel: 'state:info,p2p:info,*:error', start };
    configureHome(home, node.ledger.genesis(chain), cfg);
    this.configured.set(chain, { home, cfg, fixed: s.peers !== undefined });
    const v = new CometValidator({
      binary: this.o.binary,
      home: home.home,
      ledger: node.ledger,
      chain,
      bls: node.bls,
      blsSecretKey: node.identity.blsSecretKey,
      blsPublicKey: node.identity.blsPublicKey,
      rpcPort: ports.rpc,
      startHeight,
      log: this.o.log,
      onCommitted: (height, txs) => {
        node.emit('block', { chain, height, txs: txs.length });
        this.o.onCommit?.(chain, height, txs.length);
      },
    });
    await v.start();
    this.validators.set(chain, v);
    this.o.onStart?.(chain, home.home);
    this.o.log?.(`[cometbft] ${chain}: node ${home.nodeId}, p2p ${host}:${ports.p2p}, rpc 127.0.0.1:${ports.rpc}, peers ${cfg.peers.length}, log ${home.home}/cometbft.log`);
  }

  /**
   * Restarts a chain's CometBFT with its new persistent peers when the learnt list changed (CometBFT
   * reads them only at start; the ABCI application stays, as after a crash: CometBFT's handshake
   * replays what it had not committed).
   */
  private async updatePeers(chain: ChainId): Promise<void> {
    const c = this.configured.get(chain);
    const v = this.validators.get(chain);
    if (!c || !v || c.fixed || this.stopped) return;
    const peers = cometPeersOf(this.node, chain);
    if (peers.join(',') === c.cfg.peers.join(',')) return;
    this.o.log?.(`[cometbft] ${chain}: persistent peers now ${peers.length} (${peers.map((p) => p.slice(0, 8)).join(', ')}): restarting CometBFT`);
    c.cfg = { ...c.cfg, peers };
    await v.process.stop();
    if (this.stopped) return;
    configureHome(c.home, this.node.ledger.genesis(chain), c.cfg);
    v.process.start();
  }

  /**
   * Whether this node is in CometBFT's set at the next height: the ledger's set at the committed
   * height h (validators.ts). A removed validator still votes at the removal's height E (CometBFT
   * applies it at E + 1), and its extension there signs block E − 1, whose certificate needs it.
   */
  private votesNext(chain: ChainId): boolean {
    return isValidator(this.node.ledger.validatorsAt(chain, this.node.ledger.height(chain)), this.node.identity.blsPublicKey);
  }

  /**
   * Stops a chain's CometBFT once this node is no longer among its validators (removed: not in the
   * set at its committed height nor in any later one): the chain goes on over HTTPS catch-up.
   */
  private async stopChain(chain: ChainId): Promise<void> {
    const v = this.validators.get(chain)!;
    this.validators.delete(chain);
    this.configured.delete(chain);
    await v.stop();
    v.close();
    this.o.log?.(`[cometbft] ${chain}: no longer a validator here: CometBFT stopped`);
    this.o.onStop?.(chain);
  }

  /** Each chain CometBFT runs here: its supervisor's state and how many persistent peers it was given. */
  status(): Partial<Record<ChainId, CometProcessState & { peers: number }>> {
    const out: Partial<Record<ChainId, CometProcessState & { peers: number }>> = {};
    for (const [chain, v] of this.validators) out[chain] = { ...v.process.state(), peers: this.configured.get(chain)?.cfg.peers.length ?? 0 };
    return out;
  }

  /** Hands the node's pending transactions to CometBFT's mempool (once each). */
  private async relay(): Promise<void> {
    for (const [chain, v] of this.validators) {
      for (const tx of this.node.mempool(chain, 1000)) {
        const id = toHex(txId(tx));
        if (this.sent.has(id)) continue;
        this.sent.add(id);
        try {
          const r = await v.broadcast(encodeTx(tx), 'sync');
          if (r.code !== 0) this.o.log?.(`[cometbft] ${chain}: CometBFT refused ${id.slice(0, 16)}…: ${r.log ?? r.code}`);
        } catch (e) {
          this.sent.delete(id); // CometBFT not up yet: try again
          this.o.log?.(`[cometbft] ${chain}: ${(e as Error).message}`);
          return;
        }
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.relayTimer) clearInterval(this.relayTimer);
    if (this.checkTimer) clearInterval(this.checkTimer);
    for (const v of this.validators.values()) {
      await v.stop();
      v.close();
    }
  }
}
