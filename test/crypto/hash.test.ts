/** crypto/hash's SHA-256 (Node's crypto where present) gives @noble/hashes' bytes, as plain fresh Uint8Arrays. */
import { describe, expect, it } from 'vitest';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { contentHash, sha256 } from '../../src-main/crypto/hash';
import { toHex } from '../../src-main/codec/hex';

describe('sha256', () => {
  it('matches @noble/hashes from 0 bytes to 300 KB, for views and Buffers too', () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 513, 4096, 300_000]) {
      const b = new Uint8Array(n + 7).map((_, i) => (i * 31 + n) & 0xff);
      for (const input of [b.subarray(0, n), b.subarray(7), Buffer.from(b.subarray(3, n + 3))]) expect(toHex(sha256(input))).toBe(toHex(nobleSha256(input)));
    }
  });
  it('returns 32 fresh bytes in a plain Uint8Array of their own', () => {
    const a = sha256(new Uint8Array([1]));
    const b = sha256(new Uint8Array([1]));
    expect(a.constructor).toBe(Uint8Array);
    expect(a.byteOffset).toBe(0);
    expect(a.buffer.byteLength).toBe(32);
    a[0] ^= 1;
    expect(toHex(b)).toBe(toHex(nobleSha256(new Uint8Array([1]))));
  });
  it('refuses what is not bytes', () => {
    expect(() => sha256('abc' as never)).toThrow(TypeError);
    expect(() => contentHash([1, 2] as never)).toThrow(TypeError);
  });
});
