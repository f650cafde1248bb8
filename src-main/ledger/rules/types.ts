/**
 * The shape of a chain's rules: for each transaction type, a schema for its body, an
 * authorization check (who may submit it, given the chain state) and its effect on the state.
 * Rules are pure functions of (transaction, state): every node applying the same block reaches
 * the same state.
 */
import type { z } from 'zod';
import type { Canonical } from '../../codec/canonical';
import type { BlsApi } from '../../crypto/bls-types';
import type { ChainId, SignedTx, ValidatorInfo } from '../types';

/** A transaction refused by the chain's rules; the message is the reason shown to its author. */
export class TxRejected extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export interface StateReader {
  get<T extends Canonical = Canonical>(key: string): T | undefined;
  /** Entries whose key starts with `prefix`, in key order. */
  scan<T extends Canonical = Canonical>(prefix: string): [string, T][];
}

export interface StateView extends StateReader {
  put(key: string, value: Canonical): void;
  del(key: string): void;
}

export interface TxContext {
  chain: ChainId;
  genesis: Uint8Array;
  height: number;
  time: number;
  /** Id (RFC 6962 leaf hash) of the transaction being checked or applied. */
  txId: Uint8Array;
  state: StateView;
  bls: BlsApi;
  validators: ValidatorInfo[];
  /**
   * Another chain's state as this node holds it (null when it does not replicate that chain).
   * Present only while the node decides whether to admit a transaction (mempool, proposing or
   * voting on a proposal), absent when it applies a block that already carries a quorum's
   * certificate: checks that read another chain are what a quorum of validators vouched for, and
   * replicas (which may not hold that chain) never re-run them.
   */
  peer?: (chain: ChainId) => StateReader | null;
  /** With `peer`: whether the node admits the transaction into its mempool or decides on a block (proposing or voting). */
  admission?: 'mempool' | 'block';
}

/** How a node meets a transaction: admitting it (mempool, or a block it decides on), or applying a certified block (false). */
export type Admission = false | 'mempool' | 'block';

export interface TxRule<B = unknown> {
  body: z.ZodType<B>;
  /** Throws TxRejected when the author may not submit this transaction in this state. */
  check(tx: SignedTx, body: B, ctx: TxContext): void;
  apply(tx: SignedTx, body: B, ctx: TxContext): void;
}

export type ChainRules = Record<string, TxRule<any>>;

export function reject(reason: string): never {
  throw new TxRejected(reason);
}
