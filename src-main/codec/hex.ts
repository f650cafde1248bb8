/** Hex and base64url helpers: the one place byte<->text conversions live. */
import { bytesToHex, hexToBytes as nobleHexToBytes } from '@noble/hashes/utils.js';

export const toHex = (b: Uint8Array): string => bytesToHex(b);

export function fromHex(s: string, expectedLength?: number): Uint8Array {
  if (typeof s !== 'string' || s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new Error('hex: malformed hex string');
  const b = nobleHexToBytes(s);
  if (expectedLength !== undefined && b.length !== expectedLength) throw new Error(`hex: expected ${expectedLength} bytes, got ${b.length}`);
  return b;
}

export const toB64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

export function fromB64u(s: string): Uint8Array {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]*$/.test(s)) throw new Error('base64url: malformed string');
  return new Uint8Array(Buffer.from(s, 'base64url'));
}

const textEncoder = new TextEncoder();
export const utf8 = (s: string): Uint8Array => textEncoder.encode(s);
