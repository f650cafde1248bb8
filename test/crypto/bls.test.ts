import { bls12_381 } from '@noble/curves/bls12-381.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromHex, toHex, utf8 } from '../../src-main/codec/hex';
import { BLS12_381_R, rememberValidPops } from '../../src-main/crypto/bls-common';
import { blstAvailable, createBls, defaultBls, resolveBlsBackend, type BlsApi, type BlsBackendName } from '../../src-main/crypto/bls';
import { ietfKeyGen } from '../../src-main/crypto/bls-keygen';
import { flipBit, g1NonCanonicalX, g1NotOnCurve, g1PointOutsideSubgroup, g2PointOutsideSubgroup, identity, rand } from '../support/bls';

const HAVE_BLST = blstAvailable();
if (!HAVE_BLST) console.warn('[bls.test] @chainsafe/blst cannot load on this machine: blst halves are skipped');
const BACKENDS: BlsBackendName[] = HAVE_BLST ? ['noble', 'blst'] : ['noble'];
const noble = createBls('noble');
const blst = HAVE_BLST ? createBls('blst') : undefined;

describe('known-answer vectors', () => {
  it('r is the BLS12-381 group order', () => {
    expect(BLS12_381_R).toBe(bls12_381.fields.Fr.ORDER);
  });

  // EIP-2333 test case 0: derive_master_SK(seed) is draft-04/05 KeyGen with empty key_info.
  const seed = fromHex('c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04');
  const masterSk = 6083874454709270928345386274498605044986640685124978867557563392430687146096n;
  it.each(BACKENDS)('%s keygen matches EIP-2333 master_SK vector', (b) => {
    expect(BigInt('0x' + toHex(createBls(b).keygen(seed)))).toBe(masterSk);
  });

  // Ethereum consensus-spec BLS vector sign_case (POP ciphersuite, same DST as Trichain).
  const ethSk = fromHex('263dbd792f5b1be47ed85f8938c0f29586af0d3ac7b977f21c278fe1462040e3');
  const ethSig =
    'b6ed936746e01f8ecf281f020953fbf1f01debd5657c4a383940b020b26507f6076334f91e2366c96e9ab279fb5158090352ea1c5b0c9274504f4f0e7053af24802e51e4568d164fe986834f41e55c8e850ce1f98458c0cfc9ab380b55285a55';
  it.each(BACKENDS)('%s sign matches the Ethereum sign vector (message = 32 zero bytes)', (b) => {
    const bls = createBls(b);
    const sig = bls.sign(ethSk, new Uint8Array(32));
    expect(toHex(sig)).toBe(ethSig);
    expect(bls.verify(bls.publicKey(ethSk), new Uint8Array(32), sig)).toBe(true);
  });

  it('keygen key_info changes the key (noble KeyGen parameter is wired)', () => {
    expect(toHex(ietfKeyGen(seed, utf8('x')))).not.toBe(toHex(ietfKeyGen(seed)));
  });
});

describe.skipIf(!HAVE_BLST)('noble and blst agree byte for byte', () => {
  const N = 30;
  const ikms = Array.from({ length: N }, (_, i) => rand(32 + (i % 5) * 8));
  const msgs = Array.from({ length: N }, (_, i) => rand(i * 7)); // includes the empty message

  it(`keys, public keys, signatures and PoPs on ${N} random inputs`, () => {
    for (let i = 0; i < N; i++) {
      const sk = noble.keygen(ikms[i]);
      expect(toHex(blst!.keygen(ikms[i]))).toBe(toHex(sk));
      const pk = noble.publicKey(sk);
      expect(toHex(blst!.publicKey(sk))).toBe(toHex(pk));
      const sig = noble.sign(sk, msgs[i]);
      expect(toHex(blst!.sign(sk, msgs[i]))).toBe(toHex(sig));
      expect(toHex(blst!.popProve(sk))).toBe(toHex(noble.popProve(sk)));
      // each verifies the other's output
      expect(blst!.verify(pk, msgs[i], sig)).toBe(true);
      expect(noble.verify(pk, msgs[i], blst!.sign(sk, msgs[i]))).toBe(true);
    }
  });

  it('aggregates of signatures and public keys, and every verifier', () => {
    const sks = ikms.map((k) => noble.keygen(k));
    const pks = sks.map((sk) => noble.publicKey(sk));
    const sigs = sks.map((sk, i) => noble.sign(sk, msgs[i]));
    const aggSig = noble.aggregate(sigs);
    expect(toHex(blst!.aggregate(sigs))).toBe(toHex(aggSig));
    expect(toHex(blst!.aggregatePublicKeys(pks))).toBe(toHex(noble.aggregatePublicKeys(pks)));
    for (const b of [noble, blst!]) expect(b.aggregateVerify(pks, msgs, aggSig)).toBe(true);

    const m = utf8('block 7');
    const same = sks.map((sk) => noble.sign(sk, m));
    const aggSame = noble.aggregate(same);
    expect(toHex(blst!.aggregate(same))).toBe(toHex(aggSame));
    for (const b of [noble, blst!]) expect(b.fastAggregateVerify(pks, m, aggSame)).toBe(true);

    const items = pks.slice(0, 10).map((publicKey, i) => ({ publicKey, message: msgs[i], signature: sigs[i] }));
    for (const b of [noble, blst!]) expect(b.batchVerify(items)).toBe(true);
  });

  it('returns plain Uint8Array from both backends', () => {
    const sk = blst!.keygen(rand(32));
    for (const out of [sk, blst!.publicKey(sk), blst!.sign(sk, utf8('x')), blst!.aggregate([blst!.sign(sk, utf8('x'))])]) {
      expect(out.constructor).toBe(Uint8Array);
    }
  });
});

describe.each(BACKENDS)('%s backend', (name) => {
  const bls: BlsApi = createBls(name);
  const sks = Array.from({ length: 4 }, () => bls.keygen(rand(32)));
  const pks = sks.map((sk) => bls.publicKey(sk));
  const msg = utf8('trichain test message');
  const sig = bls.sign(sks[0], msg);
  const otherSig = bls.sign(sks[0], utf8('another message'));

  it('reports its name and sizes', () => {
    expect(bls.backend).toBe(name);
    expect(sks[0].length).toBe(32);
    expect(pks[0].length).toBe(48);
    expect(sig.length).toBe(96);
  });

  it('keygen refuses short ikm; sign refuses bad secret keys', () => {
    expect(() => bls.keygen(rand(31))).toThrow(/at least 32 bytes/);
    expect(() => bls.sign(new Uint8Array(32), msg)).toThrow(/secret key/);
    expect(() => bls.sign(rand(31), msg)).toThrow(/32 bytes/);
    const r = new Uint8Array(32);
    r.set(fromHex(BLS12_381_R.toString(16).padStart(64, '0')));
    expect(() => bls.publicKey(r)).toThrow(/secret key/);
  });

  describe('verify', () => {
    it('accepts a valid signature', () => expect(bls.verify(pks[0], msg, sig)).toBe(true));
    it('rejects any single flipped bit of message, key or signature', () => {
      for (let bit = 0; bit < msg.length * 8; bit += 13) expect(bls.verify(pks[0], flipBit(msg, bit), sig)).toBe(false);
      for (let bit = 0; bit < 48 * 8; bit += 17) expect(bls.verify(flipBit(pks[0], bit), msg, sig)).toBe(false);
      for (let bit = 0; bit < 96 * 8; bit += 29) expect(bls.verify(pks[0], msg, flipBit(sig, bit))).toBe(false);
    });
    it('rejects a valid but wrong key, or a valid signature on another message', () => {
      expect(bls.verify(pks[1], msg, sig)).toBe(false);
      expect(bls.verify(pks[0], msg, otherSig)).toBe(false);
    });
  });

  describe('aggregateVerify (distinct messages)', () => {
    const msgs = pks.map((_, i) => utf8(`chain ${i} statement`));
    const agg = bls.aggregate(sks.map((sk, i) => bls.sign(sk, msgs[i])));
    it('accepts', () => expect(bls.aggregateVerify(pks, msgs, agg)).toBe(true));
    it('rejects when any one message, key or the signature changes', () => {
      for (let i = 0; i < pks.length; i++) {
        const m2 = msgs.slice();
        m2[i] = flipBit(msgs[i], 5);
        expect(bls.aggregateVerify(pks, m2, agg)).toBe(false);
        const p2 = pks.slice();
        p2[i] = bls.publicKey(bls.keygen(rand(32)));
        expect(bls.aggregateVerify(p2, msgs, agg)).toBe(false);
      }
      expect(bls.aggregateVerify(pks, msgs, flipBit(agg, 200))).toBe(false);
      expect(bls.aggregateVerify([pks[1], pks[0], pks[2], pks[3]], msgs, agg)).toBe(false);
    });
    it('rejects mismatched lengths and empty lists', () => {
      expect(bls.aggregateVerify(pks.slice(1), msgs, agg)).toBe(false);
      expect(bls.aggregateVerify(pks, msgs.slice(1), agg)).toBe(false);
      expect(bls.aggregateVerify([], [], agg)).toBe(false);
    });
    it('accepts a repeated message (POP scheme allows it)', () => {
      const m = [msgs[0], msgs[0]];
      const s = bls.aggregate([bls.sign(sks[0], m[0]), bls.sign(sks[1], m[1])]);
      expect(bls.aggregateVerify(pks.slice(0, 2), m, s)).toBe(true);
    });
  });

  describe('fastAggregateVerify', () => {
    const agg = bls.aggregate(sks.map((sk) => bls.sign(sk, msg)));
    it('accepts', () => expect(bls.fastAggregateVerify(pks, msg, agg)).toBe(true));
    it('rejects when the message, any one key, or the signature changes', () => {
      expect(bls.fastAggregateVerify(pks, flipBit(msg, 3), agg)).toBe(false);
      for (let i = 0; i < pks.length; i++) {
        const p2 = pks.slice();
        p2[i] = bls.publicKey(bls.keygen(rand(32)));
        expect(bls.fastAggregateVerify(p2, msg, agg)).toBe(false);
        expect(bls.fastAggregateVerify(pks.filter((_, j) => j !== i), msg, agg)).toBe(false);
      }
      expect(bls.fastAggregateVerify(pks, msg, flipBit(agg, 300))).toBe(false);
      expect(bls.fastAggregateVerify([], msg, agg)).toBe(false);
    });
  });

  describe('proof of possession', () => {
    const pop = bls.popProve(sks[0]);
    it('accepts', () => expect(bls.popVerify(pks[0], pop)).toBe(true));
    it('rejects another key, a flipped bit, and a plain signature over the key (domain separation)', () => {
      expect(bls.popVerify(pks[1], pop)).toBe(false);
      expect(bls.popVerify(pks[0], flipBit(pop, 100))).toBe(false);
      expect(bls.popVerify(flipBit(pks[0], 100), pop)).toBe(false);
      expect(bls.popVerify(pks[0], bls.sign(sks[0], pks[0]))).toBe(false);
      expect(bls.verify(pks[0], pks[0], pop)).toBe(false);
    });
  });

  describe('batchVerify', () => {
    const msgs = Array.from({ length: 6 }, (_, i) => utf8(`vote ${i}`));
    const items = msgs.map((message, i) => ({ publicKey: pks[i % 4], message, signature: bls.sign(sks[i % 4], message) }));
    it('accepts', () => expect(bls.batchVerify(items)).toBe(true));
    it('rejects when any one item changes', () => {
      for (let i = 0; i < items.length; i++) {
        const a = items.slice();
        a[i] = { ...items[i], message: flipBit(items[i].message, 1) };
        expect(bls.batchVerify(a)).toBe(false);
        const b = items.slice();
        b[i] = { ...items[i], signature: otherSig };
        expect(bls.batchVerify(b)).toBe(false);
        const c = items.slice();
        c[i] = { ...items[i], publicKey: pks[(i + 1) % 4] };
        expect(bls.batchVerify(c)).toBe(false);
      }
    });
    it('rejects two swapped signatures (their sum is unchanged: only random scalars catch it)', () => {
      const a = items.slice();
      a[0] = { ...items[0], signature: items[1].signature };
      a[1] = { ...items[1], signature: items[0].signature };
      expect(bls.batchVerify(a)).toBe(false);
      // the naive unweighted check would pass: both sides are the same sums
      expect(bls.aggregateVerify(a.map((x) => x.publicKey), a.map((x) => x.message), bls.aggregate(a.map((x) => x.signature)))).toBe(true);
    });
    it('rejects empty and malformed batches', () => {
      expect(bls.batchVerify([])).toBe(false);
      expect(bls.batchVerify([{ ...items[0], publicKey: identity(48) }])).toBe(false);
      expect(bls.batchVerify([{ ...items[0], signature: identity(96) }])).toBe(false);
      expect(bls.batchVerify([null as never])).toBe(false);
      expect(bls.batchVerify('x' as never)).toBe(false);
    });
  });

  describe('malformed input never throws from a verifier', () => {
    const badPks: [string, Uint8Array][] = [
      ['infinity', identity(48)],
      ['47 bytes', pks[0].subarray(0, 47)],
      ['49 bytes', new Uint8Array([...pks[0], 0])],
      ['empty', new Uint8Array(0)],
      ['uncompressed 96-byte form', bls12_381.G1.Point.fromBytes(pks[0]).toBytes(false)],
      ['not on curve', g1NotOnCurve()],
      ['outside the subgroup', g1PointOutsideSubgroup()],
      ['non-canonical x = p', g1NonCanonicalX()],
      ['compression flag cleared', flipBit(pks[0], 0)],
    ];
    const badSigs: [string, Uint8Array][] = [
      ['infinity', identity(96)],
      ['95 bytes', sig.subarray(0, 95)],
      ['97 bytes', new Uint8Array([...sig, 0])],
      ['empty', new Uint8Array(0)],
      ['outside the subgroup', g2PointOutsideSubgroup()],
      ['compression flag cleared', flipBit(sig, 0)],
      ['a public key', pks[0]],
    ];
    it.each(badPks)('public key: %s', (_, pk) => {
      expect(bls.verify(pk, msg, sig)).toBe(false);
      expect(bls.aggregateVerify([pk], [msg], sig)).toBe(false);
      expect(bls.fastAggregateVerify([pks[0], pk], msg, sig)).toBe(false);
      expect(bls.popVerify(pk, sig)).toBe(false);
      expect(bls.batchVerify([{ publicKey: pk, message: msg, signature: sig }])).toBe(false);
      expect(() => bls.aggregatePublicKeys([pks[0], pk])).toThrow(/public keys\[1\]/);
    });
    it.each(badSigs)('signature: %s', (_, s) => {
      expect(bls.verify(pks[0], msg, s)).toBe(false);
      expect(bls.aggregateVerify([pks[0]], [msg], s)).toBe(false);
      expect(bls.fastAggregateVerify([pks[0]], msg, s)).toBe(false);
      expect(bls.popVerify(pks[0], s)).toBe(false);
      expect(bls.batchVerify([{ publicKey: pks[0], message: msg, signature: s }])).toBe(false);
      if (_ !== 'infinity') expect(() => bls.aggregate([sig, s])).toThrow(/signatures\[1\]/);
    });
    it('non-bytes arguments', () => {
      const junk = [null, undefined, 'abc', 42, {}, [1, 2]] as never[];
      for (const j of junk) {
        expect(bls.verify(j, msg, sig)).toBe(false);
        expect(bls.verify(pks[0], j, sig)).toBe(false);
        expect(bls.verify(pks[0], msg, j)).toBe(false);
        expect(bls.aggregateVerify(j, [msg], sig)).toBe(false);
        expect(bls.aggregateVerify([pks[0]], j, sig)).toBe(false);
        expect(bls.fastAggregateVerify(j, msg, sig)).toBe(false);
        expect(bls.popVerify(j, sig)).toBe(false);
      }
    });
  });

  describe('aggregate / aggregatePublicKeys errors', () => {
    it('refuse empty lists', () => {
      expect(() => bls.aggregate([])).toThrow(/empty list of signatures/);
      expect(() => bls.aggregatePublicKeys([])).toThrow(/empty list of public keys/);
    });
    it('refuse public keys that sum to the point at infinity', () => {
      const neg = bls12_381.G1.Point.fromBytes(pks[0]).negate().toBytes(true);
      expect(() => bls.aggregatePublicKeys([pks[0], neg])).toThrow(/infinity/);
    });
  });

  // Ethereum consensus-spec BLS tests (aggregate/aggregate_infinity_signature, verify/verify_infinity_pubkey_and_infinity_signature):
  // the point at infinity is a valid signature encoding that never verifies.
  describe('the infinity signature (Ethereum test-suite edge cases)', () => {
    const inf = identity(96);
    it('aggregate of a list holding only the infinity signature returns it', () => {
      expect(toHex(bls.aggregate([inf]))).toBe('c0' + '00'.repeat(95));
      expect(toHex(bls.aggregate([inf, inf]))).toBe(toHex(inf));
    });
    it('the infinity signature decodes and adds nothing to an aggregate', () => {
      expect(toHex(bls.aggregate([sig, inf]))).toBe(toHex(sig));
      expect(toHex(bls.aggregate([inf, sig]))).toBe(toHex(sig));
    });
    it('signatures that sum to the identity aggregate to the infinity signature', () => {
      const negSig = bls12_381.longSignatures.Signature.toBytes(bls12_381.longSignatures.Signature.fromBytes(sig).negate());
      expect(toHex(bls.aggregate([sig, negSig]))).toBe(toHex(inf));
    });
    it('verification with it still returns false', () => {
      const agg = bls.aggregate([inf]);
      expect(bls.verify(pks[0], msg, agg)).toBe(false);
      expect(bls.verify(identity(48), msg, agg)).toBe(false);
      expect(bls.fastAggregateVerify([pks[0]], msg, agg)).toBe(false);
      expect(bls.aggregateVerify([pks[0]], [msg], agg)).toBe(false);
      expect(bls.batchVerify([{ publicKey: pks[0], message: msg, signature: agg }])).toBe(false);
      expect(bls.popVerify(pks[0], agg)).toBe(false);
    });
    it('a non-canonical infinity (flag set, a nonzero byte after it) is still refused', () => {
      const bad = inf.slice();
      bad[95] = 1;
      expect(() => bls.aggregate([bad])).toThrow(/signatures\[0\]/);
    });
    it('aggregate of one is the input', () => {
      expect(toHex(bls.aggregate([sig]))).toBe(toHex(sig));
      expect(toHex(bls.aggregatePublicKeys([pks[0]]))).toBe(toHex(pks[0]));
    });
  });
});

describe('backend selection', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.doUnmock('node:module');
    vi.resetModules();
  });

  it('TRICHAIN_BLS forces a backend; default prefers blst when it loads', () => {
    vi.stubEnv('TRICHAIN_BLS', 'noble');
    expect(createBls().backend).toBe('noble');
    vi.stubEnv('TRICHAIN_BLS', 'blst');
    expect(resolveBlsBackend()).toBe('blst');
    vi.stubEnv('TRICHAIN_BLS', '');
    expect(resolveBlsBackend()).toBe(HAVE_BLST ? 'blst' : 'noble');
    vi.stubEnv('TRICHAIN_BLS', 'openssl');
    expect(() => createBls()).toThrow(/TRICHAIN_BLS must be "noble" or "blst"/);
  });

  it('defaultBls is memoized', () => {
    expect(defaultBls()).toBe(defaultBls());
  });

  it('forcing blst when the native module cannot load throws a clear error; the default falls back to noble', async () => {
    vi.resetModules();
    vi.doMock('node:module', async (orig) => ({
      ...(await orig<typeof import('node:module')>()),
      createRequire: () => () => {
        throw new Error('simulated: no native binary');
      },
    }));
    const fresh = await import('../../src-main/crypto/bls');
    expect(fresh.blstAvailable()).toBe(false);
    expect(() => fresh.createBls('blst')).toThrow(/blst backend is unavailable.*simulated: no native binary/);
    vi.stubEnv('TRICHAIN_BLS', 'blst');
    expect(() => fresh.createBls()).toThrow(/blst backend is unavailable/);
    vi.stubEnv('TRICHAIN_BLS', '');
    expect(fresh.createBls().backend).toBe('noble');
  });
});

describe('rememberValidPops (PopVerify answers kept for pairs that verified)', () => {
  const pk = (b: number): Uint8Array => Object.assign(new Uint8Array(48), { 0: 0xa0, 1: b });
  const proof = (b: number): Uint8Array => Object.assign(new Uint8Array(96), { 0: 0xa0, 1: b });
  it('checks a pair once when it verified, every time when it did not, keyed on both byte strings, bounded', () => {
    const calls: string[] = [];
    const verify = rememberValidPops((k, p) => {
      calls.push(`${k[1]}/${p[1]}`);
      return k[1] === p[1];
    }, 2);
    expect(verify(pk(1), proof(1))).toBe(true);
    expect(verify(pk(1), proof(1))).toBe(true);
    expect(calls).toEqual(['1/1']);
    // a failure is never remembered, and another proof for a remembered key is checked afresh
    expect(verify(pk(1), proof(2))).toBe(false);
    expect(verify(pk(1), proof(2))).toBe(false);
    expect(calls).toEqual(['1/1', '1/2', '1/2']);
    // at most two remembered: a third success drops the oldest
    verify(pk(2), proof(2));
    verify(pk(3), proof(3));
    calls.length = 0;
    verify(pk(1), proof(1));
    verify(pk(3), proof(3));
    expect(calls).toEqual(['1/1']);
    // inputs of the wrong shape go to the real check, unremembered
    expect(verify(new Uint8Array(3), proof(3))).toBe(false);
  });
});
