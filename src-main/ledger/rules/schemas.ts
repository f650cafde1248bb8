/**
 * Zod building blocks for transaction bodies: byte strings of exact or bounded length, ids,
 * periods. Every string, array and byte string of a body has an upper bound (issue 13, finding 6),
 * and a whole signed transaction is limited to MAX_TX_BYTES where a node admits it.
 */
import { z } from 'zod';

/** The largest signed transaction (canonical bytes) a node admits into its mempool or a block it decides on. */
export const MAX_TX_BYTES = 8 * 1024 * 1024;

/** A byte string of exactly `len` bytes (without `len`: of any length up to MAX_TX_BYTES; bodies use bytesUpTo). */
export const bytes = (len?: number) =>
  z.custom<Uint8Array>((v) => v instanceof Uint8Array && (len === undefined ? v.length <= MAX_TX_BYTES : v.length === len), {
    message: len === undefined ? `expected at most ${MAX_TX_BYTES} bytes` : `expected ${len} bytes`,
  });

/** A byte string of at most `max` bytes. */
export const bytesUpTo = (max: number) =>
  z.custom<Uint8Array>((v) => v instanceof Uint8Array && v.length <= max, { message: `expected at most ${max} bytes` });

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

/** A data key wrapped for one recipient: a 32-byte key and its tag, with room for a longer key format. */
export const wrappedKey = z.object({ epk: bytes(32), nonce: bytes(12), ct: bytesUpTo(256) }).strict();

/** A free-form audit detail: a few short fields. */
export const MAX_DETAIL_FIELDS = 32;

/**
 * The most records one batched transaction carries (record.anchorBatch, record.linkBatch): an
 * entry is under 1 KB at its largest (ids and types at their bounds), so a batch stays far below
 * MAX_TX_BYTES and a consensus proposal's 4 MiB.
 */
export const MAX_RECORD_BATCH = 500;
