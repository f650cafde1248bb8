/**
 * What catch-up sync needs from the local replica. The ledger implements it on its SQLite store;
 * test/support/sync-store.ts is an in-memory stand-in for the network tests.
 */
import type { ChainId } from '../ledger/types';

export interface SyncStore {
  genesisHash(chain: ChainId): Uint8Array | null;
  height(chain: ChainId): number;
  /**
   * Optional: the height up to which this node serves blocks to peers, when lower than `height`
   * (blocks whose certificates are not yet verified: a pending CometBFT one, or one a catch-up
   * window stored unaudited). Default `height`.
   */
  servedHeight?(chain: ChainId): number;
  blockBytes(chain: ChainId, height: number): Uint8Array | null;
  /** verifies hash link, Merkle root, certificate against the validator set at that height; throws Error with a reason if invalid; stores atomically */
  appendBlock(chain: ChainId, bytes: Uint8Array): void;
  /**
   * Optional: the same for consecutive blocks, in windows (docs/consensus.md): each block checked
   * structurally and chained by hash to the window's last block, whose certificate is verified
   * against the validator set in force (a window ends where that set changes); every transaction
   * signature of the window in one batch. A refused window stores nothing (the error's `height`
   * names the block at fault); windows before it stay. The intermediate certificates are stored
   * unaudited: not served (servedHeight) until the store has checked them.
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
