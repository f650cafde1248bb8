/**
 * Replaying a chain's validator-set changes from its genesis set (ledger/validator-history.ts), as an
 * entity does for the patient and hospital chains it does not hold: honest changes give the sets the
 * chain's own rule gives; a change without a quorum of the set in force, with a bad signature, a
 * changed height, a key without its proof of possession, or out of order is refused, named.
 */
import { describe, expect, it } from 'vitest';
import { defaultBls } from '../../src-main/crypto/bls';
import { makeBitmap } from '../../src-main/ledger/certificate';
import { genesisHash } from '../../src-main/ledger/encoding';
import { validatorChangeMessage, type ValidatorChangeBody } from '../../src-main/ledger/rules/common';
import { replayValidatorChanges, type ValidatorChangeRecord } from '../../src-main/ledger/validator-history';
import { genesisFor, testKey, type TestKey } from '../support/ledger';

const bls = defaultBls();
const [a, b, c, d] = ['A', 'B', 'C', 'D'].map((n) => testKey(bls, n));
const genesis = genesisFor('hospital', [a], []);
const gh = genesisHash(genesis);
const info = (k: TestKey) => ({ name: k.name, blsPk: k.pk, pop: k.pop });

/** A change body signed by `signers` (indices into `set`, the set in force). */
function change(set: TestKey[], signers: number[], o: { add?: TestKey[]; remove?: TestKey[]; effectiveHeight: number }): ValidatorChangeBody {
  const body = { add: (o.add ?? []).map(info), remove: (o.remove ?? []).map((k) => k.pk), effectiveHeight: o.effectiveHeight };
  const msg = validatorChangeMessage(gh, body);
  return { ...body, signers: makeBitmap(set.length, signers), signature: bls.aggregate(signers.map((i) => bls.sign(set[i].sk, msg))) };
}

const names = (vs: { name: string }[]) => vs.map((v) => v.name);
const grow: ValidatorChangeRecord = { height: 3, body: change([a], [0], { add: [b, c, d], effectiveHeight: 5 }) };
const shrink: ValidatorChangeRecord = { height: 8, body: change([a, b, c, d], [1, 2, 3], { remove: [a], effectiveHeight: 10 }) };

describe('validator-set history replayed from genesis', () => {
  it('gives the set in force at each height, as the chain applied the changes', () => {
    const at = replayValidatorChanges(bls, genesis, [grow, shrink]);
    expect(names(at(1))).toEqual(['A']);
    expect(names(at(4))).toEqual(['A']);
    expect(names(at(5))).toEqual(['A', 'B', 'C', 'D']);
    expect(names(at(9))).toEqual(['A', 'B', 'C', 'D']);
    expect(names(at(10))).toEqual(['B', 'C', 'D']);
    expect(names(replayValidatorChanges(bls, genesis, [])(100))).toEqual(['A']);
  });

  it('an attacker cannot slip in a set: each forged or altered change is refused, named', () => {
    // Two of four (no quorum) sign a change that hands the chain to B alone.
    const noQuorum = { height: 8, body: change([a, b, c, d], [1, 2], { remove: [a, c, d], effectiveHeight: 10 }) };
    expect(() => replayValidatorChanges(bls, genesis, [grow, noQuorum])).toThrow(/change 2 has 2 signers, quorum is 3/);
    // A quorum's signature over another change, reused.
    expect(() => replayValidatorChanges(bls, genesis, [grow, { height: 8, body: { ...shrink.body, remove: [b.pk] } }])).toThrow(/change 2: signature does not verify/);
    // The effective height moved after signing.
    expect(() => replayValidatorChanges(bls, genesis, [{ height: 3, body: { ...grow.body, effectiveHeight: 4 } }])).toThrow(/change 1: signature does not verify/);
    // A key added without its own proof of possession (a rogue key), though A signed the change.
    const rogue = { ...info(b), pop: c.pop };
    const body = { add: [rogue], remove: [], effectiveHeight: 5 };
    const msg = validatorChangeMessage(gh, body);
    expect(() => replayValidatorChanges(bls, genesis, [{ height: 3, body: { ...body, signers: makeBitmap(1, [0]), signature: bls.sign(a.sk, msg) } }])).toThrow(/proof of possession of B does not verify/);
    // Out of order, or taking effect no later than it was included.
    expect(() => replayValidatorChanges(bls, genesis, [grow, { ...shrink, height: 2 }])).toThrow(/change 2 is malformed or out of order/);
    expect(() => replayValidatorChanges(bls, genesis, [shrink, grow])).toThrow(/change 1: certificate: bitmap/);
    expect(() => replayValidatorChanges(bls, genesis, [{ height: 5, body: grow.body }])).toThrow(/change 1 is malformed or out of order/);
    // A change certified by a set that was not in force at its height (the grown set before it took effect).
    expect(() => replayValidatorChanges(bls, genesis, [grow, { ...shrink, height: 4 }])).toThrow(/change 2: certificate: bitmap names a validator outside the set/);
  });
});
