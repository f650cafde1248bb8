/**
 * What drives a consensus engine (./engine) from outside: its options (the app, keys, sign guard,
 * timeouts, observability hooks), a scheduler for its timers (the real clock, or a simulation's
 * virtual time), a transport for its messages, the BLS operations it signs and verifies with (the
 * simulation injects a fast stand-in), and the counters it keeps.
 */
import type { BlsApi } from '../crypto/bls-types';
import type { Certificate } from '../ledger/types';
import type { ConsensusApp } from './abci';
import type { Evidence } from './evidence';
import type { TimeoutConfig } from './machine-events';
import type { ProposalValue } from './messages';
import type { SignGuard } from './sign-guard';

export interface Scheduler {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realScheduler: Scheduler = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface Transport {
  broadcast(msg: Uint8Array): void;
  onMessage(handler: (from: string, msg: Uint8Array) => void): void;
  /** Unicast, if the transport has it; otherwise replies are broadcast. */
  send?(to: string, msg: Uint8Array): void;
}

/** The BLS operations the engine uses (the simulation injects a fast stand-in). */
export type ConsensusBls = Pick<BlsApi, 'sign' | 'verify' | 'aggregate' | 'fastAggregateVerify'>;

export interface EngineOptions {
  app: ConsensusApp;
  transport: Transport;
  bls: ConsensusBls;
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  signGuard: SignGuard;
  scheduler?: Scheduler;
  timeouts?: TimeoutConfig;
  gossipIntervalMs?: number;
  commitResendMs?: number;
  /** Cap on buffered next-height messages. */
  maxBuffered?: number;
  /** Observability hooks (tests, logs, metrics). */
  onDecide?: (height: number, value: ProposalValue, certificate: Certificate, info: { round: number; certified: boolean }) => void;
  onReject?: (from: string, reason: string) => void;
  onEvidence?: (e: Evidence) => void;
  onError?: (e: unknown) => void;
}

export interface EngineStats {
  sent: number;
  received: number;
  rejected: number;
  refusedToSign: number;
  decided: number;
  catchUps: number;
}
