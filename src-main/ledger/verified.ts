/**
 * The author signatures a ledger already verified, by transaction id: a transaction is checked when
 * it enters the mempool (the embedded engine's gossip, CometBFT's CheckTx), then again inside each
 * block that proposes it and at commit; with this each author signature is verified once per
 * validator. Committed transactions are forgotten (they are not proposed again).
 *
 * A transaction's id hashes what its author signed, not the signature: an entry holds the
 * signature that verified, and only a transaction carrying those very bytes counts as verified,
 * so a known id with another (forged) signature is checked again. Bounded: the oldest entries go
 * first (a transaction committed long ago is not proposed again; one that is gets checked again).
 */
import { bytesEqual } from '../codec/canonical';
import { toHex } from '../codec/hex';
import { txId } from './encoding';
import type { SignedTx } from './types';

export class VerifiedSignatures {
  private readonly sigs = new Map<string, Uint8Array>();

  constructor(private readonly limit = 100_000) {}

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

  /** Forgets a committed transaction (by its id). */
  forget(id: Uint8Array): void {
    this.sigs.delete(toHex(id));
  }
}
