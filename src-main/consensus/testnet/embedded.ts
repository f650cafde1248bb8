/**
 * N validators of one chain on the embedded engine, in this process: each its own database,
 * ledger, mempool, ConsensusEngine (real BLS votes and certificates, real timers) and a message
 * bus that delivers on the next event-loop turn. `trichain testnet --engine embedded` and the
 * benchmark use it; a real deployment runs one `trichain start` per server instead.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '../../codec/hex';
import type { BlsApi } from '../../crypto/bls-types';
import { txId } from '../../ledger/encoding';
import { Ledger } from '../../ledger/ledger';
import { nextBlockTime } from '../../ledger/producer';
import type { ChainId, Genesis, SignedTx } from '../../ledger/types';
import { openDatabase } from '../../storage/db';
import type { ConsensusApp } from '../abci';
import { decodeProposal, encodeProposal } from '../app';
import { ConsensusEngine } from '../engine';
import type { Transport } from '../driver';
import { MemorySignGuard } from '../sign-guard';
import type { TimeoutConfig } from '../machine-events';
import { makeNetworkKey, testnetGenesis, type NetworkKey } from '../cometbft/network';

export interface EmbeddedNetworkOptions {
  dir: string;
  validators: number;
  bls: BlsApi;
  chain?: ChainId;
  maxBlockTxs?: number;
  timeouts?: TimeoutConfig;
}

class Member implements ConsensusApp {
  readonly mempool = new Map<string, SignedTx>();
  readonly genesisHash: Uint8Array;
  constructor(
    readonly ledger: Ledger,
    readonly chain: ChainId,
    private readonly maxTxs: number,
  ) {
    this.genesisHash = ledger.genesisHash(chain);
  }
  validatorsAt(h: number) {
    return this.ledger.validatorsAt(this.chain, h);
  }
  lastCommittedHeight() {
    return this.ledger.height(this.chain);
  }
  async prepareProposal(_height: number, time: number, proposer: number) {
    const candidates = [...this.mempool.values()].slice(0, this.maxTxs);
    const { header, txs, dropped } = this.ledger.prepareBlock(this.chain, candidates, proposer, nextBlockTime(this.ledger, this.chain, time));
    for (const d of dropped) this.mempool.delete(toHex(txId(d.tx)));
    return encodeProposal(header, txs);
  }
  async processProposal(height: number, value: { hash: Uint8Array; bytes: Uint8Array }) {
    try {
      const p = decodeProposal(value.bytes);
      if (p.header.height !== height) return { accept: false as const, reason: 'wrong height' };
      this.ledger.checkProposal(p.header, p.txs);
      return { accept: true as const };
    } catch (e) {
      return { accept: false as const, reason: (e as Error).message };
    }
  }
  async finalizeBlock(height: number, value: { hash: Uint8Array; bytes: Uint8Array }, cert: import('../../ledger/types').Certificate) {
    if (this.ledger.height(this.chain) >= height) return;
    const { header, txs } = decodeProposal(value.bytes);
    this.ledger.commitBlock({ header, txs, cert });
    for (const tx of txs) this.mempool.delete(toHex(txId(tx)));
  }
  async commit() {}
  committedAt(height: number) {
    const b = this.ledger.block(this.chain, height);
    return b ? { value: encodeProposal(b.header, b.txs), certificate: b.cert } : undefined;
  }
}

export class EmbeddedNetwork {
  readonly keys: NetworkKey[] = [];
  readonly ledgers: Ledger[] = [];
  readonly engines: ConsensusEngine[] = [];
  private readonly members: Member[] = [];
  private readonly handlers: ((from: string, msg: Uint8Array) => void)[] = [];
  private readonly down = new Set<number>();
  genesis!: Genesis;

  constructor(readonly o: EmbeddedNetworkOptions) {
    const { bls } = o;
    for (let i = 0; i < o.validators; i++) this.keys.push(makeNetworkKey(bls, i));
    this.genesis = testnetGenesis(this.chain, this.keys);
    for (let i = 0; i < o.validators; i++) {
      mkdirSync(join(o.dir, `v${i}`), { recursive: true });
      const ledger = new Ledger(openDatabase(join(o.dir, `v${i}`, 'node.db')), bls);
      ledger.initGenesis(this.genesis);
      this.ledgers.push(ledger);
      const member = new Member(ledger, this.chain, o.maxBlockTxs ?? 5000);
      this.members.push(member);
      const transport: Transport = {
        broadcast: (msg) => this.handlers.forEach((h, j) => j !== i && !this.down.has(j) && !this.down.has(i) && setImmediate(() => h(`v${i}`, msg))),
        send: (to, msg) => {
          const j = Number(to.slice(1));
          if (!this.down.has(j) && !this.down.has(i)) setImmediate(() => this.handlers[j]?.(`v${i}`, msg));
        },
        onMessage: (h) => (this.handlers[i] = h),
      };
      this.engines.push(new ConsensusEngine({ app: member, transport, bls, secretKey: this.keys[i].sk, publicKey: this.keys[i].pk, signGuard: new MemorySignGuard(), timeouts: o.timeouts }));
    }
  }

  get chain(): ChainId {
    return this.o.chain ?? 'hospital';
  }

  async start(): Promise<void> {
    for (const e of this.engines) e.start();
  }

  /** Queues a signed transaction in validator i's mempool (it proposes it on its turn). */
  submit(i: number, tx: SignedTx): void {
    this.ledgers[i].checkTxForm(tx, this.chain);
    this.members[i].mempool.set(toHex(txId(tx)), tx);
  }

  async stopOne(i: number): Promise<void> {
    this.down.add(i);
    this.engines[i].stop();
  }

  async startOne(i: number): Promise<void> {
    this.down.delete(i);
    this.engines[i].start();
  }

  heights(): number[] {
    return this.ledgers.map((l) => l.height(this.chain));
  }

  async stop(): Promise<void> {
    for (const e of this.engines) e.stop();
    await new Promise((r) => setTimeout(r, 20));
    for (const l of this.ledgers) l.db.close();
  }
}
