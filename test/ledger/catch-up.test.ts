/**
 * Catch-up in windows (ledger/catch-up.ts; docs/consensus.md): a window of blocks under one
 * validator set is authenticated by the certificate of its last block through the hash links; the
 * intermediate certificates are stored unaudited, neither served nor used in proofs until the
 * audit has checked them. What a hostile peer can try, and what the ledger does:
 *   (a) a transaction altered in a middle block: the window is refused, nothing of it stored;
 *   (b) a forged certificate on the window's last block: refused, nothing stored;
 *   (c) a garbage certificate on an intermediate block: the blocks are stored, the certificate is
 *       not served, the audit finds and drops it, a valid one attached later completes the audit;
 *   (d) a validator-set change inside the run: the window is cut there, so a last block signed by
 *       the old set after the change, or by the new set before it, is refused;
 *   (e) a transaction whose author signature is forged, in a window its quorum certified: refused.
 */
import { describe, expect, it } from 'vitest';
import { createBls } from '../../src-main/crypto/bls';
import { anchorTx } from '../../src-main/consensus/cometbft/network';
import { makeBitmap, makeCertificate } from '../../src-main/ledger/certificate';
import { auditCertificates, servableHeight, unauditedRange } from '../../src-main/ledger/catch-up';
import { blockHash, voteMessage } from '../../src-main/ledger/encoding';
import { BlockRejected, type Ledger } from '../../src-main/ledger/ledger';
import { signTx } from '../../src-main/ledger/producer';
import { validatorChangeMessage } from '../../src-main/ledger/rules/common';
import type { Block, Certificate, SignedTx } from '../../src-main/ledger/types';
import { testKey, testLedger, type TestKey } from '../support/ledger';

const bls = createBls();
const keys = [0, 1, 2, 3].map((i) => testKey(bls, `V${i}`));

/** A certificate over `b` by `signers` (indices into `set`). */
function certify(b: Pick<Block, 'header'>, set: TestKey[], signers: number[]): Certificate {
  const msg = voteMessage(b.header.genesis, b.header.height, 0, 'precommit', blockHash(b.header));
  return makeCertificate(bls, set.length, 0, signers.map((i) => ({ validator: i, signature: bls.sign(set[i].sk, msg) })));
}

/** Prepares the next block of `txs` on `src`, certifies it by `set` and commits it there (signatures unchecked: `batch`). */
function nextBlock(src: Ledger, txs: SignedTx[], set: TestKey[], signers: number[]): Block {
  const { header, txs: kept } = src.prepareBlock('hospital', txs, 0, Date.now());
  expect(kept.length).toBe(txs.length);
  const block = { header, txs: kept, cert: certify({ header }, set, signers) };
  src.commitBlock(block, { batch: [] });
  return block;
}

const anchors = (h: number) => [0, 1, 2].map((i) => anchorTx(bls, keys[i], 'hospital', h * 10 + i));

function chain(n: number, tweak?: (h: number, txs: SignedTx[]) => SignedTx[]): Block[] {
  const src = testLedger(bls, keys);
  return Array.from({ length: n }, (_, i) => nextBlock(src, tweak ? tweak(i + 1, anchors(i + 1)) : anchors(i + 1), keys, [0, 1, 2]));
}
const blocks = chain(8);

describe('catch-up windows (Ledger.commitBlocks)', () => {
  it('stores a window authenticated by its last certificate; the others wait for the audit, which clears them', () => {
    const l = testLedger(bls, keys);
    l.commitBlocks(blocks);
    expect(l.height('hospital')).toBe(8);
    expect(unauditedRange(l.db, 'hospital')).toEqual({ from: 1, to: 8 });
    expect(servableHeight(l, 'hospital')).toBe(0);
    expect(l.verifyStored({ signatures: true })).toMatchObject({ ok: true });
    expect(auditCertificates(l, 'hospital', 3)).toEqual({ audited: 3, remaining: 5 });
    expect(servableHeight(l, 'hospital')).toBe(3);
    expect(auditCertificates(l, 'hospital')).toEqual({ audited: 5, remaining: 0 });
    expect(unauditedRange(l.db, 'hospital')).toBeNull();
    expect(servableHeight(l, 'hospital')).toBe(8);
    expect(l.verifyStored({ signatures: true })).toMatchObject({ ok: true });
  });

  it('(a) a transaction altered in a middle block: refused by name, nothing of the window stored', () => {
    const l = testLedger(bls, keys);
    const bad = blocks.slice();
    const t = bad[3].txs.slice();
    t[1] = { ...t[1], nonce: t[1].nonce + 1 };
    bad[3] = { ...bad[3], txs: t };
    expect(() => l.commitBlocks(bad)).toThrow(/block 4 refused: .*(Merkle|signatures hash)/);
    expect(l.height('hospital')).toBe(0);
    // a block dropped from the middle breaks the hash link
    expect(() => l.commitBlocks([...blocks.slice(0, 3), ...blocks.slice(4)])).toThrow(/block 5 refused/);
    expect(l.height('hospital')).toBe(0);
  });

  it('(b) a forged certificate on the last block: refused, nothing stored', () => {
    const l = testLedger(bls, keys);
    const outsider = [0, 1, 2].map((i) => testKey(bls, `X${i}`));
    const bad = blocks.slice();
    bad[7] = { ...bad[7], cert: certify(bad[7], outsider, [0, 1, 2]) };
    const e = (() => {
      try {
        l.commitBlocks(bad);
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(BlockRejected);
    expect((e as BlockRejected).height).toBe(8);
    expect((e as Error).message).toMatch(/certificate of the window's last block: certificate signature does not verify/);
    expect(l.height('hospital')).toBe(0);
    // too few signers on the last block, or another block's certificate: refused alike
    const msg8 = voteMessage(blocks[7].header.genesis, 8, 0, 'precommit', blockHash(blocks[7].header));
    const two = { round: 0, signers: makeBitmap(4, [0, 1]), signature: bls.aggregate([0, 1].map((i) => bls.sign(keys[i].sk, msg8))) };
    expect(() => l.commitBlocks([...blocks.slice(0, 7), { ...blocks[7], cert: two }])).toThrow(/block 8 refused: certificate has 2 signers, quorum is 3/);
    expect(() => l.commitBlocks([...blocks.slice(0, 7), { ...blocks[7], cert: blocks[6].cert }])).toThrow(/block 8 refused/);
    expect(l.height('hospital')).toBe(0);
  });

  it('(c) a garbage certificate on an intermediate block: stored, never served, dropped by the audit, replaced by a valid one', () => {
    const l = testLedger(bls, keys);
    const bad = blocks.slice();
    const garbage = { round: 0, signers: makeBitmap(4, [0, 1, 2]), signature: bls.sign(keys[3].sk, new Uint8Array([1, 2, 3])) };
    bad[4] = { ...bad[4], cert: garbage };
    l.commitBlocks(bad);
    expect(l.height('hospital')).toBe(8);
    expect(servableHeight(l, 'hospital')).toBe(0);
    // the audit checks 1-4, finds 5 bad and drops it; 5 and above stay unserved
    expect(auditCertificates(l, 'hospital')).toEqual({ audited: 4, remaining: 4, bad: { height: 5, dropped: true } });
    expect(servableHeight(l, 'hospital')).toBe(4);
    expect(l.block('hospital', 5)!.cert.signature).not.toEqual(garbage.signature);
    expect(l.verifyStored()).toMatchObject({ ok: true }); // block 5 is still authenticated by block 8's certificate
    // it waits there until a valid certificate is attached (a garbage one is refused)
    expect(auditCertificates(l, 'hospital')).toEqual({ audited: 0, remaining: 4, bad: { height: 5, dropped: false } });
    expect(() => l.attachCertificate('hospital', 5, garbage)).toThrow(BlockRejected);
    l.attachCertificate('hospital', 5, blocks[4].cert);
    expect(auditCertificates(l, 'hospital')).toEqual({ audited: 4, remaining: 0 });
    expect(servableHeight(l, 'hospital')).toBe(8);
    expect(l.verifyStored({ signatures: true })).toMatchObject({ ok: true });
  });

  it('(e) a forged author signature in a window its quorum certified: refused by name, nothing stored', () => {
    // a dishonest quorum certifies block 3 carrying an anchor "signed" with another transaction's signature
    const bad = chain(6, (h, txs) => (h === 3 ? [txs[0], { ...txs[1], sig: txs[2].sig }, txs[2]] : txs));
    const l = testLedger(bls, keys);
    expect(() => l.commitBlocks(bad)).toThrow(/block 3 refused: a transaction signature does not verify/);
    expect(l.height('hospital')).toBe(0);
    // also as the last block of the window
    expect(() => l.commitBlocks(bad.slice(0, 3))).toThrow(/block 3 refused: a transaction signature does not verify/);
    expect(l.height('hospital')).toBe(0);
  });
});

describe('(d) catch-up windows never cross a validator-set change', () => {
  // Founded by A alone; block 2 adds B, C and D from height 5 (the change needs A's signature: the
  // quorum of the set in force). Blocks 1-4 are certified by A, blocks 5-8 by three of the four.
  const [a] = keys;
  const grown = keys;
  const build = () => {
    const src = testLedger(bls, [a]);
    const gh = src.genesisHash('hospital');
    const body = { add: keys.slice(1).map((k) => ({ name: k.name, blsPk: k.pk, pop: k.pop })), remove: [], effectiveHeight: 5 };
    const change = { ...body, signers: makeBitmap(1, [0]), signature: bls.sign(a.sk, validatorChangeMessage(gh, body)) };
    const update = signTx(bls, a, { chain: 'hospital', type: 'validators.update', nonce: 999, time: Date.now(), body: change });
    const out: Block[] = [];
    for (let h = 1; h <= 8; h++) {
      const txs = [anchorTx(bls, a, 'hospital', h), ...(h === 2 ? [update] : [])];
      out.push(h < 5 ? nextBlock(src, txs, [a], [0]) : nextBlock(src, txs, grown, [1, 2, 3]));
    }
    return out;
  };
  const honest = build();

  it('an honest run across the change is stored: one window ends at block 4 (checked against A), the next at 8 (against the four)', () => {
    const l = testLedger(bls, [a]);
    l.commitBlocks(honest);
    expect(l.height('hospital')).toBe(8);
    expect(l.validatorsAt('hospital', 8).map((v) => v.name)).toEqual(['V0', 'V1', 'V2', 'V3']);
    expect(auditCertificates(l, 'hospital')).toEqual({ audited: 8, remaining: 0 });
  });

  it('the last block signed by the OLD set after the change is refused (and so is one whose own window tip was never signed)', () => {
    const l = testLedger(bls, [a]);
    const oldTip = [...honest.slice(0, 7), { ...honest[7], cert: { ...certify(honest[7], [a], [0]), signers: makeBitmap(4, [0]) } }];
    expect(() => l.commitBlocks(oldTip)).toThrow(/block 8 refused: .*1 signers, quorum is 3/);
    expect(l.height('hospital')).toBe(4); // the window under A (1-4) was authenticated by block 4
    // A alone signs block 8 (old set) and block 4 carries garbage: a store that checked only the
    // run's last block against the set at its start would take all eight; here block 4 ends a window
    const l2 = testLedger(bls, [a]);
    const garbage4 = { ...honest[3], cert: { round: 0, signers: makeBitmap(1, [0]), signature: honest[2].cert.signature } };
    const tipByA = { ...honest[7], cert: certify(honest[7], [a], [0]) };
    expect(() => l2.commitBlocks([...honest.slice(0, 3), garbage4, ...honest.slice(4, 7), tipByA])).toThrow(/block 4 refused: certificate of the window's last block/);
    expect(l2.height('hospital')).toBe(0);
  });

  it('a last block signed by the NEW set before the change is refused', () => {
    const l = testLedger(bls, [a]);
    const newTip = { ...honest[3], cert: certify(honest[3], grown, [1, 2, 3]) };
    expect(() => l.commitBlocks([...honest.slice(0, 3), newTip])).toThrow(/block 4 refused: certificate: bitmap names a validator outside the set/);
    // the new set's signers named within the old set's one seat: the signature still does not verify
    const squeezed = { ...newTip, cert: { ...newTip.cert, signers: makeBitmap(1, [0]) } };
    expect(() => l.commitBlocks([...honest.slice(0, 3), squeezed])).toThrow(/block 4 refused: certificate of the window's last block: certificate signature does not verify/);
    expect(l.height('hospital')).toBe(0);
  });
});
