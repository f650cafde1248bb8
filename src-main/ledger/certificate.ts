/**
 * Commit certificates (DESIGN.md §4): the precommit signatures of more than two thirds of a
 * chain's validators over voteMessage(genesis, height, round, 'precommit', blockHash), aggregated
 * into one 96-byte BLS signature, plus a signer bitmap. Verification is one fastAggregateVerify:
 * all signers signed the same message, and every validator key was admitted with a proof of
 * possession, so the rogue-key attack does not apply.
 */
import type { BlsApi } from '../crypto/bls-types';
import { SIGNATURE_LENGTH } from '../crypto/bls-types';
import { voteMessage } from './encoding';
import type { Certificate, ValidatorInfo } from './types';

/** Quorum: the smallest count strictly greater than two thirds of n. */
export const quorum = (n: number): number => Math.floor((2 * n) / 3) + 1;

export function bitmapLength(n: number): number {
  return Math.ceil(n / 8);
}

export function makeBitmap(n: number, indices: Iterable<number>): Uint8Array {
  const b = new Uint8Array(bitmapLength(n));
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`certificate: signer index ${i} out of range`);
    b[i >> 3] |= 1 << (i & 7);
  }
  return b;
}

/** Signer indices set in a bitmap for a set of n validators; throws if the bitmap has the wrong size or stray bits. */
export function bitmapIndices(bitmap: Uint8Array, n: number): number[] {
  if (!(bitmap instanceof Uint8Array) || bitmap.length !== bitmapLength(n)) throw new Error('certificate: bitmap has the wrong length');
  const out: number[] = [];
  for (let i = 0; i < bitmap.length * 8; i++) {
    if (bitmap[i >> 3] & (1 << (i & 7))) {
      if (i >= n) throw new Error('certificate: bitmap names a validator outside the set');
      out.push(i);
    }
  }
  return out;
}

export interface SignedVote {
  validator: number;
  signature: Uint8Array;
}

/** Aggregates precommit votes into a certificate; throws unless they reach a quorum. */
export function makeCertificate(bls: BlsApi, n: number, round: number, votes: SignedVote[]): Certificate {
  const unique = new Map<number, Uint8Array>();
  for (const v of votes) unique.set(v.validator, v.signature);
  if (unique.size < quorum(n)) throw new Error(`certificate: ${unique.size} of ${n} votes is not a quorum (need ${quorum(n)})`);
  const idx = [...unique.keys()].sort((a, b) => a - b);
  return { round, signers: makeBitmap(n, idx), signature: bls.aggregate(idx.map((i) => unique.get(i)!)) };
}

export type CertCheck = { ok: true; signers: number[] } | { ok: false; reason: string };

/**
 * The one quorum check every certificate goes through (block certificates here, validator-set
 * changes in consensus/validator-set.ts, the blocks inside a cross-chain proof in emr/share/proof.ts):
 * the signer bitmap must decode against the set and name a quorum of it. `what` names the
 * certificate in the reason.
 */
export function quorumSigners(validators: readonly ValidatorInfo[], bitmap: Uint8Array, what = 'certificate'): CertCheck {
  let signers: number[];
  try {
    signers = bitmapIndices(bitmap, validators.length);
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  if (signers.length < quorum(validators.length)) return { ok: false, reason: `${what} has ${signers.length} signers, quorum is ${quorum(validators.length)}` };
  return { ok: true, signers };
}

/** quorumSigners, then the aggregate signature of those signers over `msg`. */
export function verifyQuorum(
  bls: Pick<BlsApi, 'fastAggregateVerify'>,
  validators: readonly ValidatorInfo[],
  bitmap: Uint8Array,
  msg: Uint8Array,
  signature: Uint8Array,
  what = 'certificate',
): CertCheck {
  const q = quorumSigners(validators, bitmap, what);
  if (!q.ok) return q;
  return bls.fastAggregateVerify(q.signers.map((i) => validators[i].blsPk), msg, signature) ? q : { ok: false, reason: `${what} signature does not verify` };
}

/** Checks a certificate for `blockHash` at `height` against the validator set in force there. */
export function checkCertificate(
  bls: BlsApi,
  validators: ValidatorInfo[],
  genesis: Uint8Array,
  height: number,
  blockHash: Uint8Array,
  cert: Certificate,
): CertCheck {
  if (!cert || !(cert.signature instanceof Uint8Array) || cert.signature.length !== SIGNATURE_LENGTH) return { ok: false, reason: 'certificate signature is not 96 bytes' };
  if (!Number.isSafeInteger(cert.round) || cert.round < 0) return { ok: false, reason: 'certificate round is invalid' };
  return verifyQuorum(bls, validators, cert.signers, voteMessage(genesis, height, cert.round, 'precommit', blockHash), cert.signature);
}

/**
 * Certificates made on CometBFT (consensus/cometbft, docs/consensus.md): each validator signs a
 * block only after it was decided, in its vote extension at the next height, and the next proposer
 * aggregates a quorum. They are precommit-shaped (the same voteMessage, so the ledger, catch-up sync
 * and cross-chain proofs verify them unchanged) at this reserved round, which the embedded engine
 * never reaches (it would take 2^31 - 1 round timeouts at one height).
 */
export const DECIDED_ROUND = 0x7fffffff;

/**
 * The placeholder a block is stored with while its certificate is on its way (a CometBFT block's
 * certificate lands two heights later): no signer, the infinity signature. It never verifies.
 */
export function pendingCertificate(n: number): Certificate {
  const signature = new Uint8Array(SIGNATURE_LENGTH);
  signature[0] = 0xc0;
  return { round: DECIDED_ROUND, signers: new Uint8Array(bitmapLength(n)), signature };
}

export function isPendingCertificate(c: Certificate | undefined): boolean {
  return !!c && c.round === DECIDED_ROUND && c.signers instanceof Uint8Array && c.signers.every((b) => b === 0);
}
