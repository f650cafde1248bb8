/**
 * The boundary between consensus and the ledger, shaped like CometBFT's ABCI++ (PrepareProposal,
 * ProcessProposal, FinalizeBlock, Commit) so that a consortium can swap the embedded engine for
 * CometBFT without touching the ledger's rules (DESIGN.md §4).
 *
 * Values are opaque to consensus: { hash, bytes } where hash is the block hash the validators vote
 * on (ledger/encoding blockHash(header)) and bytes its wire form. processProposal must check that
 * the bytes decode to a block whose hash is `hash` and that the block is valid at `height`; it must
 * be deterministic (every correct node gives the same answer for the same value).
 *
 * Evidence: finalizeBlock receives the equivocation evidence this node detected and verified since
 * the previous finalizeBlock. The ledger is expected to put it into an evidence transaction (its
 * mempool), so it lands on the chain; anyone can re-check it with checkEvidence (evidence.ts).
 */
import type { Certificate, ValidatorInfo } from '../ledger/types';
import type { Evidence } from './evidence';
import type { ProposalValue } from './messages';

export type ProcessResult = { accept: true } | { accept: false; reason: string };

export interface ConsensusApp {
  /** Hash of the chain's genesis: bound into every signed vote and proposal. */
  readonly genesisHash: Uint8Array;
  /** The validator set in force at `height` (order = validator index = certificate bitmap bit). */
  validatorsAt(height: number): ValidatorInfo[];
  /** Height of the last committed block (0 when only genesis exists); consensus resumes at the next. */
  lastCommittedHeight(): number;
  /** Build the block to propose at `height` (time in ms since the epoch, proposer's index). */
  prepareProposal(height: number, time: number, proposer: number): Promise<ProposalValue>;
  processProposal(height: number, value: ProposalValue): Promise<ProcessResult>;
  /** Apply the decided block; `certificate` is its commit certificate. */
  finalizeBlock(height: number, value: ProposalValue, certificate: Certificate, evidence: Evidence[]): Promise<void>;
  /** Persist the state finalized by the last finalizeBlock. */
  commit(): Promise<void>;
  /** A committed block and its certificate, so that lagging peers can catch up (optional). */
  committedAt?(height: number): { value: ProposalValue; certificate: Certificate } | undefined;
}
