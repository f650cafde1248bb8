import { describe, expect, it } from 'vitest';
import { createBls } from '../../src-main/crypto/bls';
import type { ValidatorInfo } from '../../src-main/ledger/types';
import { checkEvidence, decodeEvidence, encodeEvidence, evidenceKey, type Evidence } from '../../src-main/consensus/evidence';
import { voteSignBytes, type Vote } from '../../src-main/consensus/messages';

const bls = createBls();
const genesis = new Uint8Array(32).fill(9);
const sks = [1, 2, 3, 4].map((i) => bls.keygen(new Uint8Array(32).fill(i)));
const validators: ValidatorInfo[] = sks.map((sk, i) => ({ name: `v${i}`, blsPk: bls.publicKey(sk), pop: bls.popProve(sk) }));

function signed(validator: number, blockHash: Uint8Array | null, round = 3): Vote {
  const v = { height: 7, round, phase: 'prevote' as const, blockHash, validator, signature: new Uint8Array(96) };
  return { ...v, signature: bls.sign(sks[validator], voteSignBytes(genesis, v)) };
}

describe(`equivocation evidence (real BLS, ${bls.backend})`, () => {
  const A = new Uint8Array(32).fill(1);
  const B = new Uint8Array(32).fill(2);
  const e: Evidence = { voteA: signed(2, A), voteB: signed(2, B) };

  it('verifies two conflicting votes signed by the same validator', () => {
    expect(checkEvidence(bls, validators, genesis, e)).toEqual({ ok: true, validator: 2 });
    expect(checkEvidence(bls, validators, genesis, { voteA: signed(1, A), voteB: signed(1, null) }).ok).toBe(true);
  });

  it('refuses evidence that does not prove equivocation', () => {
    expect(checkEvidence(bls, validators, genesis, { voteA: signed(2, A), voteB: signed(2, A) })).toMatchObject({ ok: false, reason: /same block/ });
    expect(checkEvidence(bls, validators, genesis, { voteA: signed(2, A), voteB: signed(3, B) })).toMatchObject({ ok: false, reason: /different validators/ });
    expect(checkEvidence(bls, validators, genesis, { voteA: signed(2, A), voteB: signed(2, B, 4) })).toMatchObject({ ok: false, reason: /same height/ });
    // a forged second vote: validator 3 signed it but it claims validator 2
    const forged = { ...signed(3, B), validator: 2 };
    expect(checkEvidence(bls, validators, genesis, { voteA: signed(2, A), voteB: forged })).toMatchObject({ ok: false, reason: /second vote signature/ });
    // another network's genesis
    expect(checkEvidence(bls, validators, new Uint8Array(32), e).ok).toBe(false);
    expect(checkEvidence(bls, validators.slice(0, 2), genesis, e)).toMatchObject({ ok: false, reason: /not in the set/ });
  });

  it('encodes canonically (order-independent) and decodes strictly', () => {
    const swapped = { voteA: e.voteB, voteB: e.voteA };
    expect(Buffer.from(encodeEvidence(e)).equals(Buffer.from(encodeEvidence(swapped)))).toBe(true);
    expect(evidenceKey(e)).toBe(evidenceKey(swapped));
    const back = decodeEvidence(encodeEvidence(e));
    expect(checkEvidence(bls, validators, genesis, back).ok).toBe(true);
    expect(() => decodeEvidence(new Uint8Array([1, 2, 3]))).toThrow();
  });
});
