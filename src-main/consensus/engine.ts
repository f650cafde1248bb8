/**
 * The consensus engine: drives the pure TendermintMachine (state-machine.ts) for one chain.
 * It owns what the machine must not: timers (through an injectable Scheduler, so a simulation runs
 * it in virtual time), the transport, signing with the node's key (behind a SignGuard), signature
 * verification of incoming messages against app.validatorsAt(height), aggregation of the decided
 * precommits into the ledger's Certificate, and the calls into the application (abci.ts).
 *
 * Gossip (Tendermint assumes every message sent after GST is eventually delivered):
 *  - every message this node signs is broadcast once and kept; if the height makes no progress for
 *    `gossipIntervalMs`, the node re-broadcasts its own messages of the current height (the last
 *    REBROADCAST_ROUNDS rounds), so messages lost before GST are eventually replaced;
 *  - a message from a peer at a height this node has already decided is answered (at most once per
 *    peer and height per `commitResendMs`) with a `commit` message: the decided value and its
 *    certificate. The peer checks the certificate and decides that height directly. This is how a
 *    node that was partitioned, or crashed and restarted, catches up.
 * Messages for the next height are buffered (bounded) until this node gets there; their signatures
 * are checked then, against the validator set of that height.
 *
 * Restart (no WAL): start() asks the app for its last committed height and resumes at the next one,
 * at the round of the last signed message if that was at this height, with the lock restored from
 * the SignGuard. The guard refuses to sign anything that could equivocate.
 *
 * What drives it (options, scheduler, transport, BLS) is in ./driver; answering peers behind it, in
 * ./commit-answers.
 */
import { bytesEqual } from '../codec/canonical';
import type { BlsApi } from '../crypto/bls-types';
import { checkCertificate, makeCertificate } from '../ledger/certificate';
import type { Certificate, ValidatorInfo } from '../ledger/types';
import { CommitAnswers } from './commit-answers';
import { realScheduler, type EngineOptions, type EngineStats, type Scheduler } from './driver';
import { evidenceKey, type Evidence } from './evidence';
import {
  decodeMessage,
  encodeMessage,
  messageHeight,
  proposalSignBytes,
  voteSignBytes,
  type ConsensusMessage,
  type Proposal,
  type Vote,
} from './messages';
import { DEFAULT_TIMEOUTS, type ConsensusEffect, type ConsensusEvent, type MachineSnapshot } from './machine-events';
import { guardNext, type SignLock, type SignRecord } from './sign-guard';
import { TendermintMachine } from './state-machine';

type SignLockProof = Pick<SignLock, 'value' | 'polka'>;

export const REBROADCAST_ROUNDS = 4;

export class ConsensusEngine {
  private readonly machine: TendermintMachine;
  private readonly sched: Scheduler;
  private readonly gossipMs: number;
  private readonly maxBuffered: number;
  private validators: ValidatorInfo[] = [];
  private self = -1;
  private running = false;
  /** Height being decided; `committing` while the app finalizes it. */
  private h = 0;
  private committing = false;
  private queue: ConsensusEvent[] = [];
  private pumping = false;
  private timers = new Set<unknown>();
  private gossipTimer: unknown = undefined;
  private own: Uint8Array[] = [];
  private ownRounds: number[] = [];
  private buffered: { from: string; msg: ConsensusMessage }[] = [];
  private readonly answers: CommitAnswers;
  private certified = new Map<string, Certificate>();
  private evidence = new Map<string, Evidence>();
  readonly stats: EngineStats = { sent: 0, received: 0, rejected: 0, refusedToSign: 0, decided: 0, catchUps: 0 };

  constructor(private readonly o: EngineOptions) {
    this.machine = new TendermintMachine(o.timeouts ?? DEFAULT_TIMEOUTS);
    this.sched = o.scheduler ?? realScheduler;
    this.gossipMs = o.gossipIntervalMs ?? 2 * (o.timeouts ?? DEFAULT_TIMEOUTS).propose;
    this.answers = new CommitAnswers(o.app, o.commitResendMs ?? 1000);
    this.maxBuffered = o.maxBuffered ?? 4096;
    o.transport.onMessage((from, msg) => this.receive(from, msg));
  }

  get height(): number {
    return this.h;
  }

  get snapshot(): MachineSnapshot {
    return this.machine.snapshot;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Start (or restart) at the height after the app's last committed block. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.enterHeight(this.o.app.lastCommittedHeight() + 1);
  }

  /** Stop: cancel timers and ignore messages (a crash, from the network's point of view). */
  stop(): void {
    this.running = false;
    for (const t of this.timers) this.sched.clearTimeout(t);
    this.timers.clear();
    if (this.gossipTimer !== undefined) this.sched.clearTimeout(this.gossipTimer);
    this.gossipTimer = undefined;
    this.queue = [];
  }

  // ---- heights ----

  private enterHeight(h: number): void {
    for (const t of this.timers) this.sched.clearTimeout(t);
    this.timers.clear();
    this.h = h;
    this.committing = false;
    this.own = [];
    this.ownRounds = [];
    this.certified.clear();
    this.validators = this.o.app.validatorsAt(h);
    this.self = this.validators.findIndex((v) => bytesEqual(v.blsPk, this.o.publicKey));
    const g = this.o.signGuard.load();
    // A restarted node resumes in the round it last signed in (the guard refuses to sign anything
    // there that differs from what it signed before). Jumping ahead instead would leave it alone in
    // a round no one else justifies.
    const round = g.last && g.last.height === h ? g.last.round : 0;
    const lock = g.lock && g.lock.height === h ? { round: g.lock.round, hash: g.lock.hash, value: g.lock.value } : null;
    this.armGossip();
    this.dispatch({ type: 'start', height: h, n: this.validators.length, self: this.self, round, lock });
    // The polka behind a restored lock was verified before it was persisted.
    if (lock && g.lock?.polka) for (const vote of g.lock.polka) this.dispatch({ type: 'vote', vote });
    // Votes signed at this height before a restart: the same signatures again, broadcast again.
    if (this.self >= 0) {
      for (const rec of g.recent ?? []) {
        if (rec.height !== h || rec.step === 'proposal') continue;
        const v = { height: h, round: rec.round, phase: rec.step, blockHash: rec.hash };
        const vote: Vote = { ...v, validator: this.self, signature: this.o.bls.sign(this.o.secretKey, voteSignBytes(this.o.app.genesisHash, v)) };
        this.publish({ kind: 'vote', vote }, rec.round);
        this.dispatch({ type: 'vote', vote });
      }
    }
    const buf = this.buffered;
    this.buffered = [];
    for (const b of buf) this.accept(b.from, b.msg);
  }

  private armGossip(): void {
    if (this.gossipTimer !== undefined) this.sched.clearTimeout(this.gossipTimer);
    const h = this.h;
    this.gossipTimer = this.sched.setTimeout(() => {
      this.gossipTimer = undefined;
      if (!this.running || this.h !== h) return;
      this.send(encodeMessage({ kind: 'status', height: h }));
      const min = Math.max(...this.ownRounds, 0) - REBROADCAST_ROUNDS + 1;
      for (let i = 0; i < this.own.length; i++) if (this.ownRounds[i] >= min) this.send(this.own[i]);
      // The polkas behind our lock and our valid value: a peer that missed them could not accept
      // a re-proposal of the value (Algorithm 1 line 28) and the height would stall.
      const s = this.machine.snapshot;
      // Everyone's votes of our round and the one before (they justify being in this round, and let
      // peers that missed them follow: the gossip property Algorithm 1 assumes), bounded.
      const relay = this.machine.votesInRounds(s.round - 1, s.round);
      for (const vote of relay.slice(0, 4 * this.validators.length)) this.send(encodeMessage({ kind: 'vote', vote }));
      if (s.validHash) this.relayPolka(s.validRound, s.validHash);
      if (s.lockedHash && s.lockedRound !== s.validRound) this.relayPolka(s.lockedRound, s.lockedHash);
      this.armGossip();
    }, this.gossipMs);
  }

  // ---- the event loop ----

  private dispatch(e: ConsensusEvent): void {
    this.queue.push(e);
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0 && this.running) {
        const ev = this.queue.shift()!;
        for (const eff of this.machine.handle(ev)) this.apply(eff);
      }
    } finally {
      this.pumping = false;
    }
  }

  private apply(eff: ConsensusEffect): void {
    switch (eff.type) {
      case 'propose': {
        const sig = this.sign({ height: eff.height, round: eff.round, step: 'proposal', hash: eff.value.hash }, () =>
          proposalSignBytes(this.o.app.genesisHash, eff),
        );
        if (!sig) return;
        const proposal: Proposal = { height: eff.height, round: eff.round, polRound: eff.polRound, value: eff.value, proposer: this.self, signature: sig };
        this.publish({ kind: 'proposal', proposal }, eff.round);
        if (eff.polRound >= 0) this.relayPolka(eff.polRound, eff.value.hash);
        this.queue.push({ type: 'proposal', proposal });
        return;
      }
      case 'vote': {
        const proof =
          eff.phase === 'precommit' && eff.blockHash
            ? { value: this.machine.proposalFor(eff.round, eff.blockHash)?.value, polka: this.machine.prevotesFor(eff.round, eff.blockHash) }
            : undefined;
        const sig = this.sign({ height: eff.height, round: eff.round, step: eff.phase, hash: eff.blockHash }, () => voteSignBytes(this.o.app.genesisHash, eff), proof);
        if (!sig) return;
        const vote: Vote = { height: eff.height, round: eff.round, phase: eff.phase, blockHash: eff.blockHash, validator: this.self, signature: sig };
        this.publish({ kind: 'vote', vote }, eff.round);
        this.queue.push({ type: 'vote', vote });
        return;
      }
      case 'schedule': {
        const t = this.sched.setTimeout(() => {
          this.timers.delete(t);
          if (this.running && this.h === eff.height) this.dispatch({ type: 'timeout', kind: eff.kind, height: eff.height, round: eff.round });
        }, eff.ms);
        this.timers.add(t);
        return;
      }
      case 'getValue': {
        const h = eff.height;
        this.o.app.prepareProposal(h, this.sched.now(), this.self).then(
          (value) => this.running && this.h === h && this.dispatch({ type: 'value', height: h, round: eff.round, value }),
          (e) => this.o.onError?.(e),
        );
        return;
      }
      case 'validate': {
        const h = eff.height;
        this.o.app.processProposal(h, eff.value).then(
          (r) => this.running && this.h === h && this.dispatch({ type: 'validated', height: h, hash: eff.value.hash, valid: r.accept }),
          (e) => this.o.onError?.(e),
        );
        return;
      }
      case 'evidence': {
        const k = evidenceKey(eff.evidence);
        if (!this.evidence.has(k)) {
          this.evidence.set(k, eff.evidence);
          this.o.onEvidence?.(eff.evidence);
        }
        return;
      }
      case 'decide':
        this.decide(eff);
        return;
    }
  }

  private decide(eff: Extract<ConsensusEffect, { type: 'decide' }>): void {
    const h = eff.height;
    let certificate: Certificate;
    if (eff.certified) {
      const c = this.certified.get(Buffer.from(eff.value.hash).toString('hex'));
      if (!c) {
        this.o.onError?.(new Error('consensus: certified decision without its certificate'));
        return;
      }
      certificate = c;
      this.stats.catchUps++;
    } else {
      certificate = makeCertificate(
        this.o.bls as BlsApi,
        this.validators.length,
        eff.round,
        eff.precommits.map((v) => ({ validator: v.validator, signature: v.signature })),
      );
    }
    this.committing = true;
    for (const t of this.timers) this.sched.clearTimeout(t);
    this.timers.clear();
    this.answers.remember({ height: h, value: eff.value, certificate });
    const evidence = [...this.evidence.values()];
    this.evidence.clear();
    this.stats.decided++;
    this.o.onDecide?.(h, eff.value, certificate, { round: eff.round, certified: eff.certified });
    const app = this.o.app;
    app
      .finalizeBlock(h, eff.value, certificate, evidence)
      .then(() => app.commit())
      .then(
        () => {
          if (this.running && this.h === h) this.enterHeight(h + 1);
        },
        (e) => this.o.onError?.(e),
      );
  }

  private sign(rec: SignRecord, bytes: () => Uint8Array, lockProof?: SignLockProof): Uint8Array | null {
    if (this.self < 0) return null;
    const next = guardNext(this.o.signGuard.load(), rec, lockProof);
    if (!next) {
      this.stats.refusedToSign++;
      return null;
    }
    this.o.signGuard.save(next);
    return this.o.bls.sign(this.o.secretKey, bytes());
  }

  private publish(m: ConsensusMessage, round: number): void {
    const bytes = encodeMessage(m);
    this.own.push(bytes);
    this.ownRounds.push(round);
    this.send(bytes);
  }

  /** Re-broadcasts the prevotes (signed by their validators) for `hash` at `round`. */
  private relayPolka(round: number, hash: Uint8Array): void {
    for (const vote of this.machine.prevotesFor(round, hash)) this.send(encodeMessage({ kind: 'vote', vote }));
  }

  private send(bytes: Uint8Array): void {
    this.stats.sent++;
    this.o.transport.broadcast(bytes);
  }

  // ---- incoming ----

  private reject(from: string, reason: string): void {
    this.stats.rejected++;
    this.o.onReject?.(from, reason);
  }

  /** Never throws: whatever a peer sends ends as accepted, buffered, answered or rejected. */
  receive(from: string, bytes: Uint8Array): void {
    if (!this.running) return;
    this.stats.received++;
    try {
      const d = decodeMessage(bytes);
      if (!d.ok) return this.reject(from, d.reason);
      const m = d.message;
      const height = messageHeight(m);
      const decidedUpTo = this.committing ? this.h : this.h - 1;
      if (height <= decidedUpTo) {
        if (m.kind !== 'commit') this.answerStale(from, height);
        return;
      }
      if (m.kind === 'status') return;
      if (height === this.h && !this.committing) return this.accept(from, m);
      if (height === this.h + 1 || (height === this.h && this.committing)) {
        if (this.buffered.length < this.maxBuffered) this.buffered.push({ from, msg: m });
        return;
      }
      // Further ahead: dropped; if we are behind, peers answer our own messages with commits.
    } catch (e) {
      this.reject(from, `internal error: ${(e as Error).message}`);
      this.o.onError?.(e);
    }
  }

  private accept(from: string, m: ConsensusMessage): void {
    const genesis = this.o.app.genesisHash;
    switch (m.kind) {
      case 'vote': {
        const v = m.vote;
        if (v.height !== this.h) return;
        const pk = this.validators[v.validator]?.blsPk;
        if (!pk) return this.reject(from, `vote from unknown validator ${v.validator}`);
        if (this.machine.hasVote(v)) return;
        if (!this.o.bls.verify(pk, voteSignBytes(genesis, v), v.signature)) return this.reject(from, 'vote signature does not verify');
        this.dispatch({ type: 'vote', vote: v });
        return;
      }
      case 'proposal': {
        const p = m.proposal;
        if (p.height !== this.h) return;
        const pk = this.validators[p.proposer]?.blsPk;
        if (!pk) return this.reject(from, `proposal from unknown validator ${p.proposer}`);
        if (this.machine.hasProposal(p)) return;
        if (!this.o.bls.verify(pk, proposalSignBytes(genesis, p), p.signature)) return this.reject(from, 'proposal signature does not verify');
        this.dispatch({ type: 'proposal', proposal: p });
        return;
      }
      case 'commit': {
        const c = m.commit;
        if (c.height !== this.h || this.committing) return;
        const chk = checkCertificate(this.o.bls as BlsApi, this.validators, genesis, c.height, c.value.hash, c.certificate);
        if (!chk.ok) return this.reject(from, `commit: ${chk.reason}`);
        this.certified.set(Buffer.from(c.value.hash).toString('hex'), c.certificate);
        this.dispatch({ type: 'certified', height: c.height, round: c.certificate.round, value: c.value });
        return;
      }
      case 'status':
        return;
    }
  }

  /** A peer behind us: answer with the decided value and its certificate (./commit-answers). */
  private answerStale(from: string, height: number): void {
    const bytes = this.answers.answer(from, height, this.sched.now());
    if (!bytes) return;
    this.stats.sent++;
    if (this.o.transport.send) this.o.transport.send(from, bytes);
    else this.o.transport.broadcast(bytes);
  }
}
