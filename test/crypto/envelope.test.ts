import { x25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { canonicalEncode } from '../../src-main/codec/canonical';
import { fromHex, toHex, utf8 } from '../../src-main/codec/hex';
import { newDataKey } from '../../src-main/crypto/aead';
import { flipBit, rand } from '../support/bls';
import { EnvelopeError, decodeWrappedKey, encodeWrappedKey, unwrapKey, wrapKey, wrappedKeyFromBytes, wrappedKeyToBytes, x25519PublicKey } from '../../src-main/crypto/envelope';

describe('X25519 (RFC 7748 §6.1 vector)', () => {
  it('public keys and shared secret', () => {
    const a = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const b = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    expect(toHex(x25519PublicKey(a))).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    expect(toHex(x25519PublicKey(b))).toBe('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    expect(toHex(x25519.getSharedSecret(a, x25519PublicKey(b)))).toBe('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
  });
});

describe('envelope wrapKey / unwrapKey', () => {
  const sk = rand(32);
  const pk = x25519PublicKey(sk);
  const dataKey = newDataKey();
  const aad = utf8('record/42|patient');

  it('round-trips, with a fresh ephemeral key and nonce each time', () => {
    const w = wrapKey(pk, dataKey, aad);
    expect([w.epk.length, w.nonce.length, w.ct.length]).toEqual([32, 12, 48]);
    expect(unwrapKey(sk, w, aad)).toEqual(dataKey);
    const w2 = wrapKey(pk, dataKey, aad);
    expect(toHex(w2.epk)).not.toBe(toHex(w.epk));
    expect(toHex(w2.ct)).not.toBe(toHex(w.ct));
    expect(unwrapKey(sk, wrapKey(pk, dataKey))).toEqual(dataKey);
  });

  it('throws a clear error on a wrong key, wrong aad, or tampering with any field', () => {
    const w = wrapKey(pk, dataKey, aad);
    expect(() => unwrapKey(rand(32), w, aad)).toThrow(/cannot unwrap data key/);
    expect(() => unwrapKey(sk, w, utf8('record/43|patient'))).toThrow(EnvelopeError);
    expect(() => unwrapKey(sk, w)).toThrow(EnvelopeError);
    for (const f of ['epk', 'nonce', 'ct'] as const)
      for (let bit = 0; bit < w[f].length * 8; bit += 23) expect(() => unwrapKey(sk, { ...w, [f]: flipBit(w[f], bit) }, aad)).toThrow(EnvelopeError);
  });

  it('refuses low-order and malformed recipient keys', () => {
    expect(() => wrapKey(new Uint8Array(32), dataKey)).toThrow(/X25519 failed/);
    expect(() => wrapKey(pk.subarray(1), dataKey)).toThrow(/32 bytes/);
    expect(() => wrapKey(pk, rand(16))).toThrow(/data key must be 32 bytes/);
    const w = wrapKey(pk, dataKey);
    expect(() => unwrapKey(sk, { ...w, epk: new Uint8Array(32) })).toThrow(EnvelopeError);
    expect(() => unwrapKey(sk, { ...w, ct: w.ct.subarray(1) })).toThrow(/48 bytes/);
  });

  it('a key wrapped for the patient and for the organization opens only with each one\'s key', () => {
    const orgSk = rand(32);
    const forPatient = wrapKey(pk, dataKey, aad);
    const forOrg = wrapKey(x25519PublicKey(orgSk), dataKey, aad);
    expect(unwrapKey(orgSk, forOrg, aad)).toEqual(dataKey);
    expect(() => unwrapKey(orgSk, forPatient, aad)).toThrow(EnvelopeError);
  });

  it('canonical encoding round-trips and validates', () => {
    const w = wrapKey(pk, dataKey, aad);
    const obj = encodeWrappedKey(w);
    expect(Object.keys(obj).sort()).toEqual(['ct', 'epk', 'nonce']);
    expect(toHex(canonicalEncode(obj))).toBe(toHex(wrappedKeyToBytes(w)));
    const back = wrappedKeyFromBytes(wrappedKeyToBytes(w));
    expect(unwrapKey(sk, back, aad)).toEqual(dataKey);
    // Buffer input encodes to the same bytes
    expect(toHex(wrappedKeyToBytes({ epk: Buffer.from(w.epk), nonce: w.nonce, ct: w.ct }))).toBe(toHex(wrappedKeyToBytes(w)));
    expect(() => decodeWrappedKey({ ...obj, extra: new Uint8Array(1) })).toThrow(/unexpected/);
    expect(() => decodeWrappedKey({ epk: obj.epk, nonce: obj.nonce })).toThrow(/ct/);
    expect(() => decodeWrappedKey(null)).toThrow(EnvelopeError);
    expect(() => wrappedKeyFromBytes(canonicalEncode({ epk: 'x', nonce: obj.nonce, ct: obj.ct }))).toThrow(/epk/);
  });
});
