/**
 * What the consensus layer needs of the node it runs in (node/node.ts's TrichainNode provides it):
 * the chains it holds, their ledger and database, the mempool, block commits and the node's keys.
 * Declared here so that consensus depends on this shape, never on the node layer above it.
 */
import type { BlsApi } from '../crypto/bls-types';
import type { Ledger } from '../ledger/ledger';
import type { Block, ChainId, SignedTx } from '../ledger/types';
import type { DB } from '../storage/db';

/** Emitted as 'block' each time a block is stored. */
export interface BlockEvent {
  chain: ChainId;
  height: number;
  txs: number;
}

export interface ConsensusNode {
  readonly ledger: Ledger;
  readonly db: DB;
  readonly bls: BlsApi;
  readonly identity: { readonly blsPublicKey: Uint8Array; readonly blsSecretKey: Uint8Array };
  /** The chains this node holds. */
  chains(): ChainId[];
  /** Transactions waiting for a block, in arrival order. */
  mempool(chain: ChainId, limit?: number): SignedTx[];
  /** Drops mempool transactions a proposal refused (marking the node's own as rejected). */
  dropRefused(chain: ChainId, dropped: { tx: SignedTx; reason: string }[]): void;
  /** Verifies and stores a decided block. */
  commitBlock(block: Block): void;
  on(event: 'block', listener: (e: BlockEvent) => void): unknown;
  off(event: 'block', listener: (e: BlockEvent) => void): unknown;
}
