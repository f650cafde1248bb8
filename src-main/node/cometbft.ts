/**
 * `trichain start --engine cometbft`: one CometBFT per chain this node validates together with
 * others (src-main/consensus/cometbft), supervised beside the daemon.
 *
 * Per chain: a home in DIR/cometbft/<chain> (created with `cometbft init` on first start: its
 * validator and node keys are the node's one CometBFT identity, DIR/cometbft/validator, which
 * `trichain start --engine cometbft` prints: the key for `trichain validators add --consensus-key`,
 * the node ID for the other validators' peers lists), configured from the chain's genesis (validators must name
 * their CometBFT keys: ValidatorInfo.consensusKey) and DIR/cometbft/cometbft.json:
 *   { "<chain>": { "p2p": 26656, "rpc": 26657, "host": "0.0.0.0", "peers": ["<node id>@host:port", …] } }
 * (defaults: ports 26656 + 10·i and 26657 + 10·i for the i-th chain, loopback, no peers). The ABCI
 * application runs in this process on the node's database; CometBFT runs as a child process,
 * restarted when it crashes, stopped with the node; its log is DIR/cometbft/<chain>/cometbft.log.
 * The node's own submissions (its mempool) are relayed to CometBFT's mempool.
 * A chain this node validates alone stays on the embedded path (the solo producer).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesEqual } from '../codec/canonical';
import { toHex } from '../codec/hex';
import { encodeTx } from '../consensus/cometbft/block';
import { setCometHeight } from '../consensus/cometbft/application';
import { configureHome, initHome, nodeValidatorKey } from '../consensus/cometbft/home';
import { cometStartHeight, isCometSet } from '../consensus/cometbft/validators';
import { CometValidator } from '../consensus/cometbft/validator';
import { blockHash, txId } from '../ledger/encoding';
import { type ChainId } from '../ledger/types';
import { CHAINS } from '../../src-shared/vocabulary';
import type { TrichainNode } from './node';

export interface ChainSettings {
  p2p?: number;
  rpc?: number;
  host?: string;
  peers?: string[];
}

export function readCometSettings(dir: string): Partial<Record<ChainId, ChainSettings>> {
  const f = join(dir, 'cometbft', 'cometbft.json');
  if (!existsSync(f)) return {};
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as Partial<Record<ChainId, ChainSettings>>;
  } catch (e) {
    throw new Error(`${f}: ${(e as Error).message}`);
  }
}

export class CometEngines {
  readonly validators = new Map<ChainId, CometValidator>();
  private relayTimer: ReturnType<typeof setInterval> | null = null;
  private checkTimer: ReturnType<typeof setInterval> | null = null;
  private checking = false;
  private stopped = false;
  private readonly sent = new Set<string>();

  constructor(
    private readonly node: TrichainNode,
    private readonly o: { binary: string; log?(line: string): void; onCommit?(chain: ChainId, height: number, txs: number): void; onStart?(chain: ChainId, home: string): void },
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

  /** Chains this node validates with others, whose validators all name a CometBFT key. */
  eligible(): ChainId[] {
    const { ledger, identity } = this.node;
    return this.node.chains().filter((c) => {
      const vs = ledger.validatorsAt(c, ledger.height(c) + 1);
      return isCometSet(vs) && vs.some((v) => bytesEqual(v.blsPk, identity.blsPublicKey));
    });
  }

  /** Whether CometBFT runs, or is about to run, `chain` here (the embedded engine leaves it alone). */
  handles(chain: ChainId): boolean {
    return this.validators.has(chain) || this.eligible().includes(chain);
  }

  /**
   * Starts CometBFT for each eligible chain, and keeps checking: a chain becomes eligible when a
   * validator-set change makes this node one of its validators (a validator added to a running
   * chain), once its catch-up over HTTPS has reached the height where the change is in force.
   */
  async start(): Promise<void> {
    for (const chain of this.eligible()) await this.startChain(chain);
    this.checkTimer = setInterval(() => void this.check(), 1000);
    this.relayTimer = setInterval(() => void this.relay(), 200);
  }

  private async check(): Promise<void> {
    if (this.checking || this.stopped) return;
    this.checking = true;
    try {
      for (const chain of this.eligible()) if (!this.validators.has(chain)) await this.startChain(chain);
    } catch (e) {
      this.o.log?.(`[cometbft] ${(e as Error).message}`);
    } finally {
      this.checking = false;
    }
  }

  private async startChain(chain: ChainId): Promise<void> {
    const { node } = this;
    const settings = readCometSettings(node.paths.dir);
    const i = CHAINS.indexOf(chain);
    const s = settings[chain] ?? {};
    const home = initHome(this.o.binary, join(node.paths.dir, 'cometbft', chain), nodeValidatorKey(this.o.binary, node.paths.dir).home);
    const vs = node.ledger.validatorsAt(chain, node.ledger.height(chain) + 1);
    const me = vs.find((v) => bytesEqual(v.blsPk, node.identity.blsPublicKey))!;
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
    const ports = { p2p: s.p2p ?? 26656 + 10 * i, rpc: s.rpc ?? 26657 + 10 * i };
    configureHome(home, node.ledger.genesis(chain), { moniker: `${node.config.name}-${chain}`, ports, host: s.host, peers: s.peers ?? [], socket: join(home.home, 'abci.sock'), logLevel: 'state:info,p2p:info,*:error', start });
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
    this.o.log?.(`[cometbft] ${chain}: node ${home.nodeId}, p2p ${s.host ?? '127.0.0.1'}:${ports.p2p}, rpc 127.0.0.1:${ports.rpc}, log ${home.home}/cometbft.log`);
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
