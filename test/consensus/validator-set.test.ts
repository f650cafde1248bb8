import { describe, expect, it } from 'vitest';
import { createBls } from '../../src-main/crypto/bls';
import { makeBitmap } from '../../src-main/ledger/certificate';
import type { ValidatorInfo } from '../../src-main/ledger/types';
import { acceptChange, applyChange, changeSigningBytes, validatorsAt, type ValidatorHistory, type ValidatorSetChange } from '../../src-main/consensus/validator-set';

const bls = createBls();
const genesis = new Uint8Array(32).fill(3);
const sks = Array.from({ length: 6 }, (_, i) => bls.keygen(new Uint8Array(32).fill(i + 1)));
const info = (i: number): ValidatorInfo => ({ name: `v${i}`, blsPk: bls.publicKey(sks[i]), pop: bls.popProve(sks[i]) });
const initial = [0, 1, 2, 3].map(info);

function certify(set: ValidatorInfo[], signerIdx: number[], c: ValidatorSetChange) {
  const msg = changeSigningBytes(genesis, c);
  const skOf = (v: ValidatorInfo) => sks[Number(v.name.slice(1))];
  return { signers: makeBitmap(set.length, signerIdx), signature: bls.aggregate(signerIdx.map((i) => bls.sign(skOf(set[i]), msg))) };
}

describe(`validator-set changes (real BLS, ${bls.backend})`, () => {
  const history: ValidatorHistory = { genesis: initial, changes: [] };
  const change: ValidatorSetChange = { add: [info(4)], remove: [initial[1].blsPk], effectiveHeight: 10 };

  it('a change certified by a quorum of the current set takes effect at its effective height', () => {
    const r = acceptChange(bls, history, genesis, 5, change, certify(initial, [0, 1, 3], change));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(validatorsAt(r.value, 9).map((v) => v.name)).toEqual(['v0', 'v1', 'v2', 'v3']);
    expect(validatorsAt(r.value, 10).map((v) => v.name)).toEqual(['v0', 'v2', 'v3', 'v4']);
    // the next change is certified by the set in force where it is included
    const c2: ValidatorSetChange = { add: [info(5)], remove: [], effectiveHeight: 12 };
    const set10 = validatorsAt(r.value, 10);
    expect(acceptChange(bls, r.value, genesis, 11, c2, certify(set10, [0, 1, 2], c2)).ok).toBe(true);
    // ... not by the old set (v1 left; its signature no longer counts)
    expect(acceptChange(bls, r.value, genesis, 11, c2, certify(initial, [0, 1, 2], c2)).ok).toBe(false);
  });

  it('refuses changes without a quorum, with a bad signature, too early, out of order or malformed', () => {
    expect(acceptChange(bls, history, genesis, 5, change, certify(initial, [0, 1], change))).toMatchObject({ ok: false, reason: /quorum/ });
    const other = { ...change, effectiveHeight: 11 };
    expect(acceptChange(bls, history, genesis, 5, change, certify(initial, [0, 1, 2], other))).toMatchObject({ ok: false, reason: /does not verify/ });
    expect(acceptChange(bls, history, genesis, 10, change, certify(initial, [0, 1, 2], change))).toMatchObject({ ok: false, reason: /effectiveHeight/ });
    const r = acceptChange(bls, history, genesis, 5, change, certify(initial, [0, 1, 2], change));
    if (!r.ok) throw new Error(r.reason);
    const early: ValidatorSetChange = { add: [info(5)], remove: [], effectiveHeight: 8 };
    expect(acceptChange(bls, r.value, genesis, 6, early, certify(initial, [0, 1, 2], early))).toMatchObject({ ok: false, reason: /earlier accepted/ });
    // re-including the same change fails (v4 already added, v1 already gone)
    expect(acceptChange(bls, r.value, genesis, 6, change, certify(initial, [0, 1, 2], change)).ok).toBe(false);
    const badPop: ValidatorSetChange = { add: [{ ...info(5), pop: info(4).pop }], remove: [], effectiveHeight: 9 };
    expect(acceptChange(bls, history, genesis, 5, badPop, certify(initial, [0, 1, 2], badPop))).toMatchObject({ ok: false, reason: /proof of possession/ });
  });

  it('applyChange keeps order, refuses duplicates, absent removals and an empty set', () => {
    expect(applyChange(initial, { add: [info(0)], remove: [], effectiveHeight: 1 }).ok).toBe(false);
    expect(applyChange(initial, { add: [], remove: [info(5).blsPk], effectiveHeight: 1 }).ok).toBe(false);
    expect(applyChange(initial, { add: [], remove: initial.map((v) => v.blsPk), effectiveHeight: 1 })).toMatchObject({ ok: false, reason: /no validator/ });
    expect(applyChange(initial, { add: [], remove: [], effectiveHeight: 1 }).ok).toBe(false);
    const r = applyChange(initial, { add: [info(5)], remove: [initial[0].blsPk], effectiveHeight: 1 });
    expect(r.ok && r.value.map((v) => v.name)).toEqual(['v1', 'v2', 'v3', 'v5']);
  });
});
