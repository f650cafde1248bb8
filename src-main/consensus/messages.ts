/**
 * Consensus messages (DESIGN.md §4) and their wire encoding.
 *
 * Signed bytes:
 *   vote      voteMessage(genesis, height, round, phase, blockHash | null)   (ledger/encoding)
 *             so that a quorum of precommits aggregates directly into the ledger's Certificate;
 *   proposal  domainBytes('proposal', {genesis, height, round, polRound, block: hash}).
 *             The proposal signs the value's hash only; that the value's bytes hash to it is the
 *             application's check (ConsensusApp.processProposal), since the value is opaque here.
 *
 * Wire form: canonical CBOR (codec/canonical) of one of
 *   {t:'proposal', h, r, pr, hash, bytes, p, sig}
 *   {t:'vote', h, r, ph, b, i, sig}
 *   {t:'commit', h, hash, bytes, cert:{round, signers, signature}}   (catch-up: a certified decision)
 *   {t:'status', h}   (unsigned "I am deciding height h": peers that are ahead answer with a commit)
 * decodeMessage never throws: a hostile peer's malformed bytes come back as {ok:false, reason}.
 */
import { canonicalDecode, canonicalEncode, domainBytes, type Canonical } from '../codec/canonical';
import { voteMessage, type VotePhase } from '../ledger/encoding';
import type { Certificate } from '../ledger/types';

export type { VotePhase } from '../ledger/encoding';

export const HASH_BYTES = 32;
export const SIGNATURE_BYTES = 96;
/** Largest round number accepted from the wire (a round lasts at least a second: years of rounds). */
export const MAX_ROUND = 1_000_000;
export const MAX_VALIDATORS = 65_536;
/** Largest proposal value accepted from the wire. */
export const MAX_VALUE_BYTES = 16 * 1024 * 1024;

/** An opaque proposed value: the block's hash and its wire bytes. */
export interface ProposalValue {
  hash: Uint8Array;
  bytes: Uint8Array;
}

export interface Proposal {
  height: number;
  round: number;
  /** The round of the polka (2f+1 prevotes) this value is re-proposed with, or -1. */
  polRound: number;
  value: ProposalValue;
  /** Index of the proposer in the validator set in force at `height`. */
  proposer: number;
  signature: Uint8Array;
}

export interface Vote {
  height: number;
  round: number;
  phase: VotePhase;
  /** The block hash voted for, or null for nil. */
  blockHash: Uint8Array | null;
  validator: number;
  signature: Uint8Array;
}

/** A decided value with its commit certificate: lets a lagging node jump one height at once. */
export interface CommitMessage {
  height: number;
  value: ProposalValue;
  certificate: Certificate;
}

export type ConsensusMessage =
  | { kind: 'proposal'; proposal: Proposal }
  | { kind: 'vote'; vote: Vote }
  | { kind: 'commit'; commit: CommitMessage }
  | { kind: 'status'; height: number };

export const voteSignBytes = (genesis: Uint8Array, v: Pick<Vote, 'height' | 'round' | 'phase' | 'blockHash'>): Uint8Array =>
  voteMessage(genesis, v.height, v.round, v.phase, v.blockHash);

export const proposalSignBytes = (genesis: Uint8Array, p: Pick<Proposal, 'height' | 'round' | 'polRound' | 'value'>): Uint8Array =>
  domainBytes('proposal', { genesis, height: p.height, round: p.round, polRound: p.polRound, block: p.value.hash });

export function encodeMessage(m: ConsensusMessage): Uint8Array {
  let v: Canonical;
  switch (m.kind) {
    case 'proposal': {
      const p = m.proposal;
      v = { t: 'proposal', h: p.height, r: p.round, pr: p.polRound, hash: p.value.hash, bytes: p.value.bytes, p: p.proposer, sig: p.signature };
      break;
    }
    case 'vote': {
      const x = m.vote;
      v = { t: 'vote', h: x.height, r: x.round, ph: x.phase, b: x.blockHash, i: x.validator, sig: x.signature };
      break;
    }
    case 'commit': {
      const c = m.commit;
      v = { t: 'commit', h: c.height, hash: c.value.hash, bytes: c.value.bytes, cert: { round: c.certificate.round, signers: c.certificate.signers, signature: c.certificate.signature } };
      break;
    }
    case 'status':
      v = { t: 'status', h: m.height };
      break;
  }
  return canonicalEncode(v);
}

export type DecodeResult = { ok: true; message: ConsensusMessage } | { ok: false; reason: string };

class Reject extends Error {}

function fail(reason: string): never {
  throw new Reject(reason);
}

function exactKeys(o: Record<string, unknown>, keys: string[], what: string): void {
  const have = Object.keys(o).sort();
  const want = [...keys].sort();
  if (have.length !== want.length || have.some((k, i) => k !== want[i])) fail(`${what}: fields must be exactly ${want.join(',')}`);
}

function int(x: unknown, what: string, min: number, max: number): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < min || x > max) fail(`${what} must be an integer in [${min}, ${max}]`);
  return x;
}

function bytes(x: unknown, what: string, len?: number, maxLen = MAX_VALUE_BYTES): Uint8Array {
  if (!(x instanceof Uint8Array)) fail(`${what} must be bytes`);
  if (len !== undefined && x.length !== len) fail(`${what} must be ${len} bytes`);
  if (x.length > maxLen) fail(`${what} exceeds ${maxLen} bytes`);
  return x;
}

function parse(o: Record<string, unknown>): ConsensusMessage {
  const h = () => int(o.h, 'height', 0, Number.MAX_SAFE_INTEGER);
  switch (o.t) {
    case 'proposal': {
      exactKeys(o, ['t', 'h', 'r', 'pr', 'hash', 'bytes', 'p', 'sig'], 'proposal');
      const round = int(o.r, 'round', 0, MAX_ROUND);
      const polRound = int(o.pr, 'polRound', -1, MAX_ROUND);
      if (polRound >= round) fail('polRound must be below round');
      return {
        kind: 'proposal',
        proposal: {
          height: h(),
          round,
          polRound,
          value: { hash: bytes(o.hash, 'hash', HASH_BYTES), bytes: bytes(o.bytes, 'value bytes') },
          proposer: int(o.p, 'proposer', 0, MAX_VALIDATORS - 1),
          signature: bytes(o.sig, 'signature', SIGNATURE_BYTES),
        },
      };
    }
    case 'vote': {
      exactKeys(o, ['t', 'h', 'r', 'ph', 'b', 'i', 'sig'], 'vote');
      if (o.ph !== 'prevote' && o.ph !== 'precommit') fail('vote phase must be prevote or precommit');
      return {
        kind: 'vote',
        vote: {
          height: h(),
          round: int(o.r, 'round', 0, MAX_ROUND),
          phase: o.ph,
          blockHash: o.b === null ? null : bytes(o.b, 'block hash', HASH_BYTES),
          validator: int(o.i, 'validator', 0, MAX_VALIDATORS - 1),
          signature: bytes(o.sig, 'signature', SIGNATURE_BYTES),
        },
      };
    }
    case 'commit': {
      exactKeys(o, ['t', 'h', 'hash', 'bytes', 'cert'], 'commit');
      const c = o.cert;
      if (c === null || typeof c !== 'object' || Array.isArray(c) || c instanceof Uint8Array) fail('commit certificate must be a map');
      const cert = c as Record<string, unknown>;
      exactKeys(cert, ['round', 'signers', 'signature'], 'certificate');
      return {
        kind: 'commit',
        commit: {
          height: h(),
          value: { hash: bytes(o.hash, 'hash', HASH_BYTES), bytes: bytes(o.bytes, 'value bytes') },
          certificate: {
            round: int(cert.round, 'certificate round', 0, MAX_ROUND),
            signers: bytes(cert.signers, 'certificate signers', undefined, MAX_VALIDATORS / 8),
            signature: bytes(cert.signature, 'certificate signature', SIGNATURE_BYTES),
          },
        },
      };
    }
    case 'status':
      exactKeys(o, ['t', 'h'], 'status');
      return { kind: 'status', height: h() };
    default:
      fail('unknown message type');
  }
}

/** Strict decode of a wire message; never throws. */
export function decodeMessage(wire: unknown): DecodeResult {
  if (!(wire instanceof Uint8Array)) return { ok: false, reason: 'message must be bytes' };
  if (wire.length > MAX_VALUE_BYTES + 4096) return { ok: false, reason: 'message too large' };
  let o: unknown;
  try {
    o = canonicalDecode(wire);
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o) || o instanceof Uint8Array) return { ok: false, reason: 'message must be a map' };
  try {
    return { ok: true, message: parse(o as Record<string, unknown>) };
  } catch (e) {
    if (e instanceof Reject) return { ok: false, reason: e.message };
    return { ok: false, reason: `malformed message (${(e as Error).message})` };
  }
}

export function messageHeight(m: ConsensusMessage): number {
  switch (m.kind) {
    case 'proposal':
      return m.proposal.height;
    case 'vote':
      return m.vote.height;
    case 'commit':
      return m.commit.height;
    case 'status':
      return m.height;
  }
}

/** A short stable key for a hash or nil, for maps. */
export function hashKey(h: Uint8Array | null): string {
  return h === null ? 'nil' : Buffer.from(h.buffer, h.byteOffset, h.length).toString('hex');
}
