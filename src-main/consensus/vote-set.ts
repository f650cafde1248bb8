/**
 * Vote tallies for one height: per (round, phase), at most one counted vote per validator.
 * A second vote by the same validator for a different block at the same (height, round, phase)
 * is not counted; it is returned as equivocation evidence.
 */
import type { Evidence } from './evidence';
import { hashKey, type Vote, type VotePhase } from './messages';

export type AddVoteResult =
  | { status: 'added' }
  | { status: 'duplicate' }
  | { status: 'equivocation'; evidence: Evidence }
  | { status: 'rejected'; reason: string };

/**
 * Votes of one (height, round, phase).
 *
 * Counting: for each value (a block hash or nil), the number of distinct validators that signed a
 * vote for it. A validator's first vote is always kept. A conflicting vote (an equivocation) is
 * reported as evidence, and is also kept for its value if that value is nil or already has a vote
 * from another validator: the equivocator then counts once for each value it signed. That is safe:
 * two sets of 2f+1 signers among 3f+1 intersect in f+1 validators, at least one of them correct,
 * so two conflicting quorums still cannot form. It is needed for liveness: otherwise a node that
 * saw an equivocator's other vote first could never see a polka that the rest of the network saw,
 * and could never unlock (CometBFT solves the same problem with peers' maj23 claims). Junk values
 * only the equivocator votes for are dropped, which bounds memory by n values per validator.
 */
export class RoundVotes {
  private readonly first = new Map<number, Vote>();
  private readonly byHash = new Map<string, Map<number, Vote>>();
  /** Validators already reported as equivocating here (one evidence per validator is enough). */
  private readonly reported = new Set<number>();

  constructor(
    readonly height: number,
    readonly round: number,
    readonly phase: VotePhase,
    readonly n: number,
  ) {}

  add(v: Vote): AddVoteResult {
    if (v.height !== this.height || v.round !== this.round || v.phase !== this.phase) return { status: 'rejected', reason: 'vote is for another height, round or phase' };
    if (!Number.isInteger(v.validator) || v.validator < 0 || v.validator >= this.n) return { status: 'rejected', reason: `validator ${v.validator} out of range` };
    const k = hashKey(v.blockHash);
    const prev = this.first.get(v.validator);
    if (!prev) {
      this.first.set(v.validator, v);
      this.put(k, v);
      return { status: 'added' };
    }
    if (this.byHash.get(k)?.has(v.validator)) return { status: 'duplicate' };
    const others = this.byHash.get(k)?.size ?? 0;
    if (v.blockHash === null || others > 0) this.put(k, v);
    if (this.reported.has(v.validator)) return { status: 'duplicate' };
    this.reported.add(v.validator);
    return { status: 'equivocation', evidence: { voteA: prev, voteB: v } };
  }

  private put(k: string, v: Vote): void {
    let m = this.byHash.get(k);
    if (!m) this.byHash.set(k, (m = new Map()));
    m.set(v.validator, v);
  }

  has(v: Pick<Vote, 'validator' | 'blockHash'>): boolean {
    return this.byHash.get(hashKey(v.blockHash))?.has(v.validator) ?? false;
  }

  /** Number of validators with a vote (for any value, nil included). */
  get total(): number {
    return this.first.size;
  }

  /** Number of distinct validators that voted for `hash`. */
  count(hash: Uint8Array | null): number {
    return this.byHash.get(hashKey(hash))?.size ?? 0;
  }

  votesFor(hash: Uint8Array | null): Vote[] {
    return [...(this.byHash.get(hashKey(hash))?.values() ?? [])];
  }

  /** Hashes (hex, or 'nil') that have at least `threshold` votes. */
  hashesWith(threshold: number): string[] {
    return [...this.byHash].filter(([, vs]) => vs.size >= threshold).map(([k]) => k);
  }

  /** Each validator's first vote. */
  all(): Vote[] {
    return [...this.first.values()];
  }
}

/** All votes of one height, created lazily per (round, phase). */
export class HeightVoteSet {
  private readonly rounds = new Map<string, RoundVotes>();

  constructor(
    readonly height: number,
    readonly n: number,
  ) {}

  get(round: number, phase: VotePhase): RoundVotes {
    const k = `${round}/${phase}`;
    let r = this.rounds.get(k);
    if (!r) this.rounds.set(k, (r = new RoundVotes(this.height, round, phase, this.n)));
    return r;
  }

  peek(round: number, phase: VotePhase): RoundVotes | undefined {
    return this.rounds.get(`${round}/${phase}`);
  }

  add(v: Vote): AddVoteResult {
    if (v.height !== this.height) return { status: 'rejected', reason: 'vote is for another height' };
    return this.get(v.round, v.phase).add(v);
  }

  has(v: Vote): boolean {
    return this.peek(v.round, v.phase)?.has(v) ?? false;
  }

  roundsWithVotes(): number[] {
    return [...new Set([...this.rounds.values()].map((r) => r.round))].sort((a, b) => a - b);
  }
}
