/**
 * `trichain start --engine cometbft`: one CometBFT per chain this node validates together with
 * others (src-main/consensus/cometbft), supervised beside the daemon.
 *
 * Per chain: a home in DIR/cometbft/<chain> (created with `cometbft init` on first start: its
 * ed25519 validator and node keys), configured from the chain's genesis (validators must name
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
import { configureHome, initHome } from '../consensus/cometbft/home';
import { CometValidator } from '../consensus/cometbft/validator';
import { txId } from '../ledger/encoding';
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
  private readonly sent = new Set<string>();

  constructor(
    private readonly node: TrichainNode,
    private readonly o: { binary: string; log?(line: string): void; onCommit?(chain: ChainId, height: number, txs: number): void },
  ) {}

  /** The chains CometBFT runs for this node. */
  chains(): ChainId[] {
    return [...this.validators.keys()];
  }

  /** Chains this node validates with others, whose validators all name a CometBFT key. */
  eligible(): ChainId[] {
    const { ledger, identity } = this.node;
    return this.node.chains().filter((c) => {
      const vs = ledger.validatorsAt(c, ledger.height(c) + 1);
      return vs.length > 1 && vs.some((v) => bytesEqual(v.blsPk, identity.blsPublicKey)) && vs.every((v) => v.consensusKey);
    });
  }

  async start(): Promise<void> {
    const { node } = this;
    const settings = readCometSettings(node.paths.dir);
    for (const chain of this.eligible()) {
      const i = CHAINS.indexOf(chain);
      const s = settings[chain] ?? {};
      const home = initHome(this.o.binary, join(node.paths.dir, 'cometbft', chain));
      const vs = node.ledger.validatorsAt(chain, node.ledger.height(chain) + 1);
      const me = vs.find((v) => bytesEqual(v.blsPk, node.identity.blsPublicKey))!;
      if (!bytesEqual(me.consensusKey!, home.consensusKey)) {
        throw new Error(`${chain}: the validator set names another CometBFT key for this node than ${home.home}/config/priv_validator_key.json (${Buffer.from(home.consensusKey).toString('base64')})`);
      }
      const ports = { p2p: s.p2p ?? 26656 + 10 * i, rpc: s.rpc ?? 26657 + 10 * i };
      configureHome(home, node.ledger.genesis(chain), { moniker: `${node.config.name}-${chain}`, ports, host: s.host, peers: s.peers ?? [], socket: join(home.home, 'abci.sock'), logLevel: 'state:info,p2p:info,*:error' });
      const v = new CometValidator({
        binary: this.o.binary,
        home: home.home,
        ledger: node.ledger,
        chain,
        bls: node.bls,
        blsSecretKey: node.identity.blsSecretKey,
        blsPublicKey: node.identity.blsPublicKey,
        rpcPort: ports.rpc,
        log: this.o.log,
        onCommitted: (height, txs) => {
          node.emit('block', { chain, height, txs: txs.length });
          this.o.onCommit?.(chain, height, txs.length);
        },
      });
      await v.start();
      this.validators.set(chain, v);
      this.o.log?.(`[cometbft] ${chain}: node ${home.nodeId}, p2p ${s.host ?? '127.0.0.1'}:${ports.p2p}, rpc 127.0.0.1:${ports.rpc}, log ${home.home}/cometbft.log`);
    }
    if (this.validators.size > 0) this.relayTimer = setInterval(() => void this.relay(), 200);
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
    if (this.relayTimer) clearInterval(this.relayTimer);
    for (const v of this.validators.values()) {
      await v.stop();
      v.close();
    }
  }
}
