import { bls12_381 } from '@noble/curves/bls12-381.js';
import { numberToBytesBE } from '@noble/curves/utils.js';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../src-main/codec/hex';
import { blstAvailable, createBls } from '../../src-main/crypto/bls';
import { BLS_DST_POP } from '../../src-main/crypto/bls-types';
import { PopError, PopRegistry, isRegisteredKey, registerKey, verifiedAggregateKey } from '../../src-main/crypto/pop-registry';
import { rand } from '../support/bls';

const G1 = bls12_381.G1.Point;
const Sig = bls12_381.longSignatures.Signature;
const Fr = bls12_381.fields.Fr;

describe.each(blstAvailable() ? (['noble', 'blst'] as const) : (['noble'] as const))('rogue-key attack (%s)', (name) => {
  const bls = createBls(name);
  const victimSk = bls.keygen(rand(32));
  const victimPk = bls.publicKey(victimSk);
  const victimPop = bls.popProve(victimSk);

  // Attacker: picks x, publishes pk_rogue = g1·x − pk_victim, so pk_victim + pk_rogue = g1·x.
  const x = Fr.create(BigInt('0x' + Buffer.from(rand(32)).toString('hex'))) || 1n;
  const xBytes = numberToBytesBE(x, 32);
  const roguePk = G1.BASE.multiply(x).subtract(G1.fromBytes(victimPk)).toBytes(true);
  const msg = utf8('victim consents to share everything with attacker');
  const forged = bls.sign(xBytes, msg); // x·H(m): made without the victim's key

  it('the aggregate key of {victim, rogue} is g1·x, a key the attacker controls', () => {
    expect(Buffer.from(bls.aggregatePublicKeys([victimPk, roguePk])).equals(Buffer.from(bls.publicKey(xBytes)))).toBe(true);
  });

  it('plain fastAggregateVerify accepts the forgery: the victim "signed" without ever signing', () => {
    expect(bls.fastAggregateVerify([victimPk, roguePk], msg, forged)).toBe(true);
    expect(bls.verify(victimPk, msg, forged)).toBe(false);
  });

  it('registration refuses the rogue key: the attacker cannot produce its proof of possession', () => {
    // attempts the attacker can actually compute
    const attempts: Uint8Array[] = [
      bls.popProve(xBytes), // PoP of g1·x, not of pk_rogue
      victimPop, // the victim's public PoP
      // x·H_pop(pk_rogue) − pop_victim: would need H_pop(pk_victim) = H_pop(pk_rogue)
      Sig.toBytes(bls12_381.longSignatures.hash(roguePk, BLS_DST_POP).multiply(x).subtract(Sig.fromBytes(victimPop))),
      bls.sign(xBytes, roguePk), // a signature over the key under the message DST
      rand(96),
    ];
    for (const pop of attempts) {
      expect(bls.popVerify(roguePk, pop)).toBe(false);
      expect(() => registerKey(roguePk, pop, bls)).toThrow(PopError);
    }
    expect(() => registerKey(roguePk, attempts[0], bls)).toThrow(/invalid proof of possession/);
  });

  it('verifiedAggregateKey and PopRegistry refuse the forgery path; honest keys pass', () => {
    const reg = new PopRegistry(bls);
    const victim = reg.register(victimPk, victimPop);
    expect(isRegisteredKey(victim)).toBe(true);
    expect(() => reg.register(roguePk, bls.popProve(xBytes))).toThrow(PopError);
    expect(reg.has(roguePk)).toBe(false);
    expect(reg.fastAggregateVerify([victimPk, roguePk], msg, forged)).toBe(false);
    expect(() => reg.aggregate([victimPk, roguePk])).toThrow(/not registered/);
    expect(() => verifiedAggregateKey([victim, { publicKey: roguePk, proof: victimPop }], bls)).toThrow(PopError);

    // honest co-signer with a valid PoP
    const honestSk = bls.keygen(rand(32));
    const honestPk = bls.publicKey(honestSk);
    const honest = reg.register(honestPk, bls.popProve(honestSk));
    expect(reg.size).toBe(2);
    expect(reg.register(honestPk, bls.popProve(honestSk))).toBe(honest); // idempotent
    const agg = bls.aggregate([bls.sign(victimSk, msg), bls.sign(honestSk, msg)]);
    expect(reg.fastAggregateVerify([victimPk, honestPk], msg, agg)).toBe(true);
    expect(Buffer.from(verifiedAggregateKey([victim, honest], bls)).equals(Buffer.from(reg.aggregate([victimPk, honestPk])))).toBe(true);
    expect(bls.verify(verifiedAggregateKey([victim, honest], bls), msg, agg)).toBe(true);
  });

  it('registerKey refuses malformed keys and a forged RegisteredKey object is not registered', () => {
    const inf = new Uint8Array(48);
    inf[0] = 0xc0;
    expect(() => registerKey(inf, victimPop, bls)).toThrow(PopError);
    expect(() => registerKey(victimPk.subarray(1), victimPop, bls)).toThrow(/48 bytes/);
    expect(isRegisteredKey({ publicKey: roguePk, proof: victimPop })).toBe(false);
    expect(() => verifiedAggregateKey([], bls)).toThrow(/no keys/);
  });
});
