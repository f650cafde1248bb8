/**
 * A chain's validator-set history for verifiers that do not replicate the chain (an entity holds
 * only the social chain, yet checks block certificates of the patient and hospital chains inside a
 * cross-chain proof). Each `validators.update` body is self-certifying: a quorum of the set in force
 * where it was included signed (add, remove, effectiveHeight) under the chain's genesis hash
 * (rules/common.ts validatorChangeMessage), and every added key carries its proof of possession.
 * Replaying the bodies in order from the genesis set therefore yields the set at any height, and a
 * forged set needs a quorum of signatures of an earlier set. What replay cannot rule out is the
 * long-range case: validators who have left colluding to sign a history that never happened; a
 * block certificate must still match the replayed set's hash in its header (docs/security.md).
 */
import { bitmapIndices, quorum } from './certificate';
import { genesisHash } from './encoding';
import type { Ledger } from './ledger';
import { nextSet, validatorChangeMessage, type ValidatorChangeBody } from './rules/common';
import type { BlsApi } from '../crypto/bls-types';
import type { ChainId, Genesis, ValidatorInfo } from './types';

/** One accepted change: the height of the block that included it, and its certified body. */
export interface ValidatorChangeRecord {
  height: number;
  body: ValidatorChangeBody;
}

/** At most this many changes are carried or replayed (a bound on a verifier's work). */
export const MAX_CHANGE_RECORDS = 256;

/** The changes committed on `chain` up to `upToHeight`, in order (read from the node's own blocks). */
export function validatorChangeRecords(ledger: Ledger, chain: ChainId, upToHeight: number): ValidatorChangeRecord[] {
  const rows = ledger.db
    .prepare("SELECT height, idx FROM txs WHERE chain = ? AND type = 'validators.update' AND height <= ? ORDER BY height, idx")
    .all(chain, upToHeight) as { height: number; idx: number }[];
  return rows.map((r) => ({ height: r.height, body: ledger.block(chain, r.height)!.txs[r.idx].body as unknown as ValidatorChangeBody }));
}

/**
 * Replays `records` from the genesis set, checking each change's quorum signature against the set
 * in force at its height; returns the set in force at any height. Throws naming the first change
 * that does not verify.
 */
export function replayValidatorChanges(bls: Pick<BlsApi, 'fastAggregateVerify' | 'popVerify'>, genesis: Genesis, records: readonly ValidatorChangeRecord[]): (height: number) => ValidatorInfo[] {
  if (!Array.isArray(records) || records.length > MAX_CHANGE_RECORDS) throw new Error(`validator changes: at most ${MAX_CHANGE_RECORDS}`);
  const gh = genesisHash(genesis);
  // fromHeight → set, as the chain's state keeps them (a later change at the same height replaces).
  const sets = new Map<number, ValidatorInfo[]>([[1, genesis.validators]]);
  const at = (height: number): ValidatorInfo[] => {
    let best = 0;
    for (const from of sets.keys()) if (from <= height && from > best) best = from;
    return sets.get(best)!;
  };
  let last = 0;
  records.forEach((r, i) => {
    const b = r?.body;
    if (!Number.isSafeInteger(r?.height) || r.height < last || !b || !Number.isSafeInteger(b.effectiveHeight) || b.effectiveHeight <= r.height) throw new Error(`validator change ${i + 1} is malformed or out of order`);
    last = r.height;
    const current = at(r.height);
    let idx: number[];
    try {
      idx = bitmapIndices(b.signers, current.length);
    } catch (e) {
      throw new Error(`validator change ${i + 1}: ${(e as Error).message}`);
    }
    if (idx.length < quorum(current.length)) throw new Error(`validator change ${i + 1} has ${idx.length} signers, quorum is ${quorum(current.length)}`);
    if (!bls.fastAggregateVerify(idx.map((j) => current[j].blsPk), validatorChangeMessage(gh, b), b.signature)) throw new Error(`validator change ${i + 1}: signature does not verify`);
    for (const a of b.add) if (!bls.popVerify(a.blsPk, a.pop)) throw new Error(`validator change ${i + 1}: proof of possession of ${a.name} does not verify`);
    sets.set(b.effectiveHeight, nextSet(current, b));
  });
  return at;
}
