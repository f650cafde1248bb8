import type { ChainId } from './types';

/** A block the ledger refuses, with the reason (a wrong hash link, root, certificate, signature or rule). */
export class BlockRejected extends Error {
  constructor(readonly chain: ChainId, readonly height: number, readonly reason: string) {
    super(`${chain} chain block ${height} refused: ${reason}`);
  }
}

/**
 * Something asked for by id is not there (a request, record, patient, consent): the API answers
 * NOT_FOUND (its error envelope maps an error's `code`), the CLI names it.
 */
export class NotFound extends Error {
  readonly code = 'NOT_FOUND';
}
