/**
 * The ledger's checks that read no state: a transaction's size and form (shape, chain, body
 * schema, signature), a block header against the chain's head, and a block's transaction
 * signatures in one batch. Each throws TxRejected or BlockRejected with the reason.
 */
import { bytesEqual } from '../codec/canonical';
import type { BatchItem, BlsApi } from '../crypto/bls-types';
import { txSignatureItems } from './batch-verify';
import { sigsHash, txBytes, txRoot, txSigningBytes, validatorsHash } from './encoding';
import { BlockRejected } from './errors';
import { leafHash } from './merkle';
import { RULES } from './rules/index';
import { MAX_TX_BYTES } from './rules/schemas';
import { TxRejected } from './rules/types';
import { HASH_LENGTH, type BlockHeader, type ChainId, type SignedTx, type ValidatorInfo } from './types';
import type { VerifiedSignatures } from './verified';

export interface Head {
  height: number;
  hash: Uint8Array;
}

/** The mempool's and the block proposer's edge: no signed transaction over MAX_TX_BYTES. */
export function checkTxSize(tx: SignedTx): void {
  const size = (() => { try { return txBytes(tx).length; } catch { throw new TxRejected('transaction is not canonically encodable'); } })();
  if (size > MAX_TX_BYTES) throw new TxRejected(`transaction of ${size} bytes exceeds the ${MAX_TX_BYTES}-byte limit`);
}

/**
 * Static checks that need no state: shape, chain, body schema, signature. Throws TxRejected.
 * `verified`: a signature verified there is not verified again; one verified here is added.
 */
export function checkTxForm(bls: BlsApi, tx: SignedTx, chain: ChainId, opts: { signature?: boolean; verified?: VerifiedSignatures } = {}): void {
  if (!tx || typeof tx !== 'object') throw new TxRejected('transaction is not an object');
  if (tx.chain !== chain) throw new TxRejected(`transaction is for the ${String(tx.chain)} chain, not ${chain}`);
  const rule = RULES[chain][tx.type];
  if (!rule) throw new TxRejected(`unknown transaction type "${String(tx.type)}" on the ${chain} chain`);
  if (!(tx.author instanceof Uint8Array) || tx.author.length !== 48) throw new TxRejected('author must be a 48-byte BLS public key');
  if (!Number.isSafeInteger(tx.nonce) || tx.nonce < 0) throw new TxRejected('nonce must be a non-negative integer');
  if (!Number.isSafeInteger(tx.time) || tx.time < 0) throw new TxRejected('time must be a non-negative integer');
  if (!(tx.sig instanceof Uint8Array) || tx.sig.length !== 96) throw new TxRejected('signature must be 96 bytes');
  const parsed = rule.body.safeParse(tx.body);
  if (!parsed.success) throw new TxRejected(`malformed ${tx.type}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
  if (opts.signature === false) return;
  // The signing bytes encoded once: the message verified and, with `verified`, the id it is kept under.
  const message = txSigningBytes(tx);
  const id = opts.verified ? leafHash(message) : null;
  if (id && opts.verified!.has(tx, id)) return;
  if (!bls.verify(tx.author, message, tx.sig)) throw new TxRejected('author signature does not verify');
  if (id) opts.verified!.add(tx, id);
}

/** What a header is checked against: the chain's head and what is in force at the new height. */
export interface HeaderContext {
  head: Head;
  genesisHash: Uint8Array;
  /** The validator set in force at the header's height (read once the height is checked). */
  validators(): ValidatorInfo[];
  /** The previous block's time (the genesis time at height 1), read only when the other checks pass. */
  prevTime(): number;
}

/** A header (and its transaction list) that extends `ctx.head`. Throws BlockRejected. */
export function checkHeader(header: BlockHeader, txs: SignedTx[], ctx: HeaderContext): void {
  const { head } = ctx;
  const chain = header.chain;
  const h = header.height;
  const fail = (reason: string): never => {
    throw new BlockRejected(chain, h, reason);
  };
  if (!Array.isArray(txs)) fail('transactions missing');
  if (h !== head.height + 1) fail(`expected height ${head.height + 1}`);
  if (!bytesEqual(header.genesis, ctx.genesisHash)) fail('block belongs to another network (genesis differs)');
  if (!bytesEqual(header.prevHash, head.hash)) fail('previous-block hash does not link to our head');
  if (!bytesEqual(header.txRoot, txRoot(txs))) fail('Merkle root does not match the transactions');
  if (!(header.stateRoot instanceof Uint8Array) || header.stateRoot.length !== HASH_LENGTH) fail('header has no 32-byte state root');
  let sh: Uint8Array;
  try {
    sh = sigsHash(txs);
  } catch (e) {
    fail((e as Error).message);
  }
  if (!bytesEqual(header.sigsHash, sh!)) fail('signatures hash does not match the transactions');
  const vs = ctx.validators();
  if (!bytesEqual(header.validatorsHash, validatorsHash(vs))) fail('validator-set hash does not match the set in force');
  if (!Number.isInteger(header.proposer) || header.proposer < 0 || header.proposer >= vs.length) fail('proposer index out of range');
  if (!Number.isSafeInteger(header.time) || header.time < ctx.prevTime()) fail('block time goes backwards');
}

/**
 * Every transaction's author signature, in one batch; names the first bad one. Throws BlockRejected.
 * `verified`: those verified there are skipped; the others are added once the batch verifies.
 */
export function checkTxSignatures(bls: BlsApi, chain: ChainId, height: number, txs: SignedTx[], verified?: VerifiedSignatures): void {
  const items: BatchItem[] = [];
  const fresh = txSignatureItems(chain, height, txs, items, verified);
  if (items.length === 0) return;
  if (!bls.batchVerify(items)) {
    const bad = items.find((it) => !bls.verify(it.publicKey, it.message, it.signature))!;
    throw new BlockRejected(chain, height, `transaction ${txs.findIndex((tx) => tx.sig === bad.signature)} has an invalid author signature`);
  }
  for (const f of fresh) verified!.add(f.tx, f.id);
}
