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
import type { Ledger } from '../../ledger/ledger';
import type { ChainId, ValidatorInfo } from '../../ledger/types';
import type { ValidatorUpdate } from 'cosmjs-types/tendermint/abci/types.js';

export const VOTING_POWER = 10n;

/** Whether a validator names its CometBFT key (a 32-byte ed25519 public key). */
export const namesCometKey = (v: ValidatorInfo): boolean => v.consensusKey instanceof Uint8Array && v.consensusKey.length === 32;

export function requireConsensusKeys(vs: ValidatorInfo[]): void {
  for (const v of vs) {
    if (!namesCometKey(v)) throw new Error(`validator ${v.name} has no CometBFT key (consensusKey): this chain cannot run on CometBFT`);
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

/** A set CometBFT runs: more than one validator, each naming its CometBFT key (one validator stays on the solo producer). */
export const isCometSet = (vs: ValidatorInfo[]): boolean => vs.length > 1 && vs.every(namesCometKey);

/** Every validator set the chain's state records, with the height from which it is in force (current and scheduled). */
export function validatorSets(ledger: Ledger, chain: ChainId): { from: number; vs: ValidatorInfo[] }[] {
  return ledger
    .state(chain)
    .scan('validators/')
    .map(([k, v]) => ({ from: Number(k.slice('validators/'.length)), vs: v as unknown as ValidatorInfo[] }));
}

/**
 * The height from which CometBFT decides a chain's blocks, for the era containing `height`: the
 * first height of the run of CometBFT sets in force at `height`, or null when the set at `height`
 * is not one. 1 for a chain founded with them; E for a chain whose solo founder certified blocks
 * 1 … E − 1 and whose validator-set change makes a CometBFT set effective at E (the handover:
 * CometBFT's genesis then starts at E, its app hash the hash of block E − 1). Derived from the
 * chain's own state, so every validator computes the same.
 */
export function cometStartHeight(ledger: Ledger, chain: ChainId, height: number): number | null {
  const sets = validatorSets(ledger, chain).filter((s) => s.from <= height);
  if (sets.length === 0 || !isCometSet(sets[sets.length - 1].vs)) return null;
  let i = sets.length - 1;
  while (i > 0 && isCometSet(sets[i - 1].vs)) i--;
  return Math.max(1, sets[i].from);
}
