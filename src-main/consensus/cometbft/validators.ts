/**
 * CometBFT's validator set, derived from the ledger's. Every Trichain validator of a CometBFT chain
 * names its CometBFT key (ValidatorInfo.consensusKey, ed25519) and has the same voting power, so
 * "more than two thirds of the power" is the ledger's quorum.
 *
 * One height apart: CometBFT's set at height h + 1 is the ledger's set at h. The signers of block
 * b's BLS certificate are those who extend their precommits at b + 1 (certificates.ts), so they
 * are exactly the ledger's validators at b, which the certificate is checked against. A change the
 * ledger makes effective at E (a validators.update committed at some H < E) is returned to CometBFT
 * by FinalizeBlock E − 1, which CometBFT applies at (E − 1) + 2 = E + 1.
 */
import { toHex } from '../../codec/hex';
import type { ValidatorInfo } from '../../ledger/types';
import type { ValidatorUpdate } from 'cosmjs-types/tendermint/abci/types.js';

export const VOTING_POWER = 10n;

export function requireConsensusKeys(vs: ValidatorInfo[]): void {
  for (const v of vs) {
    if (!(v.consensusKey instanceof Uint8Array) || v.consensusKey.length !== 32) throw new Error(`validator ${v.name} has no CometBFT key (consensusKey): this chain cannot run on CometBFT`);
  }
}

const update = (key: Uint8Array, power: bigint): ValidatorUpdate => ({ pubKey: { ed25519: key }, power });

export function cometValidatorsOf(vs: ValidatorInfo[]): ValidatorUpdate[] {
  requireConsensusKeys(vs);
  return vs.map((v) => update(v.consensusKey!, VOTING_POWER));
}

/** The updates that turn CometBFT's set `before` into `after` (removals have power 0). */
export function cometValidatorUpdates(before: ValidatorInfo[], after: ValidatorInfo[]): ValidatorUpdate[] {
  const key = (v: ValidatorInfo) => (v.consensusKey ? toHex(v.consensusKey) : '');
  const a = new Set(after.map(key));
  const b = new Set(before.map(key));
  const out: ValidatorUpdate[] = [];
  for (const v of before) if (v.consensusKey && !a.has(key(v))) out.push(update(v.consensusKey, 0n));
  for (const v of after) if (v.consensusKey && !b.has(key(v))) out.push(update(v.consensusKey, VOTING_POWER));
  return out;
}
