/**
 * Random bytes from the operating system's CSPRNG (node:crypto's randomFillSync, OpenSSL's
 * RAND_bytes), drawn 4 KiB at a time. Sealing a record asks for a data key and a few nonces (32 and
 * 12 bytes), and each small draw is a call into OpenSSL that costs more than the bytes: an import of
 * a thousand records made some five thousand of them (3.5 % of its CPU). Nothing here generates
 * randomness: every byte handed out comes from the CSPRNG, once. Each answer is a copy, and its
 * bytes are zeroed in the pool as they leave it. (The approach of uuid's `rng`, which pools 256 bytes.)
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
/** Larger requests are drawn directly. */
const MAX_POOLED = 256;
const pool = new Uint8Array(POOL_BYTES);
let next = POOL_BYTES; // empty: filled on first use

/** `n` fresh random bytes. */
export function randomBytes(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`random: byte count must be a non-negative integer, got ${n}`);
  if (n > MAX_POOLED) return randomFillSync(new Uint8Array(n));
  if (next + n > POOL_BYTES) {
    randomFillSync(pool);
    next = 0;
  }
  const out = pool.slice(next, next + n);
  pool.fill(0, next, next + n);
  next += n;
  return out;
}
