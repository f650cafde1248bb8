/**
 * CometBFT's ABCI socket framing (v0.38): each message is an unsigned-varint length followed by
 * that many bytes of a protobuf tendermint.abci.Request (CometBFT -> app) or Response (app ->
 * CometBFT). Message types come from cosmjs-types (generated from CometBFT 0.38's .proto files).
 */
import { Request, Response } from 'cosmjs-types/tendermint/abci/types.js';

export { Request, Response };

/** Largest message accepted (CometBFT's own limit for a block is 100 MiB; ours is far below it). */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export function encodeUvarint(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('uvarint: not a non-negative integer');
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Uint8Array.from(out);
}

/** Decodes a uvarint at `off`: its value and length, or null when the buffer ends first. Throws on overflow. */
export function decodeUvarint(buf: Uint8Array, off = 0): { value: number; bytes: number } | null {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 8; i++) {
    if (off + i >= buf.length) return null;
    const b = buf[off + i];
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) return { value, bytes: i + 1 };
    scale *= 0x80;
  }
  throw new Error('abci: message length varint is too long');
}

export function frame(body: Uint8Array): Uint8Array {
  const len = encodeUvarint(body.length);
  const out = new Uint8Array(len.length + body.length);
  out.set(len, 0);
  out.set(body, len.length);
  return out;
}

/** Splits a byte stream into message bodies; keeps the incomplete tail for the next chunk. */
export class FrameReader {
  private buf: Uint8Array = new Uint8Array(0);

  push(chunk: Uint8Array): Uint8Array[] {
    if (this.buf.length === 0) this.buf = chunk;
    else {
      const b = new Uint8Array(this.buf.length + chunk.length);
      b.set(this.buf, 0);
      b.set(chunk, this.buf.length);
      this.buf = b;
    }
    const out: Uint8Array[] = [];
    let off = 0;
    for (;;) {
      const len = decodeUvarint(this.buf, off);
      if (!len) break;
      if (len.value > MAX_MESSAGE_BYTES) throw new Error(`abci: message of ${len.value} bytes exceeds ${MAX_MESSAGE_BYTES}`);
      if (off + len.bytes + len.value > this.buf.length) break;
      out.push(this.buf.subarray(off + len.bytes, off + len.bytes + len.value));
      off += len.bytes + len.value;
    }
    this.buf = off === this.buf.length ? new Uint8Array(0) : this.buf.slice(off);
    return out;
  }
}

export const encodeRequest = (r: Request): Uint8Array => frame(Request.encode(r).finish());
export const encodeResponse = (r: Response): Uint8Array => frame(Response.encode(r).finish());
export const decodeRequest = (b: Uint8Array): Request => Request.decode(b);
export const decodeResponse = (b: Uint8Array): Response => Response.decode(b);
