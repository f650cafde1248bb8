/**
 * The canonical CBOR encoder (./canonical.ts canonicalEncode): one pass over the value that both
 * checks the data model and writes the bytes into one growing buffer.
 *
 * The bytes are exactly those cborg produced before (test/codec/encoder.test.ts compares the two
 * on random values): shortest-form heads, definite lengths, map keys sorted by their UTF-8 length
 * and then bytewise, strings as UTF-8 (a lone surrogate as U+FFFD, as TextEncoder writes it).
 * cborg built a token tree and sorted tokens for every map, which made encoding the largest
 * single cost of an import (issue 11); this writes directly.
 *
 * A value outside the data model throws NotCanonical; canonical.ts then runs assertCanonical for
 * the message naming the offending path, so errors are the same as before.
 */

export class NotCanonical extends Error {}

const MAJOR_UINT = 0x00;
const MAJOR_NEGINT = 0x20;
const MAJOR_BYTES = 0x40;
const MAJOR_STRING = 0x60;
const MAJOR_ARRAY = 0x80;
const MAJOR_MAP = 0xa0;
const MAX_U64 = 0xffffffffffffffffn;
const textEncoder = new TextEncoder();

let buf = new Uint8Array(64 * 1024);
let view = new DataView(buf.buffer);
let pos = 0;

function ensure(n: number): void {
  if (pos + n <= buf.length) return;
  let size = buf.length * 2;
  while (size < pos + n) size *= 2;
  const next = new Uint8Array(size);
  next.set(buf.subarray(0, pos));
  buf = next;
  view = new DataView(buf.buffer);
}

/** A head: major type and an unsigned argument below 2^53, in its shortest form. */
function head(major: number, n: number): void {
  ensure(9);
  if (n < 24) buf[pos++] = major | n;
  else if (n < 0x100) {
    buf[pos++] = major | 24;
    buf[pos++] = n;
  } else if (n < 0x10000) {
    buf[pos++] = major | 25;
    buf[pos++] = n >>> 8;
    buf[pos++] = n & 0xff;
  } else if (n < 0x100000000) {
    buf[pos++] = major | 26;
    view.setUint32(pos, n);
    pos += 4;
  } else {
    buf[pos++] = major | 27;
    view.setUint32(pos, Math.floor(n / 0x100000000));
    view.setUint32(pos + 4, n >>> 0);
    pos += 8;
  }
}

function headBig(major: number, n: bigint): void {
  if (n < 0x100000000n) return head(major, Number(n));
  ensure(9);
  buf[pos++] = major | 27;
  view.setBigUint64(pos, n);
  pos += 8;
}

/** A string: ASCII written byte by byte, anything else through TextEncoder. */
function str(s: string): void {
  const n = s.length;
  let ascii = true;
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    head(MAJOR_STRING, n);
    ensure(n);
    for (let i = 0; i < n; i++) buf[pos++] = s.charCodeAt(i);
    return;
  }
  const bytes = textEncoder.encode(s);
  head(MAJOR_STRING, bytes.length);
  ensure(bytes.length);
  buf.set(bytes, pos);
  pos += bytes.length;
}

const isAscii = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
};

/** Length-first, then bytewise; for ASCII keys, UTF-16 code-unit order is byte order. */
const asciiKeyOrder = (a: string, b: string): number => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function sortedKeys(o: object): string[] {
  const keys = Object.keys(o);
  if (keys.length < 2) return keys;
  if (keys.every(isAscii)) return keys.sort(asciiKeyOrder);
  const enc = new Map(keys.map((k) => [k, textEncoder.encode(k)]));
  return keys.sort((a, b) => compareBytes(enc.get(a)!, enc.get(b)!));
}

function value(v: unknown): void {
  switch (typeof v) {
    case 'string':
      return str(v);
    case 'number':
      if (!Number.isSafeInteger(v)) throw new NotCanonical();
      if (v >= 0) head(MAJOR_UINT, v);
      else head(MAJOR_NEGINT, -v - 1);
      return;
    case 'boolean':
      ensure(1);
      buf[pos++] = v ? 0xf5 : 0xf4;
      return;
    case 'bigint':
      if (v >= 0n) {
        if (v > MAX_U64) throw new NotCanonical();
        headBig(MAJOR_UINT, v);
      } else {
        const m = -v - 1n;
        if (m > MAX_U64) throw new NotCanonical();
        headBig(MAJOR_NEGINT, m);
      }
      return;
    case 'object': {
      if (v === null) {
        ensure(1);
        buf[pos++] = 0xf6;
        return;
      }
      if (v instanceof Uint8Array) {
        head(MAJOR_BYTES, v.length);
        ensure(v.length);
        buf.set(v, pos);
        pos += v.length;
        return;
      }
      if (Array.isArray(v)) {
        const n = v.length;
        head(MAJOR_ARRAY, n);
        for (let i = 0; i < n; i++) value(v[i]);
        return;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) throw new NotCanonical();
      const keys = sortedKeys(v);
      head(MAJOR_MAP, keys.length);
      for (const k of keys) {
        const x = (v as Record<string, unknown>)[k];
        if (x === undefined) throw new NotCanonical();
        str(k);
        value(x);
      }
      return;
    }
    default:
      throw new NotCanonical();
  }
}

/** Deterministic CBOR bytes of `v`; throws NotCanonical for anything outside the data model. */
export function encodeCanonical(v: unknown): Uint8Array {
  pos = 0;
  try {
    value(v);
  } catch (e) {
    pos = 0;
    if (e instanceof RangeError) throw new NotCanonical(); // a cycle: the stack ran out
    throw e;
  }
  const out = buf.slice(0, pos);
  pos = 0;
  // A rare huge value does not keep its buffer for ever.
  if (buf.length > 16 * 1024 * 1024) {
    buf = new Uint8Array(64 * 1024);
    view = new DataView(buf.buffer);
  }
  return out;
}
