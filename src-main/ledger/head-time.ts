/**
 * The time of a chain's head block without decoding that block (issue 11: every block built or
 * committed read its predecessor whole, twice, for its header's time: at an import's block of 500
 * records, a quarter of a megabyte decoded and checked for one number). One entry per chain, keyed
 * by the block's hash, which commits to its header and so to its time: a hit is that very block's
 * time; any other head misses and its block is read.
 */
import { bytesEqual } from '../codec/canonical';
import type { Head } from './checks';
import type { ChainId } from './types';

export class HeadTimes {
  private readonly last = new Map<ChainId, { hash: Uint8Array; time: number }>();

  /** A block of `chain` with this hash has this time (its header says so). */
  note(chain: ChainId, hash: Uint8Array, time: number): void {
    this.last.set(chain, { hash, time });
  }

  /** The time of the block `head` names; `read` reads it from the block when it is not the one noted. */
  of(chain: ChainId, head: Head, read: () => number): number {
    const e = this.last.get(chain);
    if (e && bytesEqual(e.hash, head.hash)) return e.time;
    const time = read();
    this.note(chain, head.hash, time);
    return time;
  }
}
