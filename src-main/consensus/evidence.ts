/**
 * Equivocation evidence (DESIGN.md §4): two votes by one validator for different blocks (a nil vote
 * counts as a block here) at the same height, round and phase. Both signatures verify under the same
 * key, so anyone holding the validator set can check it later; the ledger keeps it on the chain.
 */
import type { Canonical } from '../codec/canonical';
import { canonicalDecode, canonicalEncode, bytesEqual } from '../codec/canonical';
import type { BlsApi } from '../crypto/bls-types';
import type { ValidatorInfo } from '../ledger/types';
import { decodeMessage, encodeMessage, voteSignBytes, type Vote } from './messages';

export interface Evidence {
  voteA: Vote;
  voteB: Vote;
}

export type EvidenceCheck = { ok: true; validator: number } | { ok: false; reason: string };

const sameHash = (a: Uint8Array | null, b: Uint8Array | null): boolean => (a === null || b === null ? a === b : bytesEqual(a, b));

/** The structural part of the check (no signatures): same validator/height/round/phase, different blocks. */
export function evidenceShape(e: Evidence): EvidenceCheck {
  const { voteA: a, voteB: b } = e ?? ({} as Evidence);
  if (!a || !b) return { ok: false, reason: 'evidence needs two votes' };
  if (a.validator !== b.validator) return { ok: false, reason: 'votes are by different validators' };
  if (a.height !== b.height || a.round !== b.round || a.phase !== b.phase) return { ok: false, reason: 'votes are not for the same height, round and phase' };
  if (sameHash(a.blockHash, b.blockHash)) return { ok: false, reason: 'votes are for the same block' };
  return { ok: true, validator: a.validator };
}

/** Verifies evidence against the validator set in force at the votes' height. */
export function checkEvidence(bls: Pick<BlsApi, 'verify'>, validators: ValidatorInfo[], genesis: Uint8Array, e: Evidence): EvidenceCheck {
  const s = evidenceShape(e);
  if (!s.ok) return s;
  const v = validators[s.validator];
  if (!v) return { ok: false, reason: `validator ${s.validator} is not in the set` };
  if (!bls.verify(v.blsPk, voteSignBytes(genesis, e.voteA), e.voteA.signature)) return { ok: false, reason: 'first vote signature does not verify' };
  if (!bls.verify(v.blsPk, voteSignBytes(genesis, e.voteB), e.voteB.signature)) return { ok: false, reason: 'second vote signature does not verify' };
  return { ok: true, validator: s.validator };
}

/** Canonical bytes of evidence (for a ledger transaction): [voteA wire, voteB wire], ordered by bytes. */
export function encodeEvidence(e: Evidence): Uint8Array {
  const a = encodeMessage({ kind: 'vote', vote: e.voteA });
  const b = encodeMessage({ kind: 'vote', vote: e.voteB });
  const [x, y] = Buffer.compare(a, b) <= 0 ? [a, b] : [b, a];
  return canonicalEncode([x, y] as Canonical);
}

export function decodeEvidence(bytes: Uint8Array): Evidence {
  const arr = canonicalDecode(bytes);
  if (!Array.isArray(arr) || arr.length !== 2 || !(arr[0] instanceof Uint8Array) || !(arr[1] instanceof Uint8Array)) throw new Error('evidence: malformed encoding');
  const votes = arr.map((w) => {
    const r = decodeMessage(w as Uint8Array);
    if (!r.ok) throw new Error(`evidence: ${r.reason}`);
    if (r.message.kind !== 'vote') throw new Error('evidence: not a vote');
    return r.message.vote;
  });
  const e = { voteA: votes[0], voteB: votes[1] };
  const s = evidenceShape(e);
  if (!s.ok) throw new Error(`evidence: ${s.reason}`);
  return e;
}

/** A stable identity for evidence (independent of vote order), for de-duplication. */
export function evidenceKey(e: Evidence): string {
  return Buffer.from(encodeEvidence(e)).toString('base64');
}
