/**
 * `trichain testnet`: N validators of one chain on this machine, M signed record.anchor
 * transactions, one JSON line: {engine, validators, txs, committed, seconds, txPerSec, height,
 * certificateBytes, forks[, killed, caughtUp]}. Everything it starts it stops.
 *   seconds   from the first submission until every running validator committed all M (on
 *             CometBFT the run then also waits, untimed, for those blocks' certificates)
 *   forks     heights at which two validators store different blocks (must be 0)
 *   --app-processes  (cometbft) each validator's application in a process of its own, as on separate servers
 *   --kill-one  validator N−1 is stopped once half the transactions are committed and restarted
 *             at the end; caughtUp says whether it then reached the others with every transaction.
 */
import { mkdirSync } from 'node:fs';
import { bytesEqual } from '../../codec/canonical';
import type { BlsApi } from '../../crypto/bls-types';
import { blockHash } from '../../ledger/encoding';
import type { Ledger } from '../../ledger/ledger';
import type { ChainId, SignedTx } from '../../ledger/types';
import { encodeTx } from '../cometbft/block';
import { anchorTx, CometNetwork } from '../cometbft/network';
import { EmbeddedNetwork } from './embedded';

export type Engine = 'cometbft' | 'embedded';

export interface TestnetOptions {
  engine: Engine;
  validators: number;
  dir: string;
  txs: number;
  killOne?: boolean;
  bls: BlsApi;
  /** The CometBFT binary (engine cometbft). */
  binary?: string;
  /** cometbft: each validator's ABCI application in a process of its own (default: all in this one). */
  appProcesses?: boolean;
  timeoutMs?: number;
  log?(line: string): void;
}

export interface TestnetReport {
  engine: Engine;
  validators: number;
  txs: number;
  committed: number;
  seconds: number;
  txPerSec: number;
  height: number;
  certificateBytes: number;
  forks: number;
  killed?: number;
  caughtUp?: boolean;
}

interface Net {
  ledgers: Ledger[];
  chain: ChainId;
  keys: { sk: Uint8Array; pk: Uint8Array }[];
  submit(i: number, tx: SignedTx): Promise<void>;
  stopOne(i: number): Promise<void>;
  startOne(i: number): Promise<void>;
  stop(): Promise<void>;
}

const countTxs = (l: Ledger, chain: ChainId): number => (l.db.prepare('SELECT COUNT(*) FROM txs WHERE chain = ?').pluck().get(chain) as number) ?? 0;

/** Heights at which two ledgers store different blocks. */
export function countForks(ledgers: Ledger[], chain: ChainId): number {
  const top = Math.min(...ledgers.map((l) => l.height(chain)));
  let forks = 0;
  for (let h = 1; h <= top; h++) {
    const first = blockHash(ledgers[0].block(chain, h)!.header);
    if (ledgers.some((l) => !bytesEqual(blockHash(l.block(chain, h)!.header), first))) forks++;
  }
  return forks;
}

async function until(what: string, f: () => boolean, deadline: number): Promise<void> {
  while (!f()) {
    if (Date.now() > deadline) throw new Error(`testnet: timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function open(o: TestnetOptions): Promise<Net> {
  if (o.engine === 'cometbft') {
    if (!o.binary) throw new Error('testnet: the cometbft engine needs the CometBFT binary (npm run cometbft)');
    const net = await CometNetwork.create({ binary: o.binary, dir: o.dir, validators: o.validators, bls: o.bls, log: o.log, appProcesses: o.appProcesses });
    await net.start();
    return {
      ledgers: net.ledgers, chain: net.chain, keys: net.keys,
      submit: async (i, tx) => {
        const r = await net.validators[i].broadcast(encodeTx(tx));
        if (r.code !== 0) throw new Error(`testnet: validator ${i} refused a transaction: ${r.log ?? r.code}`);
      },
      stopOne: (i) => net.stopOne(i, true), startOne: (i) => net.startOne(i), stop: () => net.stop(),
    };
  }
  const net = new EmbeddedNetwork({ dir: o.dir, validators: o.validators, bls: o.bls });
  await net.start();
  return {
    ledgers: net.ledgers, chain: net.chain, keys: net.keys,
    submit: async (i, tx) => net.submit(i, tx),
    stopOne: (i) => net.stopOne(i), startOne: (i) => net.startOne(i), stop: () => net.stop(),
  };
}

export async function runTestnet(o: TestnetOptions): Promise<TestnetReport> {
  if (!Number.isInteger(o.validators) || o.validators < 1) throw new Error('testnet: --validators must be a positive integer');
  if (!Number.isInteger(o.txs) || o.txs < 0) throw new Error('testnet: --txs must be a non-negative integer');
  if (o.killOne && o.validators < 4) throw new Error('testnet: --kill-one needs at least 4 validators (3f + 1 with f = 1)');
  mkdirSync(o.dir, { recursive: true });
  const net = await open(o);
  const deadline = Date.now() + (o.timeoutMs ?? 600_000);
  const n = o.validators;
  const killed = o.killOne ? n - 1 : -1;
  const live = () => net.ledgers.filter((_, i) => i !== killed || !down);
  let down = false;
  try {
    const authors = o.killOne ? n - 1 : n;
    const txs = Array.from({ length: o.txs }, (_, i) => anchorTx(o.bls, net.keys[i % authors], net.chain, Math.floor(i / authors)));
    const t0 = Date.now();
    let next = 0;
    const submitter = async () => {
      while (next < txs.length) {
        const i = next++;
        await net.submit(i % authors, txs[i]);
      }
    };
    const submitting = Promise.all(Array.from({ length: 16 }, submitter));
    if (o.killOne) {
      await until('half the transactions are committed', () => countTxs(net.ledgers[0], net.chain) >= Math.floor(o.txs / 2), deadline);
      await net.stopOne(killed);
      down = true;
    }
    await submitting;
    await until('every transaction is committed', () => live().every((l) => countTxs(l, net.chain) >= o.txs), deadline);
    const seconds = (Date.now() - t0) / 1000;
    // On CometBFT a block's certificate lands two heights later: wait for the blocks holding them.
    const committedTop = Math.max(...live().map((l) => l.height(net.chain)));
    await until('the blocks holding them are certified', () => live().every((l) => l.certifiedHeight(net.chain) >= committedTop), deadline);
    let caughtUp: boolean | undefined;
    if (o.killOne) {
      await net.startOne(killed);
      down = false;
      const target = Math.max(...net.ledgers.map((l) => l.height(net.chain)));
      try {
        await until('the restarted validator caught up', () => net.ledgers[killed].height(net.chain) >= target && countTxs(net.ledgers[killed], net.chain) >= o.txs, deadline);
        caughtUp = true;
      } catch {
        caughtUp = false;
      }
    }
    const ledgers = net.ledgers.filter((_, i) => i !== killed || caughtUp);
    const certified = Math.min(...ledgers.map((l) => l.certifiedHeight(net.chain)));
    const cert = certified > 0 ? ledgers[0].block(net.chain, certified)!.cert : undefined;
    const report: TestnetReport = {
      engine: o.engine,
      validators: n,
      txs: o.txs,
      committed: Math.min(...ledgers.map((l) => countTxs(l, net.chain))),
      seconds: Math.round(seconds * 1000) / 1000,
      txPerSec: seconds > 0 ? Math.round((o.txs / seconds) * 10) / 10 : 0,
      height: Math.max(...net.ledgers.map((l) => l.height(net.chain))),
      certificateBytes: cert?.signature.length ?? 0,
      forks: countForks(ledgers, net.chain),
    };
    if (o.killOne) Object.assign(report, { killed, caughtUp });
    return report;
  } finally {
    await net.stop();
  }
}
