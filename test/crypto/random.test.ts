/**
 * src-main/crypto/random.ts: CSPRNG bytes drawn from a pool. What must hold: the right number of
 * bytes; no two answers share bytes (each pooled byte is handed out once, across refills); an
 * answer is a copy (changing it changes nothing else); bad counts are refused.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from '../../src-main/crypto/random';
import { toHex } from '../../src-main/codec/hex';

describe('random bytes from a pool', () => {
  it('answers the count asked, pooled and drawn directly', () => {
    for (const n of [0, 1, 12, 32, 256, 257, 5000]) expect(randomBytes(n)).toHaveLength(n);
  });

  it('never hands out the same bytes twice, across several refills of the pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const k = toHex(randomBytes(i % 3 === 0 ? 32 : 12)); // ~11 pools' worth
      expect(seen.has(k)).toBe(false);
      seen.add(k);
    }
  });

  it('an answer is a copy: zeroing it does not zero the next one', () => {
    const a = randomBytes(32);
    a.fill(0);
    const b = randomBytes(32);
    expect(b.some((x) => x !== 0)).toBe(true);
    expect(a.buffer).not.toBe(b.buffer);
  });

  it('refuses counts that are not non-negative integers', () => {
    for (const n of [-1, 1.5, Number.NaN, Infinity]) expect(() => randomBytes(n)).toThrow(RangeError);
  });
});
