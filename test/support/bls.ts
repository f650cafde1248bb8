/** Test-only helpers for the BLS suites (not imported by production code). */
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { randomBytes } from 'node:crypto';
import type { BlsApi } from '../../src-main/crypto/bls-types';

export const rand = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

/** A copy of `b` with bit `bit` (0 = most significant bit of byte 0) flipped. */
export function flipBit(b: Uint8Array, bit: number): Uint8Array {
  const out = b.slice();
  out[bit >> 3] ^= 0x80 >> (bit & 7);
  return out;
}

/** The compressed identity encoding of length n (flags: compressed | infinity). */
export function identity(n: 48 | 96): Uint8Array {
  const b = new Uint8Array(n);
  b[0] = 0xc0;
  return b;
}

const { Fp, Fp2 } = bls12_381.fields;

/**
 * A compressed G1 encoding of a point that is on E(Fp): y² = x³ + 4 but outside the r-order
 * subgroup (the cofactor is ~2^125, so a curve point found by trying x values is almost never in it).
 */
export function g1PointOutsideSubgroup(): Uint8Array {
  for (let x = 1n; ; x++) {
    const rhs = Fp.add(Fp.pow(x, 3n), 4n);
    let y: bigint;
    try {
      y = Fp.sqrt(rhs);
    } catch {
      continue;
    }
    const P = bls12_381.G1.Point.fromAffine({ x, y });
    if (P.isTorsionFree()) continue;
    const b = Fp.toBytes(x);
    b[0] |= 0x80; // compressed flag; sort bit left clear
    return b;
  }
}

/** Same for G2: on E'(Fp2): y² = x³ + 4(1+i), not in the subgroup. Wire order is c1 || c0. */
export function g2PointOutsideSubgroup(): Uint8Array {
  const b2 = Fp2.fromBigTuple([4n, 4n]);
  for (let k = 1n; ; k++) {
    const x = Fp2.fromBigTuple([k, 1n]);
    const rhs = Fp2.add(Fp2.pow(x, 3n), b2);
    let y;
    try {
      y = Fp2.sqrt(rhs);
    } catch {
      continue;
    }
    const P = bls12_381.G2.Point.fromAffine({ x, y });
    if (P.isTorsionFree()) continue;
    const out = new Uint8Array(96);
    out.set(Fp.toBytes(x.c1), 0);
    out.set(Fp.toBytes(x.c0), 48);
    out[0] |= 0x80;
    return out;
  }
}

/** A compressed G1 encoding whose x coordinate is not on the curve. */
export function g1NotOnCurve(): Uint8Array {
  for (let x = 1n; ; x++) {
    const rhs = Fp.add(Fp.pow(x, 3n), 4n);
    let ok = true;
    try {
      Fp.sqrt(rhs);
    } catch {
      ok = false;
    }
    if (ok) continue;
    const b = Fp.toBytes(x);
    b[0] |= 0x80;
    return b;
  }
}

/** A compressed G1 encoding with x = p (non-canonical field element). */
export function g1NonCanonicalX(): Uint8Array {
  const b = new Uint8Array(48);
  let p = Fp.ORDER;
  for (let i = 47; i >= 0; i--) {
    b[i] = Number(p & 0xffn);
    p >>= 8n;
  }
  b[0] |= 0x80;
  return b;
}

/** The BLS backend `b`, counting single and batched signature verifications (each batch item counts one). */
export function countingBls(b: BlsApi): BlsApi & { verifies: number } {
  const c: BlsApi & { verifies: number } = {
    ...b,
    verifies: 0,
    verify: (pk, m, s) => (c.verifies++, b.verify(pk, m, s)),
    batchVerify: (items) => ((c.verifies += items.length), b.batchVerify(items)),
  };
  return c;
}
