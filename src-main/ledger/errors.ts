import type { ChainId } from './types';

/** A block the ledger refuses, with the reason (a wrong hash link, root, certificate, signature or rule). */
export class BlockRejected extends Error {
  constructor(readonly chain: ChainId, readonly height: number, readonly reason: string) {
    super(`${chain} chain block ${height} refused: ${reason}`);
  }
}
