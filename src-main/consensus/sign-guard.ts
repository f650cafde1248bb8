/**
 * Double-sign protection across restarts (WAL-free). Before the engine signs a proposal or a vote it
 * asks the guard; the guard persists what is about to be signed (durably, before the signature
 * leaves the process) and refuses anything at or below the last signed (height, round, step) unless
 * it is the very same message. It also persists the Tendermint lock (lockedRound/lockedValue),
 * which a restarted node restores: forgetting a lock could let an honest node prevote against a
 * value it precommitted, and with one Byzantine peer that is enough to break safety.
 *
 * The ledger supplies a SQLite implementation (one row per chain); MemorySignGuard is for tests and
 * the simulation, where a "crash" keeps the guard object, like a disk.
 */
import { bytesEqual } from '../codec/canonical';
import type { ProposalValue, Vote } from './messages';

export type SignStep = 'proposal' | 'prevote' | 'precommit';

export interface SignRecord {
  height: number;
  round: number;
  step: SignStep;
  hash: Uint8Array | null;
}

export interface SignGuardState {
  /** The last message signed. */
  last: SignRecord | null;
  /**
   * The last non-nil precommit: the lock to restore on restart at that height, with the locked value
   * and the polka (2f+1 signed prevotes) that justified it, so that a restarted node can re-propose
   * the value with its proof, as validValue/validRound (otherwise honest nodes locked on a value
   * nobody remembers could stall the height forever).
   */
  lock: SignLock | null;
  /**
   * The votes signed at the last height, last few rounds: a restarted node signs them again (BLS
   * signatures are deterministic: same bytes) and re-broadcasts them, since votes that existed
   * only in its memory may be needed by others to form a quorum.
   */
  recent?: SignRecord[];
}

export const RECENT_ROUNDS = 4;

export interface SignLock {
  height: number;
  round: number;
  hash: Uint8Array;
  value?: ProposalValue;
  polka?: Vote[];
}

export interface SignGuard {
  load(): SignGuardState;
  /** Must be durable when it returns. */
  save(state: SignGuardState): void;
}

const STEP_ORDER: Record<SignStep, number> = { proposal: 0, prevote: 1, precommit: 2 };

function compare(a: SignRecord, b: SignRecord): number {
  return a.height - b.height || a.round - b.round || STEP_ORDER[a.step] - STEP_ORDER[b.step];
}

const sameHash = (a: Uint8Array | null, b: Uint8Array | null): boolean => (a === null || b === null ? a === b : bytesEqual(a, b));

/** The guard's state after signing `next`, or null if signing it could equivocate. */
export function guardNext(state: SignGuardState, next: SignRecord, lockProof?: { value?: ProposalValue; polka?: Vote[] }): SignGuardState | null {
  if (state.last) {
    const c = compare(next, state.last);
    if (c < 0) return null;
    if (c === 0) return sameHash(next.hash, state.last.hash) ? state : null;
  }
  const lock = next.step === 'precommit' && next.hash !== null ? { height: next.height, round: next.round, hash: next.hash, ...lockProof } : state.lock;
  const recent = (state.recent ?? []).filter((r) => r.height === next.height && r.round > next.round - RECENT_ROUNDS);
  if (next.step !== 'proposal') recent.push(next);
  return { last: next, lock, recent };
}

export class MemorySignGuard implements SignGuard {
  private state: SignGuardState = { last: null, lock: null, recent: [] };
  load(): SignGuardState {
    return this.state;
  }
  save(state: SignGuardState): void {
    this.state = state;
  }
}
