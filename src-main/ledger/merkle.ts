/**
 * Merkle trees as in RFC 6962 §2.1 (Certificate Transparency):
 *   MTH({})      = SHA-256()
 *   MTH({d0})    = SHA-256(0x00 || d0)
 *   MTH(D[n])    = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k the largest power of two < n
 * Leaves and interior nodes are domain-separated by the 0x00 / 0x01 prefix, so a leaf can never
 * be passed off as a node. Inclusion proofs follow RFC 6962 §2.1.1 and are checked per RFC 9162 §2.1.3.2.
 */
import { sha256 } from '../crypto/hash';
import { bytesEqual } from '../codec/canonical';

const LEAF = 0x00;
const NODE = 0x01;

export function leafHash(data: Uint8Array): Uint8Array {
  const b = new Uint8Array(data.length + 1);
  b[0] = LEAF;
  b.set(data, 1);
  return sha256(b);
}

function nodeHash(l: Uint8Array, r: Uint8Array): Uint8Array {
  const b = new Uint8Array(65);
  b[0] = NODE;
  b.set(l, 1);
  b.set(r, 33);
  return sha256(b);
}

function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Root over already-hashed leaves. */
export function merkleRootOfLeaves(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256(new Uint8Array(0));
  if (leaves.length === 1) return leaves[0];
  const k = splitPoint(leaves.length);
  return nodeHash(merkleRootOfLeaves(leaves.slice(0, k)), merkleRootOfLeaves(leaves.slice(k)));
}

/** Audit path for leaf `index` among `leaves` (already hashed), bottom-up. */
export function inclusionProof(leaves: Uint8Array[], index: number): Uint8Array[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) throw new RangeError('merkle: leaf index out of range');
  if (leaves.length === 1) return [];
  const k = splitPoint(leaves.length);
  if (index < k) return [...inclusionProof(leaves.slice(0, k), index), merkleRootOfLeaves(leaves.slice(k))];
  return [...inclusionProof(leaves.slice(k), index - k), merkleRootOfLeaves(leaves.slice(0, k))];
}

/** RFC 9162 §2.1.3.2: verifies that `leaf` (already hashed) sits at `index` of a tree of `size` with `root`. */
export function verifyInclusion(leaf: Uint8Array, index: number, size: number, proof: Uint8Array[], root: Uint8Array): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  if (!proof.every((p) => p instanceof Uint8Array && p.length === 32)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesEqual(r, root);
}
