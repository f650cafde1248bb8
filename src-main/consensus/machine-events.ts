/**
 * The consensus state machine's interface with its driver (./state-machine, ./engine): the events
 * it takes, the effects it asks for, its snapshot, the round-robin proposer, the f+1 threshold and
 * the timeouts (base + round * delta), and the bounds that keep a flooding peer from growing it.
 */
import { quorum } from '../ledger/certificate';
import type { Evidence } from './evidence';
import type { Proposal, ProposalValue, Vote, VotePhase } from './messages';

export type Step = 'idle' | 'propose' | 'prevote' | 'precommit' | 'decided';
export type TimeoutKind = 'propose' | 'prevote' | 'precommit';

/** Timeouts in milliseconds: base + round * delta (they grow with the round, so a round eventually outlasts any message delay). */
export interface TimeoutConfig {
  propose: number;
  proposeDelta: number;
  prevote: number;
  prevoteDelta: number;
  precommit: number;
  precommitDelta: number;
}

export const DEFAULT_TIMEOUTS: TimeoutConfig = { propose: 3000, proposeDelta: 500, prevote: 1000, prevoteDelta: 500, precommit: 1000, precommitDelta: 500 };

export function timeoutFor(cfg: TimeoutConfig, kind: TimeoutKind, round: number): number {
  switch (kind) {
    case 'propose':
      return cfg.propose + round * cfg.proposeDelta;
    case 'prevote':
      return cfg.prevote + round * cfg.prevoteDelta;
    case 'precommit':
      return cfg.precommit + round * cfg.precommitDelta;
  }
}

/** Round-robin proposer: (height + round) mod n. */
export const proposerOf = (height: number, round: number, n: number): number => (height + round) % n;

/** f+1 in votes: the smallest count that must include a correct validator. */
export const skipThreshold = (n: number): number => n - quorum(n) + 1;

/** Votes and proposals for rounds further ahead than this are ignored (bounds memory against a flooding peer). */
export const MAX_ROUNDS_AHEAD = 1000;
/** Extra (equivocating) proposals kept per round besides the first. */
export const MAX_EXTRA_PROPOSALS = 4;

export type ConsensusEvent =
  /** Enter `height` with `n` validators, this node being validator `self` (-1: not a validator). `lock`: a lock restored from the SignGuard after a restart. */
  | { type: 'start'; height: number; n: number; self: number; round?: number; lock?: { round: number; hash: Uint8Array; value?: ProposalValue } | null }
  | { type: 'proposal'; proposal: Proposal }
  | { type: 'vote'; vote: Vote }
  | { type: 'timeout'; kind: TimeoutKind; height: number; round: number }
  /** The app's answer to getValue. */
  | { type: 'value'; height: number; round: number; value: ProposalValue }
  /** The app's answer to validate. */
  | { type: 'validated'; height: number; hash: Uint8Array; valid: boolean }
  /** A decision proven by a verified commit certificate (catch-up). */
  | { type: 'certified'; height: number; round: number; value: ProposalValue };

export type ConsensusEffect =
  | { type: 'propose'; height: number; round: number; polRound: number; value: ProposalValue }
  | { type: 'vote'; height: number; round: number; phase: VotePhase; blockHash: Uint8Array | null }
  | { type: 'schedule'; kind: TimeoutKind; height: number; round: number; ms: number }
  | { type: 'getValue'; height: number; round: number }
  | { type: 'validate'; height: number; value: ProposalValue }
  /** `precommits` are the 2f+1 (or more) precommits for the value in `round`; empty when `certified`. */
  | { type: 'decide'; height: number; round: number; value: ProposalValue; precommits: Vote[]; certified: boolean }
  | { type: 'evidence'; evidence: Evidence };

export interface MachineSnapshot {
  height: number;
  round: number;
  step: Step;
  lockedRound: number;
  lockedHash: Uint8Array | null;
  validRound: number;
  validHash: Uint8Array | null;
}
