/**
 * The signatures this validator's application already verified, by transaction id (the CometBFT
 * path checks each transaction in CheckTx, then again inside the block in ProcessProposal and
 * FinalizeBlock; with this each author signature is verified once per validator).
 *
 * A transaction's id hashes what its author signed, not the signature: an entry holds the
 * signature that verified, and only a transaction carrying those very bytes counts as verified,
 * so a known id with another (forged) signature is checked again. Bounded: the oldest entries go
 * first (a transaction committed long ago is not proposed again; one that is gets checked again).
 */
import { bytesEqual } from '../../codec/canonical';
import { toHex } from '../../codec/hex';
import { txId } from '../../ledger/encoding';
import type { SignedTx } from '../../ledger/types';

export class VerifiedSignatures {
  private readonly sigs = new Map<string, Uint8Array>();

  constructor(private readonly limit = 200_000) {}

  get size(): number {
    return this.sigs.size;
  }

  /** Whether this exact transaction's signature (same id, same signature bytes) was verified here. */
  has(tx: SignedTx, id: Uint8Array = txId(tx)): boolean {
    const s = this.sigs.get(toHex(id));
    return !!s && tx.sig instanceof Uint8Array && bytesEqual(s, tx.sig);
  }

  /** Records a transaction whose signature has just been verified. */
  add(tx: SignedTx, id: Uint8Array = txId(tx)): void {
    const k = toHex(id);
    this.sigs.delete(k);
    this.sigs.set(k, tx.sig);
    if (this.sigs.size > this.limit) this.sigs.delete(this.sigs.keys().next().value!);
  }

  /** Whether every transaction of a list was verified here. */
  all(txs: SignedTx[]): boolean {
    return txs.every((tx) => this.has(tx));
  }
}
