/**
 * The one-pass canonical encoder (src-main/codec/encoder.ts) writes exactly the bytes cborg wrote
 * before it (every hash, signature and state root depends on them): compared here on edge values
 * and on thousands of random values of the data model, seeded so a failure repeats.
 */
import { describe, expect, it } from 'vitest';
import { encode } from 'cborg';
import { canonicalDecode, canonicalEncode, type Canonical } from '../../src-main/codec/canonical';
import { toHex } from '../../src-main/codec/hex';

/** What canonicalEncode did before: cborg over the value with Buffers as plain Uint8Arrays. */
function cborgBytes(v: unknown): Uint8Array {
  const normalize = (x: unknown): unknown => {
    if (x instanceof Uint8Array) return x.constructor === Uint8Array ? x : new Uint8Array(x);
    if (Array.isArray(x)) return x.map(normalize);
    if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, normalize(y)]));
    return x;
  };
  return encode(normalize(v));
}

/** mulberry32: a small seeded generator. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTS = [0, 1, 23, 24, 25, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1, 1_764_000_000_000];
const BIGS = [0n, 23n, 24n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n, -1n, -(2n ** 32n), -(2n ** 64n)];
const CHARS = ['a', 'Z', '0', '/', ' ', 'é', 'ß', '€', '中', '\u{1F600}', '\uD800', '\uDFFF', '\u0000', '\u007f', '\u0080', '\uFFFF', '\uE000'];

function randomString(r: () => number, max: number): string {
  let s = '';
  const n = Math.floor(r() * max);
  for (let i = 0; i < n; i++) s += r() < 0.7 ? String.fromCharCode(97 + Math.floor(r() * 26)) : CHARS[Math.floor(r() * CHARS.length)];
  return s;
}

function randomValue(r: () => number, depth: number): Canonical {
  const k = Math.floor(r() * (depth > 3 ? 6 : 9));
  switch (k) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2: {
      const n = r() < 0.5 ? INTS[Math.floor(r() * INTS.length)] : Math.floor(r() * 2 ** (r() * 53));
      return r() < 0.3 ? -n : n;
    }
    case 3:
      return BIGS[Math.floor(r() * BIGS.length)];
    case 4:
      return randomString(r, r() < 0.9 ? 30 : 400);
    case 5: {
      const n = Math.floor(r() * (r() < 0.9 ? 40 : 70_000));
      const b = new Uint8Array(n + 3).map(() => Math.floor(r() * 256));
      // plain, a Buffer, or a view into a larger buffer
      return r() < 0.6 ? b.subarray(0, n) : r() < 0.5 ? Buffer.from(b.subarray(1, n + 1)) : b.subarray(2, n + 2);
    }
    case 6:
    case 7:
      return Array.from({ length: Math.floor(r() * 6) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, Canonical> = {};
      const n = Math.floor(r() * 8);
      for (let i = 0; i < n; i++) o[randomString(r, 6)] = randomValue(r, depth + 1);
      return r() < 0.1 ? Object.assign(Object.create(null) as object, o) : o;
    }
  }
}

describe('the canonical encoder', () => {
  it('writes the bytes cborg wrote for every edge of the data model', () => {
    const values: Canonical[] = [
      ...INTS, ...INTS.map((n) => -n), -0, ...BIGS, '', 'a', 'x'.repeat(23), 'x'.repeat(24), 'x'.repeat(256), 'x'.repeat(70_000), ...CHARS, '\uD83D\uDE00\uD800x',
      new Uint8Array(0), new Uint8Array(24), new Uint8Array(70_000), Buffer.from([1, 2, 3]), [], {}, [[[]]],
      { b: 1, a: 2, aa: 3, B: 4, '': 5, é: 6, e: 7, z: 8, '\u{1F600}': 9, '\uE000': 10, '\uFFFF': 11 },
      { chain: 'hospital', type: 'record.anchorBatch', author: new Uint8Array(48), nonce: 7, time: 1_764_000_000_000, body: { entries: [{ recordId: 'r', version: 1 }] } },
    ];
    for (const v of values) expect(toHex(canonicalEncode(v)), JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x))?.slice(0, 80)).toBe(toHex(cborgBytes(v)));
  });

  it('writes the bytes cborg wrote for 3,000 random values, and they decode back', () => {
    const r = rng(20261130);
    for (let i = 0; i < 3000; i++) {
      const v = randomValue(r, 0);
      const bytes = canonicalEncode(v);
      expect(toHex(bytes), `value ${i}`).toBe(toHex(cborgBytes(v)));
      expect(toHex(canonicalEncode(canonicalDecode(bytes)))).toBe(toHex(bytes));
    }
  });

  it('returns fresh bytes each call (its buffer is reused, its output never)', () => {
    const a = canonicalEncode({ a: 1 });
    const b = canonicalEncode({ a: 2 });
    expect(toHex(a)).toBe('a1616101');
    expect(toHex(b)).toBe('a1616102');
  });

  it('refuses what is outside the data model with the path, and still encodes afterwards', () => {
    expect(() => canonicalEncode({ a: [1, { b: 1.5 }] })).toThrow('canonical: $.a[1].b is not a safe integer (1.5)');
    expect(() => canonicalEncode({ a: Number.NaN })).toThrow(/safe integer/);
    expect(() => canonicalEncode({ a: 2n ** 64n })).toThrow(/64 bits/);
    expect(() => canonicalEncode({ a: -(2n ** 64n) - 1n })).toThrow(/64 bits/);
    expect(() => canonicalEncode({ a: new Map() } as never)).toThrow(/plain object/);
    expect(() => canonicalEncode({ a: new Uint16Array(2) } as never)).toThrow(/plain object/);
    expect(() => canonicalEncode({ a: () => 1 } as never)).toThrow(/unsupported type function/);
    expect(() => canonicalEncode({ a: Symbol('s') } as never)).toThrow(/unsupported type symbol/);
    // eslint-disable-next-line no-sparse-arrays
    expect(() => canonicalEncode([1, , 3] as never)).toThrow(/outside the data model/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalEncode(cyclic as never)).toThrow();
    expect(toHex(canonicalEncode([1, 'a']))).toBe('820161' + '61');
  });
});
