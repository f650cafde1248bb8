/**
 * Catch-up in batches (Ledger.commitBlocks): the transaction signatures of a window and the
 * certificate of its last block checked in one batch; a forged signature anywhere is still caught,
 * the bad block named, and nothing of the window stored. A bad certificate inside the window is
 * caught by the audit (test/ledger/catch-up.test.ts holds the attacker cases).
 */
import { describe, expect, it } from 'vitest';
import { createBls } from '../../src-main/crypto/bls';
import { anchorTx } from '../../src-main/consensus/cometbft/network';
import { makeCertificate } from '../../src-main/ledger/certificate';
import { blockHash, voteMessage } from '../../src-main/ledger/encoding';
import { BlockRejected, type Ledger } from '../../src-main/ledger/ledger';
import { auditCertificates } from '../../src-main/ledger/catch-up';
import { testKey, testLedger } from '../support/ledger';
import type { Block } from '../../src-main/ledger/types';

const bls = createBls();
const keys = [0, 1, 2, 3].map((i) => testKey(bls, `V${i}`));

function nextBlock(src: Ledger, h: number): Block {
  const txs = [0, 1, 2].map((i) => anchorTx(bls, keys[i], 'hospital', h * 10 + i));
  const { header, txs: kept } = src.prepareBlock('hospital', txs, 0, Date.now());
  const hash = blockHash(header);
  const msg = voteMessage(header.genesis, header.height, 0, 'precommit', hash);
  const cert = makeCertificate(bls, 4, 0, [0, 1, 2].map((i) => ({ validator: i, signature: bls.sign(keys[i].sk, msg) })));
  const block = { header, txs: kept, cert };
  src.commitBlock(block);
  return block;
}

const chain = (n: number): Block[] => {
  const src = testLedger(bls, keys);
  return Array.from({ length: n }, (_, i) => nextBlock(src, i + 1));
};
const blocks = chain(6);

describe('Ledger.commitBlocks', () => {
  it('stores a run of valid blocks, verified together', () => {
    const l = testLedger(bls, keys);
    l.commitBlocks(blocks);
    expect(l.height('hospital')).toBe(6);
    expect(l.verifyStored({ signatures: true })).toMatchObject({ ok: true });
  });

  it('a forged transaction signature in block 4: block 4 refused by name, nothing of the window stored', () => {
    const l = testLedger(bls, keys);
    const bad = blocks.slice();
    // two signatures swapped inside block 4 (its header's signatures hash no longer matches)
    const t = bad[3].txs.slice();
    [t[0], t[1]] = [{ ...t[0], sig: t[1].sig }, { ...t[1], sig: t[0].sig }];
    bad[3] = { ...bad[3], txs: t };
    expect(() => l.commitBlocks(bad)).toThrow(BlockRejected);
    expect(() => l.commitBlocks(bad)).toThrow(/block 4 refused/);
    expect(l.height('hospital')).toBe(0);
  });

  it("another block's certificate: refused on the window's last block, left to the audit inside it", () => {
    const l = testLedger(bls, keys);
    expect(() => l.commitBlocks([...blocks.slice(0, 5), { ...blocks[5], cert: blocks[4].cert }])).toThrow(/block 6 refused: certificate/);
    expect(l.height('hospital')).toBe(0);
    const bad = blocks.slice();
    bad[1] = { ...bad[1], cert: bad[2].cert };
    l.commitBlocks(bad);
    expect(l.height('hospital')).toBe(6);
    expect(auditCertificates(l, 'hospital')).toMatchObject({ audited: 1, bad: { height: 2, dropped: true } });
  });
});
