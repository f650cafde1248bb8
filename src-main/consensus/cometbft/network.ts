/**
 * A CometBFT network of N validators of one chain on this machine (loopback), each with its own
 * database, ledger, ABCI application, CometBFT home and process: `trichain testnet --engine
 * cometbft`, the tests and the benchmark use it. Keys are made fresh; every validator is also a
 * founding hospital member, so it may author record.anchor transactions.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { x25519 } from '@noble/curves/ed25519.js';
import type { BlsApi } from '../../crypto/bls-types';
import { txSigningBytes } from '../../ledger/encoding';
import { Ledger } from '../../ledger/ledger';
import type { ChainId, Genesis, SignedTx } from '../../ledger/types';
import { openDatabase } from '../../storage/db';
import { configureHome, initHome, type CometHome } from './home';
import { toHex } from '../../codec/hex';
import { RemoteValidator } from './remote';
import { CometValidator } from './validator';

export interface NetworkKey {
  name: string;
  sk: Uint8Array;
  pk: Uint8Array;
  pop: Uint8Array;
  x25519Pk: Uint8Array;
}

/** A fresh key set for testnet validator i (BLS key with its proof of possession, an X25519 key). */
export function makeNetworkKey(bls: BlsApi, i: number): NetworkKey {
  const sk = bls.keygen(randomBytes(32));
  return { name: `Validator ${i}`, sk, pk: bls.publicKey(sk), pop: bls.popProve(sk), x25519Pk: x25519.getPublicKey(randomBytes(32)) };
}

/** The one-chain testnet genesis: every validator is also a hospital member; consensusKeys only on CometBFT. */
export function testnetGenesis(chain: ChainId, keys: readonly NetworkKey[], consensusKeys?: readonly Uint8Array[]): Genesis {
  return {
    chain,
    network: `testnet-${Date.now()}`,
    time: Date.now(),
    validators: keys.map((k, i) => ({ name: k.name, blsPk: k.pk, pop: k.pop, ...(consensusKeys ? { consensusKey: consensusKeys[i] } : {}) })),
    members: keys.map((k) => ({ name: k.name, role: 'hospital' as const, blsPk: k.pk, x25519Pk: k.x25519Pk, pop: k.pop })),
  };
}

export interface CometNetworkOptions {
  binary: string;
  dir: string;
  validators: number;
  chain?: ChainId;
  bls: BlsApi;
  /** Indices of validators whose vote extensions are faulty (testing). */
  faulty?: number[];
  /**
   * Each validator's ABCI application in a process of its own (remote.ts), as on separate servers;
   * this process then only reads their databases. Default: all applications in this process.
   */
  appProcesses?: boolean;
  log?(line: string): void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export class CometNetwork {
  readonly validators: (CometValidator | RemoteValidator)[] = [];
  readonly keys: NetworkKey[] = [];
  readonly ledgers: Ledger[] = [];
  genesis!: Genesis;

  private constructor(readonly o: CometNetworkOptions) {}

  get chain(): ChainId {
    return this.o.chain ?? 'hospital';
  }

  static async create(o: CometNetworkOptions): Promise<CometNetwork> {
    const net = new CometNetwork(o);
    await net.setup();
    return net;
  }

  private async setup(): Promise<void> {
    const { bls, dir } = this.o;
    const homes: CometHome[] = [];
    const ports: { p2p: number; rpc: number }[] = [];
    for (let i = 0; i < this.o.validators; i++) {
      const home = join(dir, `v${i}`, 'cometbft', this.chain);
      mkdirSync(home, { recursive: true });
      homes.push(initHome(this.o.binary, home));
      ports.push({ p2p: await freePort(), rpc: await freePort() });
      this.keys.push(makeNetworkKey(bls, i));
    }
    this.genesis = testnetGenesis(this.chain, this.keys, homes.map((h) => h.consensusKey));
    for (let i = 0; i < this.o.validators; i++) {
      const peers = homes.map((h, j) => (j === i ? '' : `${h.nodeId}@127.0.0.1:${ports[j].p2p}`)).filter(Boolean);
      configureHome(homes[i], this.genesis, { moniker: `validator-${i}`, ports: ports[i], peers, socket: join(homes[i].home, 'abci.sock') });
      const ledger = new Ledger(openDatabase(join(dir, `v${i}`, 'node.db')), bls);
      this.ledgers.push(ledger);
      this.validators.push(this.makeValidator(i, homes[i].home, ports[i].rpc));
    }
  }

  private makeValidator(i: number, home: string, rpcPort: number): CometValidator | RemoteValidator {
    if (this.o.appProcesses) {
      const k = this.keys[i];
      return new RemoteValidator({ binary: this.o.binary, home, db: join(this.o.dir, `v${i}`, 'node.db'), chain: this.chain, sk: toHex(k.sk), pk: toHex(k.pk), rpcPort, faulty: this.o.faulty?.includes(i) });
    }
    return new CometValidator({
      binary: this.o.binary,
      home,
      ledger: this.ledgers[i],
      chain: this.chain,
      bls: this.o.bls,
      blsSecretKey: this.keys[i].sk,
      blsPublicKey: this.keys[i].pk,
      rpcPort,
      faultyExtensions: this.o.faulty?.includes(i),
      log: this.o.log ? (l) => this.o.log!(`[v${i}] ${l}`) : undefined,
    });
  }

  /** Starts every validator and resolves when each one's RPC answers. */
  async start(timeoutMs = 30_000): Promise<void> {
    await Promise.all(this.validators.map((v) => v.start()));
    await Promise.all(this.validators.map((v) => v.ready(timeoutMs)));
  }

  /** Stops validator i's CometBFT and application (its database stays open); `kill`: SIGKILL. */
  async stopOne(i: number, kill = false): Promise<void> {
    await this.validators[i].stop(kill);
  }

  async startOne(i: number, timeoutMs = 30_000): Promise<void> {
    await this.validators[i].start();
    await this.validators[i].ready(timeoutMs);
  }

  heights(): number[] {
    return this.ledgers.map((l) => (l.hasGenesis(this.chain) ? l.height(this.chain) : 0));
  }

  /** Resolves when every listed validator's ledger reached `height` (or rejects after `timeoutMs`). */
  async waitForHeight(height: number, timeoutMs = 60_000, which: number[] = this.validators.map((_, i) => i)): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!which.every((i) => this.heights()[i] >= height)) {
      if (Date.now() > end) throw new Error(`timed out waiting for height ${height}; heights ${this.heights().join(', ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.validators.map((v) => v.stop()));
    for (const v of this.validators) v.close();
    for (const l of this.ledgers) l.db.close();
  }

  /** A signed record.anchor by validator `author` (a hospital member), ready to broadcast. */
  anchorTx(author: number, n: number): SignedTx {
    return anchorTx(this.o.bls, this.keys[author], this.chain, n);
  }
}

/** A record.anchor transaction of a fresh record (benchmarks and tests). */
export function anchorTx(bls: BlsApi, key: { sk: Uint8Array; pk: Uint8Array }, chain: ChainId, n: number): SignedTx {
  const rnd = (k: number) => new Uint8Array(randomBytes(k));
  const wk = () => ({ epk: rnd(32), nonce: rnd(12), ct: rnd(48) });
  const body = {
    recordId: `rec-${n}-${Buffer.from(rnd(6)).toString('hex')}`,
    version: 1,
    patient: key.pk,
    org: key.pk,
    resourceType: 'Observation',
    contentHash: rnd(32),
    blobHash: rnd(32),
    size: 64,
    labels: { category: 'observation', sensitivity: [], confidentiality: 'N', rulesVersion: 1 },
    keys: { patient: wk(), org: wk() },
  };
  const unsigned = { chain, type: 'record.anchor', author: key.pk, nonce: n, time: Date.now(), body };
  return { ...unsigned, sig: bls.sign(key.sk, txSigningBytes(unsigned as Omit<SignedTx, 'sig'>)) } as SignedTx;
}
