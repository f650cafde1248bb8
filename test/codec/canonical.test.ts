import { describe, it, expect } from 'vitest';
import { canonicalEncode, canonicalDecode, domainBytes, domainHash } from '../../src-main/codec/canonical';
import { toHex } from '../../src-main/codec/hex';

describe('canonical encoding', () => {
  it('is independent of object key order', () => {
    expect(toHex(canonicalEncode({ b: 1, a: 'x', cc: [1, 2] }))).toBe(toHex(canonicalEncode({ cc: [1, 2], a: 'x', b: 1 })));
  });
  it('round-trips and refuses non-canonical bytes', () => {
    const v = { height: 7, hash: new Uint8Array([1, 2, 3]), ok: true, n: null, big: 2n ** 63n };
    const bytes = canonicalEncode(v);
    expect(canonicalDecode(bytes)).toEqual(v);
    // 0x18 0x07 is a non-shortest encoding of 7
    expect(() => canonicalDecode(new Uint8Array([0x18, 0x07]))).toThrow();
    expect(() => canonicalDecode(new Uint8Array([...bytes, 0]))).toThrow();
    // map with keys in the wrong order: {"b":1,"a":2}
    expect(() => canonicalDecode(new Uint8Array([0xa2, 0x61, 0x62, 0x01, 0x61, 0x61, 0x02]))).toThrow(/canonical/);
  });
  it('refuses floats, undefined and class instances', () => {
    expect(() => canonicalEncode({ x: 1.5 })).toThrow(/safe integer/);
    expect(() => canonicalEncode({ x: 2n ** 70n })).toThrow(/64 bits/);
    expect(() => canonicalEncode({ x: undefined } as never)).toThrow(/undefined/);
    expect(() => canonicalEncode({ x: new Date() } as never)).toThrow(/plain object/);
  });
  it('separates domains', () => {
    expect(toHex(domainHash('hospital/tx', { a: 1 }))).not.toBe(toHex(domainHash('patient/tx', { a: 1 })));
    expect(() => domainBytes('Bad Domain', 1)).toThrow();
  });
  it('encodes Buffers exactly as Uint8Arrays', () => {
    expect(toHex(canonicalEncode(Buffer.from([1, 2])))).toBe(toHex(canonicalEncode(new Uint8Array([1, 2]))));
  });
});
