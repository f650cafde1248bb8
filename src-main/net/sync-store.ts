/**
 * What catch-up sync needs from the local replica. The ledger implements it on its SQLite store;
 * test/support/sync-store.ts is an in-memory stand-in for the network tests.
 */
import type { ChainId } from '../ledger/types';

export interface SyncStore {
  genesisHash(chain: ChainId): Uint8Array | null;
  height(chain: ChainId): number;
  blockBytes(chain: ChainId, height: number): Uint8Array | null;
  /** verifies hash link, Merkle root, certificate against the validator set at that height; throws Error with a reason if invalid; stores atomically */
  appendBlock(chain: ChainId, bytes: Uint8Array): void;
  /**
   * Optional: the same for consecutive blocks, verified together (signatures and certificates in
   * one batch). Blocks before a refused one may be stored; the refused one and those after not.
   */
  appendBlocks?(chain: ChainId, blocks: Uint8Array[]): void;
  blob(hash: Uint8Array): Uint8Array | null;
  putBlob(bytes: Uint8Array): Uint8Array;
}
