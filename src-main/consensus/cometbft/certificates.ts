/**
 * BLS certificates on top of CometBFT (docs/consensus.md). CometBFT's votes are ed25519 and are
 * not aggregated; Trichain's proofs need the 96-byte certificate. So:
 *  - ExtendVote at height h (h ≥ 2): the validator signs the block decided at h − 1 — the one its
 *    own replica committed — with its BLS key: voteMessage(genesis, h−1, DECIDED_ROUND, precommit, hash);
 *  - VerifyVoteExtension: the signature must verify under the sender's BLS key;
 *  - PrepareProposal at h + 1: the proposer re-checks the extensions of the commit of h and
 *    aggregates a quorum of them into the certificate of h − 1 (signature + signer bitmap);
 *  - ProcessProposal checks that certificate like any other (ledger/certificate.ts).
 * The signers of block b's certificate are CometBFT's validators at b + 1; the app keeps CometBFT's
 * set one height behind the ledger's (validators.ts), so they are the ledger's set at b.
 */
import { bytesEqual } from '../../codec/canonical';
import type { BlsApi } from '../../crypto/bls-types';
import { DECIDED_ROUND, makeCertificate, quorum } from '../../ledger/certificate';
import { voteMessage } from '../../ledger/encoding';
import type { Certificate, ValidatorInfo } from '../../ledger/types';
import { addressOf } from './keys';

export const decidedMessage = (genesis: Uint8Array, height: number, blockHash: Uint8Array): Uint8Array =>
  voteMessage(genesis, height, DECIDED_ROUND, 'precommit', blockHash);

export function indexByAddress(validators: ValidatorInfo[], address: Uint8Array): number {
  return validators.findIndex((v) => v.consensusKey && bytesEqual(addressOf(v.consensusKey), address));
}

export interface Extension {
  address: Uint8Array;
  extension: Uint8Array;
}

/**
 * Aggregates the valid extensions among `votes` into a certificate of (height, blockHash) for the
 * set `validators`, or returns null with the reason when they fall short of a quorum. Each
 * extension is checked: the proposer must not trust what its peers sent (one batch check, then
 * one by one only if the batch fails).
 */
export function aggregateExtensions(
  bls: BlsApi,
  validators: ValidatorInfo[],
  genesis: Uint8Array,
  height: number,
  blockHash: Uint8Array,
  votes: Extension[],
): { cert: Certificate } | { cert: null; reason: string } {
  const msg = decidedMessage(genesis, height, blockHash);
  const found = new Map<number, Uint8Array>();
  for (const v of votes) {
    const i = indexByAddress(validators, v.address);
    if (i < 0 || found.has(i) || v.extension.length !== 96) continue;
    found.set(i, v.extension);
  }
  let good = [...found];
  if (good.length > 0 && !allValid(bls, good, validators, msg)) {
    good = good.filter(([i, s]) => bls.verify(validators[i].blsPk, msg, s));
  }
  if (good.length < quorum(validators.length)) return { cert: null, reason: `${good.length} valid extensions of ${validators.length}, quorum is ${quorum(validators.length)}` };
  return { cert: makeCertificate(bls, validators.length, DECIDED_ROUND, good.map(([validator, signature]) => ({ validator, signature }))) };
}

function allValid(bls: BlsApi, sigs: [number, Uint8Array][], validators: ValidatorInfo[], msg: Uint8Array): boolean {
  try {
    return bls.fastAggregateVerify(sigs.map(([i]) => validators[i].blsPk), msg, bls.aggregate(sigs.map(([, s]) => s)));
  } catch {
    return false;
  }
}
