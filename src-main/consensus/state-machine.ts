/**
 * The Tendermint consensus core (Buchman, Kwon, Milosevic, "The latest gossip on BFT consensus",
 * arXiv 1807.04938, Algorithm 1) as a pure state machine for one chain: events in, effects out.
 * No timers, sockets, clocks, randomness or cryptography inside. The driver (engine.ts, or the
 * simulation) verifies signatures before feeding messages in, signs what the effects ask it to,
 * feeds its own signed messages back in as events, and turns `schedule` effects into timers.
 *
 * Mapping to Algorithm 1 (line numbers of the paper):
 *   StartRound (11-21)           startRound(); the proposer re-proposes validValue or asks the app
 *                                 (getValue effect, answered by a `value` event). Deviation: the
 *                                 proposer also schedules timeoutPropose (as CometBFT does), so a
 *                                 slow app or a refused signature cannot stall it; OnTimeoutPropose
 *                                 only acts in step propose, so this changes nothing else.
 *   22-27  proposal, vr = -1      rule proposeFresh
 *   28-33  proposal, vr >= 0      rule proposePolka
 *   34-35  2f+1 prevotes any      rule prevoteTimeout
 *   36-43  proposal + polka       rule lockOnPolka (lockedValue/lockedRound, validValue/validRound)
 *   44-46  2f+1 prevote nil       rule nilPolka
 *   47-48  2f+1 precommits any    rule precommitTimeout
 *   49-54  proposal + 2f+1 precommits in any round -> decide (rule decide)
 *   55-56  f+1 messages of a higher round -> StartRound(that round) (rule skipRound)
 *   57-65  OnTimeoutPropose/Prevote/Precommit
 * valid(v) is the application's processProposal, asked through a `validate` effect and answered by
 * a `validated` event; a rule that needs valid(v) waits until the answer is known. Voting power is
 * one per validator: 2f+1 is quorum(n) (more than two thirds) and f+1 is n - quorum(n) + 1
 * (enough to include at least one correct validator).
 *
 * After `decide` the machine stops at that height (step 'decided') until the driver has committed
 * the block and sends `start` for the next height: the app's commit sits between the two.
 * The events, effects and timeouts the machine speaks are in ./machine-events.
 * A `certified` event (a decision proven by a verified commit certificate, used to catch up) also
 * decides. Safety does not depend on it: a valid certificate already proves 2f+1 precommits.
 */
import { quorum } from '../ledger/certificate';
import {
  DEFAULT_TIMEOUTS,
  MAX_EXTRA_PROPOSALS,
  MAX_ROUNDS_AHEAD,
  proposerOf,
  skipThreshold,
  timeoutFor,
  type ConsensusEffect,
  type ConsensusEvent,
  type MachineSnapshot,
  type Step,
  type TimeoutConfig,
  type TimeoutKind,
} from './machine-events';
import { hashKey, type Proposal, type ProposalValue, type Vote } from './messages';
import { HeightVoteSet } from './vote-set';


export class TendermintMachine {
  private h = 0;
  private n = 1;
  private self = -1;
  private round = 0;
  private step: Step = 'idle';
  private lockedHash: Uint8Array | null = null;
  private lockedRound = -1;
  private validValue: ProposalValue | null = null;
  private validRound = -1;
  private votes = new HeightVoteSet(0, 1);
  /** First proposal per round (the one the propose-step rules use) and every kept proposal by value. */
  private firstProposal = new Map<number, Proposal>();
  private proposals = new Map<number, Map<string, Proposal>>();
  private senders = new Map<number, Set<number>>();
  private validity = new Map<string, boolean>();
  private validateAsked = new Set<string>();
  private prevoteTimeoutDone = new Set<number>();
  private precommitTimeoutDone = new Set<number>();
  private polkaDone = new Set<number>();
  private awaitingValue = -1;
  private out: ConsensusEffect[] = [];

  constructor(readonly timeouts: TimeoutConfig = DEFAULT_TIMEOUTS) {}

  get snapshot(): MachineSnapshot {
    return {
      height: this.h,
      round: this.round,
      step: this.step,
      lockedRound: this.lockedRound,
      lockedHash: this.lockedHash,
      validRound: this.validRound,
      validHash: this.validValue?.hash ?? null,
    };
  }

  get height(): number {
    return this.h;
  }

  /** True if this exact vote is already counted (lets the driver skip verifying duplicates). */
  hasVote(v: Vote): boolean {
    return v.height === this.h && this.votes.has(v);
  }

  hasProposal(p: Proposal): boolean {
    return p.height === this.h && (this.proposals.get(p.round)?.has(hashKey(p.value.hash)) ?? false);
  }

  /** The prevotes counted for `hash` at `round` (a polka, when there are 2f+1 of them). */
  prevotesFor(round: number, hash: Uint8Array): Vote[] {
    return this.votes.peek(round, 'prevote')?.votesFor(hash) ?? [];
  }

  /** Votes held for rounds in [from, to] of the current height (each validator's votes, all phases). */
  votesInRounds(from: number, to: number): Vote[] {
    const out: Vote[] = [];
    for (const r of this.votes.roundsWithVotes()) {
      if (r < from || r > to) continue;
      for (const phase of ['prevote', 'precommit'] as const) {
        const rv = this.votes.peek(r, phase);
        if (rv) for (const k of rv.hashesWith(1)) out.push(...rv.votesFor(k === 'nil' ? null : Buffer.from(k, 'hex')));
      }
    }
    return out;
  }

  /** A stored proposal of the current height for `hash` at `round`. */
  proposalFor(round: number, hash: Uint8Array): Proposal | undefined {
    return this.proposals.get(round)?.get(hashKey(hash));
  }

  /** The precommits counted for `hash` at `round` of the current height. */
  precommitsFor(round: number, hash: Uint8Array): Vote[] {
    return this.votes.peek(round, 'precommit')?.votesFor(hash) ?? [];
  }

  handle(e: ConsensusEvent): ConsensusEffect[] {
    this.out = [];
    switch (e.type) {
      case 'start':
        this.onStart(e);
        break;
      case 'proposal':
        this.onProposal(e.proposal);
        break;
      case 'vote':
        this.onVote(e.vote);
        break;
      case 'timeout':
        this.onTimeout(e.kind, e.height, e.round);
        break;
      case 'value':
        this.onValue(e.height, e.round, e.value);
        break;
      case 'validated':
        if (e.height === this.h) this.validity.set(hashKey(e.hash), e.valid);
        break;
      case 'certified':
        if (e.height === this.h && this.step !== 'decided' && this.step !== 'idle') {
          this.step = 'decided';
          this.out.push({ type: 'decide', height: this.h, round: e.round, value: e.value, precommits: [], certified: true });
        }
        break;
    }
    this.evaluate();
    return this.out;
  }

  // ---- events ----

  private onStart(e: Extract<ConsensusEvent, { type: 'start' }>): void {
    if (!Number.isSafeInteger(e.height) || e.height < 0 || !Number.isInteger(e.n) || e.n < 1) throw new Error('consensus: bad start event');
    this.h = e.height;
    this.n = e.n;
    this.self = e.self;
    this.lockedHash = e.lock ? e.lock.hash : null;
    this.lockedRound = e.lock ? e.lock.round : -1;
    // A restored lock whose value is known also restores validValue/validRound (set together in 36-43).
    this.validValue = e.lock?.value ?? null;
    this.validRound = e.lock?.value ? e.lock.round : -1;
    this.votes = new HeightVoteSet(e.height, e.n);
    this.firstProposal = new Map();
    this.proposals = new Map();
    this.senders = new Map();
    this.validity = new Map();
    this.validateAsked = new Set();
    this.prevoteTimeoutDone = new Set();
    this.precommitTimeoutDone = new Set();
    this.polkaDone = new Set();
    this.awaitingValue = -1;
    this.startRound(e.round ?? 0);
  }

  private inWindow(height: number, round: number): boolean {
    return this.step !== 'idle' && height === this.h && round >= 0 && round <= this.round + MAX_ROUNDS_AHEAD;
  }

  private noteSender(round: number, validator: number): void {
    let s = this.senders.get(round);
    if (!s) this.senders.set(round, (s = new Set()));
    s.add(validator);
  }

  private onProposal(p: Proposal): void {
    if (!this.inWindow(p.height, p.round)) return;
    if (p.proposer !== proposerOf(p.height, p.round, this.n)) return;
    if (!(p.polRound >= -1 && p.polRound < p.round)) return;
    const k = hashKey(p.value.hash);
    let byHash = this.proposals.get(p.round);
    if (!byHash) this.proposals.set(p.round, (byHash = new Map()));
    if (byHash.has(k)) return;
    if (byHash.size > MAX_EXTRA_PROPOSALS) return;
    byHash.set(k, p);
    if (!this.firstProposal.has(p.round)) this.firstProposal.set(p.round, p);
    this.noteSender(p.round, p.proposer);
    this.askValidity(p.value);
  }

  private onVote(v: Vote): void {
    if (!this.inWindow(v.height, v.round)) return;
    if (!Number.isInteger(v.validator) || v.validator < 0 || v.validator >= this.n) return;
    const r = this.votes.add(v);
    if (r.status === 'rejected' || r.status === 'duplicate') return;
    this.noteSender(v.round, v.validator);
    if (r.status === 'equivocation') this.out.push({ type: 'evidence', evidence: r.evidence });
  }

  private onTimeout(kind: TimeoutKind, height: number, round: number): void {
    if (height !== this.h || round !== this.round || this.step === 'decided' || this.step === 'idle') return;
    switch (kind) {
      case 'propose': // 57-60
        if (this.step === 'propose') this.prevote(null);
        break;
      case 'prevote': // 61-64
        if (this.step === 'prevote') this.precommit(null);
        break;
      case 'precommit': // 65-67
        this.startRound(this.round + 1);
        break;
    }
  }

  private onValue(height: number, round: number, value: ProposalValue): void {
    if (height !== this.h || round !== this.round || this.awaitingValue !== round || this.step !== 'propose') return;
    this.awaitingValue = -1;
    this.validity.set(hashKey(value.hash), true); // our own app built it
    this.out.push({ type: 'propose', height: this.h, round, polRound: -1, value });
  }

  // ---- Algorithm 1 ----

  private startRound(round: number): void {
    this.round = round;
    this.step = 'propose';
    this.awaitingValue = -1;
    if (this.self >= 0 && proposerOf(this.h, round, this.n) === this.self) {
      if (this.validValue) this.out.push({ type: 'propose', height: this.h, round, polRound: this.validRound, value: this.validValue });
      else {
        this.awaitingValue = round;
        this.out.push({ type: 'getValue', height: this.h, round });
      }
    }
    this.schedule('propose', round);
  }

  private schedule(kind: TimeoutKind, round: number): void {
    this.out.push({ type: 'schedule', kind, height: this.h, round, ms: timeoutFor(this.timeouts, kind, round) });
  }

  private prevote(hash: Uint8Array | null): void {
    if (this.self >= 0) this.out.push({ type: 'vote', height: this.h, round: this.round, phase: 'prevote', blockHash: hash });
    this.step = 'prevote';
  }

  private precommit(hash: Uint8Array | null): void {
    if (this.self >= 0) this.out.push({ type: 'vote', height: this.h, round: this.round, phase: 'precommit', blockHash: hash });
    this.step = 'precommit';
  }

  private askValidity(value: ProposalValue): boolean | undefined {
    const k = hashKey(value.hash);
    const v = this.validity.get(k);
    if (v === undefined && !this.validateAsked.has(k)) {
      this.validateAsked.add(k);
      this.out.push({ type: 'validate', height: this.h, value });
    }
    return v;
  }

  private get q(): number {
    return quorum(this.n);
  }

  private evaluate(): void {
    for (let i = 0; i < 10_000 && this.step !== 'idle' && this.step !== 'decided'; i++) {
      if (!(this.ruleDecide() || this.ruleSkipRound() || this.ruleProposeFresh() || this.ruleProposePolka() || this.rulePrevoteTimeout() || this.ruleLockOnPolka() || this.ruleNilPolka() || this.rulePrecommitTimeout())) return;
    }
  }

  /** 49-54: PROPOSAL(h, r, v, *) and 2f+1 PRECOMMIT(h, r, id(v)) in any round, valid(v). */
  private ruleDecide(): boolean {
    for (const r of this.votes.roundsWithVotes()) {
      const pc = this.votes.peek(r, 'precommit');
      if (!pc || pc.total < this.q) continue;
      for (const k of pc.hashesWith(this.q)) {
        if (k === 'nil') continue;
        const p = this.proposals.get(r)?.get(k);
        if (!p) continue;
        if (this.askValidity(p.value) !== true) continue;
        this.step = 'decided';
        this.out.push({ type: 'decide', height: this.h, round: r, value: p.value, precommits: pc.votesFor(p.value.hash), certified: false });
        return true;
      }
    }
    return false;
  }

  /** 55-56: f+1 distinct validators sent messages of a round above ours. */
  private ruleSkipRound(): boolean {
    let best = -1;
    for (const [r, s] of this.senders) if (r > this.round && r > best && s.size >= skipThreshold(this.n)) best = r;
    if (best < 0) return false;
    this.startRound(best);
    return true;
  }

  /** 22-27. */
  private ruleProposeFresh(): boolean {
    if (this.step !== 'propose') return false;
    const p = this.firstProposal.get(this.round);
    if (!p || p.polRound !== -1) return false;
    const valid = this.askValidity(p.value);
    if (valid === undefined) return false;
    const ok = valid && (this.lockedRound === -1 || this.isLocked(p.value.hash));
    this.prevote(ok ? p.value.hash : null);
    return true;
  }

  /** 28-33. */
  private ruleProposePolka(): boolean {
    if (this.step !== 'propose') return false;
    const p = this.firstProposal.get(this.round);
    if (!p || p.polRound < 0 || p.polRound >= this.round) return false;
    if ((this.votes.peek(p.polRound, 'prevote')?.count(p.value.hash) ?? 0) < this.q) return false;
    const valid = this.askValidity(p.value);
    if (valid === undefined) return false;
    const ok = valid && (this.lockedRound <= p.polRound || this.isLocked(p.value.hash));
    this.prevote(ok ? p.value.hash : null);
    return true;
  }

  /** 34-35. */
  private rulePrevoteTimeout(): boolean {
    if (this.step !== 'prevote' || this.prevoteTimeoutDone.has(this.round)) return false;
    if ((this.votes.peek(this.round, 'prevote')?.total ?? 0) < this.q) return false;
    this.prevoteTimeoutDone.add(this.round);
    this.schedule('prevote', this.round);
    return true;
  }

  /** 36-43. */
  private ruleLockOnPolka(): boolean {
    if ((this.step !== 'prevote' && this.step !== 'precommit') || this.polkaDone.has(this.round)) return false;
    const pv = this.votes.peek(this.round, 'prevote');
    if (!pv || pv.total < this.q) return false;
    for (const p of this.proposals.get(this.round)?.values() ?? []) {
      if (pv.count(p.value.hash) < this.q) continue;
      if (this.askValidity(p.value) !== true) continue;
      this.polkaDone.add(this.round);
      if (this.step === 'prevote') {
        this.lockedHash = p.value.hash;
        this.lockedRound = this.round;
        this.precommit(p.value.hash);
      }
      this.validValue = p.value;
      this.validRound = this.round;
      return true;
    }
    return false;
  }

  /** 44-46. */
  private ruleNilPolka(): boolean {
    if (this.step !== 'prevote') return false;
    if ((this.votes.peek(this.round, 'prevote')?.count(null) ?? 0) < this.q) return false;
    this.precommit(null);
    return true;
  }

  /** 47-48. */
  private rulePrecommitTimeout(): boolean {
    if (this.precommitTimeoutDone.has(this.round)) return false;
    if ((this.votes.peek(this.round, 'precommit')?.total ?? 0) < this.q) return false;
    this.precommitTimeoutDone.add(this.round);
    this.schedule('precommit', this.round);
    return true;
  }

  private isLocked(hash: Uint8Array): boolean {
    return this.lockedHash !== null && hashKey(this.lockedHash) === hashKey(hash);
  }
}
