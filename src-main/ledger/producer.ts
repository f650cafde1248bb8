/**
 * Block production without a network: the n = 1 case (a lone clinic, a demo) and an in-process
 * multi-validator path in which every validator checks the proposal against its own replica and
 * signs its precommit, and the votes are aggregated into the commit certificate. The consensus
 * engine (src-main/consensus) drives the same steps over the network.
 */
import { bytesEqual } from '../codec/canonical';
import type { BlsApi } from '../crypto/bls-types';
import { makeCertificate } from './certificate';
import { blockHash, txSigningBytes, voteMessage } from './encoding';
import type { Ledger, Prepared } from './ledger';
import { rolledBack } from '../storage/db';
import type { Block, BlockHeader, Certificate, ChainId, SignedTx } from './types';

export interface ValidatorKey {
  sk: Uint8Array;
  pk: Uint8Array;
}

/** Signs a transaction body as `key` (the author). */
export function signTx(bls: BlsApi, key: ValidatorKey, tx: Omit<SignedTx, 'sig' | 'author'>): SignedTx {
  const unsigned = { ...tx, author: key.pk };
  return { ...unsigned, sig: bls.sign(key.sk, txSigningBytes(unsigned)) };
}

/** A block time that never goes backwards. */
export function nextBlockTime(ledger: Ledger, chain: ChainId, now = Date.now()): number {
  return Math.max(now, ledger.headTime(chain));
}

function indexOf(ledger: Ledger, chain: ChainId, height: number, pk: Uint8Array): number {
  const i = ledger.validatorsAt(chain, height).findIndex((v) => bytesEqual(v.blsPk, pk));
  if (i < 0) throw new Error(`this node is not a validator of the ${chain} chain at height ${height}`);
  return i;
}

/**
 * n = 1 (or any set in which `keys` alone form a quorum): build, sign and commit the next block on
 * one replica, in one write transaction with each transaction applied once (commitOwnBlock below;
 * with `ledger.prepared` disabled, the path as it was: prepared, then applied again at commit).
 * Returns the block, or null when there was nothing valid to commit.
 */
export function produceBlock(ledger: Ledger, chain: ChainId, candidates: SignedTx[], keys: ValidatorKey[], opts: { allowEmpty?: boolean; time?: number } = {}) {
  const height = ledger.height(chain) + 1;
  const proposer = indexOf(ledger, chain, height, keys[0].pk);
  const certify = (header: BlockHeader) => {
    const msg = voteMessage(header.genesis, height, 0, 'precommit', blockHash(header));
    const votes = keys.map((k) => ({ validator: indexOf(ledger, chain, height, k.pk), signature: ledger.bls.sign(k.sk, msg) }));
    return makeCertificate(ledger.bls, ledger.validatorsAt(chain, height).length, 0, votes);
  };
  const time = nextBlockTime(ledger, chain, opts.time);
  if (ledger.prepared.enabled) return commitOwnBlock(ledger, chain, candidates, proposer, time, certify, opts.allowEmpty);
  const { header, txs, dropped } = ledger.prepareBlock(chain, candidates, proposer, time);
  if (txs.length === 0 && !opts.allowEmpty) return { block: null, dropped };
  const block: Block = { header, txs, cert: certify(header) };
  ledger.commitBlock(block);
  return { block, dropped };
}

/**
 * A sole validator's own next block: prepared (in place), certified and committed in ONE write
 * transaction, each transaction applied once, every check of commitBlock run on it. Nothing is
 * stored when no candidate is valid (unless `allowEmpty`) or anything throws.
 */
function commitOwnBlock(ledger: Ledger, chain: ChainId, candidates: SignedTx[], proposer: number, time: number, certify: (h: BlockHeader) => Certificate, allowEmpty = false) {
  let out: Prepared & { block: Block | null } = { header: undefined as never, txs: [], dropped: [], block: null };
  try {
    rolledBack(ledger.db, () => {
      out = { ...ledger.prepareBlock(chain, candidates, proposer, time, { inPlace: true }), block: null };
      if (out.txs.length > 0 || allowEmpty) ledger.commitBlock((out.block = { header: out.header, txs: out.txs, cert: certify(out.header) }));
    }, () => out.block !== null);
  } finally {
    ledger.prepared.forget(chain);
  }
  return out;
}

/**
 * In-process consortium: each validator has its own Ledger (its own database). The proposer
 * prepares; every validator checks the proposal on its replica and signs a precommit; once a
 * quorum has signed, the aggregate certificate is formed and every replica commits the block.
 */
export function produceBlockInProcess(
  replicas: { ledger: Ledger; key: ValidatorKey }[],
  chain: ChainId,
  candidates: SignedTx[],
  opts: { proposer?: number; round?: number; time?: number } = {},
): Block {
  const proposerReplica = replicas[opts.proposer ?? 0];
  const ledger = proposerReplica.ledger;
  const height = ledger.height(chain) + 1;
  const round = opts.round ?? 0;
  const { header, txs } = ledger.prepareBlock(chain, candidates, indexOf(ledger, chain, height, proposerReplica.key.pk), nextBlockTime(ledger, chain, opts.time));
  const hash = blockHash(header);
  const votes = replicas.map((r) => {
    r.ledger.checkProposal(header, txs); // throws if this replica disagrees
    const msg = voteMessage(header.genesis, height, round, 'precommit', hash);
    return { validator: indexOf(r.ledger, chain, height, r.key.pk), signature: r.ledger.bls.sign(r.key.sk, msg) };
  });
  const block: Block = { header, txs, cert: makeCertificate(ledger.bls, ledger.validatorsAt(chain, height).length, round, votes) };
  for (const r of replicas) r.ledger.commitBlock(block);
  return block;
}
