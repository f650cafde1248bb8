import { describe, it, expect } from 'vitest';
import { leafHash, merkleRootOfLeaves, inclusionProof, verifyInclusion } from '../../src-main/ledger/merkle';
import { utf8 } from '../../src-main/codec/hex';

describe('RFC 6962 Merkle tree', () => {
  it('proves and verifies every leaf for sizes 1..33, and rejects a wrong index, leaf or root', () => {
    for (let n = 1; n <= 33; n++) {
      const leaves = Array.from({ length: n }, (_, i) => leafHash(utf8(`tx${i}`)));
      const root = merkleRootOfLeaves(leaves);
      for (let i = 0; i < n; i++) {
        const p = inclusionProof(leaves, i);
        expect(verifyInclusion(leaves[i], i, n, p, root)).toBe(true);
        if (n > 1) {
          expect(verifyInclusion(leaves[i], (i + 1) % n, n, p, root)).toBe(false);
          expect(verifyInclusion(leafHash(utf8('evil')), i, n, p, root)).toBe(false);
        }
        expect(verifyInclusion(leaves[i], i, n, p, leafHash(utf8('x')))).toBe(false);
      }
    }
  });
  it('root changes when any leaf changes or leaves are reordered', () => {
    const leaves = [1, 2, 3].map((i) => leafHash(utf8(String(i))));
    const r = merkleRootOfLeaves(leaves);
    expect(merkleRootOfLeaves([leaves[1], leaves[0], leaves[2]])).not.toEqual(r);
    expect(merkleRootOfLeaves(leaves.slice(0, 2))).not.toEqual(r);
  });
});
