/** Zod building blocks for transaction bodies: byte strings of exact length, ids, periods. */
import { z } from 'zod';

export const bytes = (len?: number) =>
  z.custom<Uint8Array>((v) => v instanceof Uint8Array && (len === undefined || v.length === len), {
    message: len === undefined ? 'expected bytes' : `expected ${len} bytes`,
  });

export const blsPk = bytes(48);
export const blsSig = bytes(96);
export const hash32 = bytes(32);
export const x25519Pk = bytes(32);
export const id = z.string().min(1).max(200).regex(/^[A-Za-z0-9._:/-]+$/, 'ids use letters, digits and ._:/-');
export const name = z.string().min(1).max(200);
export const time = z.number().int().nonnegative();
/** Ends of a consent or request period: milliseconds since 1970, negative before it (old records are common). */
export const periodTime = z.number().int().min(-8.64e15).max(8.64e15);
export const period = z.object({ start: periodTime, end: periodTime }).strict();

export const wrappedKey = z.object({ epk: bytes(32), nonce: bytes(12), ct: bytes() }).strict();
