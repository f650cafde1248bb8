/**
 * Framing of streamed responses: an RFC 8742 CBOR sequence (media type application/cbor-seq)
 * whose items are all CBOR byte strings (major type 2, definite, shortest-form length). Each
 * item carries one opaque payload, e.g. one block's wire bytes. A reader needs no CBOR parser
 * to split the stream, and the item size is bounded before any payload is buffered.
 */
export const CBOR_SEQ = 'application/cbor-seq';

/** A stream that is not a well-formed sequence of byte strings within the size limit (a protocol violation, not an interruption). */
export class FrameError extends Error {}
export const DEFAULT_MAX_FRAME = 16 * 1024 * 1024;

/** The CBOR byte-string header for a payload of `len` bytes. */
export function frameHeader(len: number): Uint8Array {
  if (!Number.isSafeInteger(len) || len < 0 || len > 0xffffffff) throw new RangeError('frames: payload too large');
  if (len < 24) return Uint8Array.of(0x40 | len);
  if (len < 0x100) return Uint8Array.of(0x58, len);
  if (len < 0x10000) return Uint8Array.of(0x59, len >> 8, len & 0xff);
  return Uint8Array.of(0x5a, (len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
}

export function encodeFrame(payload: Uint8Array): Uint8Array {
  const h = frameHeader(payload.length);
  const out = new Uint8Array(h.length + payload.length);
  out.set(h);
  out.set(payload, h.length);
  return out;
}

/** Incremental splitter: push() chunks as they arrive, take frames from next(). */
export class FrameReader {
  private chunks: Uint8Array[] = [];
  private buffered = 0;

  constructor(private readonly maxFrame = DEFAULT_MAX_FRAME) {}

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** Bytes received but not yet returned as a frame. */
  get pending(): number {
    return this.buffered;
  }

  private peek(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let off = 0;
    for (const c of this.chunks) {
      const take = Math.min(c.length, n - off);
      out.set(c.subarray(0, take), off);
      off += take;
      if (off === n) break;
    }
    return out;
  }

  private consume(n: number): Uint8Array {
    const out = this.peek(n);
    let left = n;
    while (left > 0) {
      const c = this.chunks[0];
      if (c.length <= left) {
        this.chunks.shift();
        left -= c.length;
      } else {
        this.chunks[0] = c.subarray(left);
        left = 0;
      }
    }
    this.buffered -= n;
    return out;
  }

  /** The next complete frame's payload, or null if more bytes are needed. Throws on a malformed stream. */
  next(): Uint8Array | null {
    if (this.buffered === 0) return null;
    const ib = this.peek(1)[0];
    if (ib >> 5 !== 2) throw new FrameError('frames: item is not a CBOR byte string');
    const ai = ib & 0x1f;
    let hl: number;
    let len: number;
    if (ai < 24) {
      hl = 1;
      len = ai;
    } else if (ai >= 24 && ai <= 26) {
      hl = 1 + (1 << (ai - 24));
      if (this.buffered < hl) return null;
      const h = this.peek(hl);
      len = 0;
      for (let i = 1; i < hl; i++) len = len * 256 + h[i];
      const min = ai === 24 ? 24 : ai === 25 ? 0x100 : 0x10000;
      if (len < min) throw new FrameError('frames: non-shortest length encoding');
    } else {
      throw new FrameError('frames: unsupported byte-string length encoding');
    }
    if (len > this.maxFrame) throw new FrameError(`frames: item of ${len} bytes exceeds the ${this.maxFrame}-byte limit`);
    if (this.buffered < hl + len) return null;
    this.consume(hl);
    return this.consume(len);
  }
}

/** Splits an async byte stream into frames; throws if the stream ends inside a frame. */
export async function* readFrames(source: AsyncIterable<Uint8Array>, maxFrame = DEFAULT_MAX_FRAME): AsyncGenerator<Uint8Array> {
  const r = new FrameReader(maxFrame);
  for await (const chunk of source) {
    r.push(chunk);
    for (let f = r.next(); f !== null; f = r.next()) yield f;
  }
  if (r.pending !== 0) throw new Error('frames: stream ended inside an item (truncated)');
}
