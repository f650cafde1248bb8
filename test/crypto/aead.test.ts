import { gcm } from '@noble/ciphers/aes.js';
import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../src-main/codec/hex';
import { AeadError, gcmDecrypt, gcmEncrypt, newDataKey, openRecord, sealRecord } from '../../src-main/crypto/aead';
import { flipBit, rand } from '../support/bls';
import { contentHash, contentHashHex, sha256 } from '../../src-main/crypto/hash';

describe('aead (AES-256-GCM)', () => {
  const key = newDataKey();
  const aad = utf8('record/123');
  const pt = utf8('{"resourceType":"Observation","status":"final"}');

  it('round-trips, with a fresh 12-byte nonce each time', () => {
    const a = sealRecord(key, pt, aad);
    const b = sealRecord(key, pt, aad);
    expect(a.nonce.length).toBe(12);
    expect(toHex(a.nonce)).not.toBe(toHex(b.nonce));
    expect(a.ciphertext.length).toBe(pt.length + 16);
    expect(openRecord(key, a, aad)).toEqual(pt);
    expect(openRecord(key, sealRecord(key, new Uint8Array(0)))).toEqual(new Uint8Array(0));
  });

  it('matches an independent implementation (@noble/ciphers gcm): ciphertext || tag', () => {
    const nonce = rand(12);
    const big = rand(100_003);
    const ours = gcmEncrypt(key, nonce, big, aad);
    expect(toHex(ours)).toBe(toHex(gcm(key, nonce, aad).encrypt(big)));
    expect(gcmDecrypt(key, nonce, gcm(key, nonce, aad).encrypt(big), aad)).toEqual(big);
  });

  it('fails closed on a wrong key, wrong aad, or any flipped bit', () => {
    const s = sealRecord(key, pt, aad);
    expect(() => openRecord(newDataKey(), s, aad)).toThrow(AeadError);
    expect(() => openRecord(key, s, utf8('record/124'))).toThrow(/decryption failed/);
    expect(() => openRecord(key, s)).toThrow(AeadError);
    for (let bit = 0; bit < s.ciphertext.length * 8; bit += 11) expect(() => openRecord(key, { ...s, ciphertext: flipBit(s.ciphertext, bit) }, aad)).toThrow(AeadError);
    for (let bit = 0; bit < 96; bit += 7) expect(() => openRecord(key, { ...s, nonce: flipBit(s.nonce, bit) }, aad)).toThrow(AeadError);
    expect(() => openRecord(key, { ...s, ciphertext: s.ciphertext.subarray(0, 10) }, aad)).toThrow(/shorter than the tag/);
  });

  it('refuses wrong-length keys and nonces', () => {
    expect(() => sealRecord(rand(16), pt)).toThrow(/32 bytes/);
    expect(() => openRecord(key, { nonce: rand(16), ciphertext: rand(40) })).toThrow(/12 bytes/);
  });
});

describe('hash', () => {
  it('sha256 / contentHash match the FIPS 180-2 "abc" vector', () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(toHex(sha256(utf8('abc')))).toBe(abc);
    expect(toHex(contentHash(utf8('abc')))).toBe(abc);
    expect(contentHashHex(utf8('abc'))).toBe(abc);
    expect(() => contentHash('abc' as never)).toThrow(TypeError);
  });
});
