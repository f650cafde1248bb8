/**
 * Validator-set changes (DESIGN.md §4).
 *
 * A change is a transaction body { add, remove, effectiveHeight }. The rule chosen here is BOTH:
 *  1. it carries a certificate of the set in force at the height of the block that includes it: a
 *     quorum (more than two thirds) of that set signed
 *        domainBytes('validator-set-change', { genesis, add: [{name, blsPk, pop}], remove, effectiveHeight })
 *     (one fastAggregateVerify, like a commit certificate), so a change can be checked on its own
 *     and cannot be slipped in by a single proposer; and
 *  2. it only counts once included in a committed (certified) block at height h with
 *     effectiveHeight > h, and, so that changes apply in the order they were accepted, with
 *     effectiveHeight >= the effectiveHeight of every change accepted before it.
 * From effectiveHeight on, validatorsAt returns the new set: removed keys leave, the remaining
 * validators keep their relative order and added ones are appended (order = certificate bitmap bit).
 * An added validator needs a valid proof of possession (the rogue-key defence of fastAggregateVerify).
 * A change that adds a key already present, removes one that is absent, or empties the set is refused,
 * which also makes re-including the same certified change fail.
 */
import { bytesEqual, domainBytes } from '../codec/canonical';
import type { BlsApi } from '../crypto/bls-types';
import { verifyQuorum } from '../ledger/certificate';
import type { ValidatorInfo } from '../ledger/types';

export interface ValidatorSetChange {
  add: ValidatorInfo[];
  /** BLS public keys of the validators that leave. */
  remove: Uint8Array[];
  effectiveHeight: number;
}

/** A quorum signature of the current set over changeSigningBytes. */
export interface ChangeCertificate {
  signers: Uint8Array;
  signature: Uint8Array;
}

export interface AcceptedChange {
  /** Height of the committed block that included the change. */
  includedAt: number;
  change: ValidatorSetChange;
}

export interface ValidatorHistory {
  genesis: ValidatorInfo[];
  /** In order of acceptance. */
  changes: AcceptedChange[];
}

export type Check<T = true> = { ok: true; value: T } | { ok: false; reason: string };

export function changeSigningBytes(genesis: Uint8Array, c: ValidatorSetChange): Uint8Array {
  return domainBytes('validator-set-change', {
    genesis,
    add: c.add.map((v) => ({ name: v.name, blsPk: v.blsPk, pop: v.pop })),
    remove: c.remove,
    effectiveHeight: c.effectiveHeight,
  });
}

/** The set after applying `c` to `set` (no signature checks except proofs of possession if bls is given). */
export function applyChange(set: ValidatorInfo[], c: ValidatorSetChange, bls?: Pick<BlsApi, 'popVerify'>): Check<ValidatorInfo[]> {
  if (!c || !Array.isArray(c.add) || !Array.isArray(c.remove)) return { ok: false, reason: 'change must list add and remove' };
  if (c.add.length === 0 && c.remove.length === 0) return { ok: false, reason: 'change is empty' };
  const has = (list: Uint8Array[], pk: Uint8Array) => list.some((x) => bytesEqual(x, pk));
  for (let i = 0; i < c.remove.length; i++) {
    const pk = c.remove[i];
    if (!(pk instanceof Uint8Array)) return { ok: false, reason: 'removed key must be bytes' };
    if (has(c.remove.slice(0, i), pk)) return { ok: false, reason: 'a key is removed twice' };
    if (!set.some((v) => bytesEqual(v.blsPk, pk))) return { ok: false, reason: 'removed key is not a validator' };
  }
  const kept = set.filter((v) => !has(c.remove, v.blsPk));
  for (let i = 0; i < c.add.length; i++) {
    const v = c.add[i];
    if (!v || typeof v.name !== 'string' || !(v.blsPk instanceof Uint8Array) || !(v.pop instanceof Uint8Array)) return { ok: false, reason: 'added validator is malformed' };
    if (kept.some((k) => bytesEqual(k.blsPk, v.blsPk)) || c.add.slice(0, i).some((k) => bytesEqual(k.blsPk, v.blsPk))) return { ok: false, reason: 'added key is already a validator' };
    if (bls && !bls.popVerify(v.blsPk, v.pop)) return { ok: false, reason: `proof of possession of ${v.name} does not verify` };
  }
  const next = [...kept, ...c.add];
  if (next.length === 0) return { ok: false, reason: 'change would leave no validator' };
  return { ok: true, value: next };
}

/** The validator set in force at `height`. */
export function validatorsAt(history: ValidatorHistory, height: number): ValidatorInfo[] {
  let set = history.genesis;
  for (const a of history.changes) {
    if (a.change.effectiveHeight > height) break; // accepted in non-decreasing effectiveHeight order
    const r = applyChange(set, a.change);
    if (r.ok) set = r.value;
  }
  return set;
}

/** Checks a change's certificate against the set in force at `height`. */
export function checkChangeCertificate(
  bls: Pick<BlsApi, 'fastAggregateVerify'>,
  validators: ValidatorInfo[],
  genesis: Uint8Array,
  c: ValidatorSetChange,
  cert: ChangeCertificate,
): Check<number[]> {
  const q = verifyQuorum(bls, validators, cert.signers, changeSigningBytes(genesis, c), cert.signature, 'change');
  if (!q.ok) return { ok: false, reason: q.reason === 'change signature does not verify' ? 'change certificate does not verify' : q.reason };
  return { ok: true, value: q.signers };
}

/**
 * Whether a certified change may be included in the block at `height`; on success returns the
 * history with the change accepted (the caller stores it when that block commits).
 */
export function acceptChange(
  bls: Pick<BlsApi, 'fastAggregateVerify' | 'popVerify'>,
  history: ValidatorHistory,
  genesis: Uint8Array,
  height: number,
  c: ValidatorSetChange,
  cert: ChangeCertificate,
): Check<ValidatorHistory> {
  if (!Number.isSafeInteger(c?.effectiveHeight) || c.effectiveHeight <= height) return { ok: false, reason: 'effectiveHeight must be above the including block' };
  const last = history.changes[history.changes.length - 1];
  if (last && c.effectiveHeight < last.change.effectiveHeight) return { ok: false, reason: 'effectiveHeight is below that of an earlier accepted change' };
  const cc = checkChangeCertificate(bls, validatorsAt(history, height), genesis, c, cert);
  if (!cc.ok) return cc;
  const applied = applyChange(validatorsAt(history, c.effectiveHeight), c, bls);
  if (!applied.ok) return applied;
  return { ok: true, value: { genesis: history.genesis, changes: [...history.changes, { includedAt: height, change: c }] } };
}
