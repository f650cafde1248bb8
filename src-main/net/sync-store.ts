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
  /** Optional (light clients, ./light-sync): this node holds `chain` as a light client; it serves no blocks of it. */
  isLight?(chain: ChainId): boolean;
  /** Optional (serving light clients): block `height` reduced to its header, certificate and `forKey`'s own transactions with proofs. */
  lightBlockBytes?(chain: ChainId, height: number, forKey: Uint8Array): Uint8Array | null;
  /** Optional (light clients): verifies and stores a light block atomically; throws Error with a reason if invalid. */
  appendLight?(chain: ChainId, bytes: Uint8Array): void;
  putBlob(bytes: Uint8Array): Uint8Array;
}
