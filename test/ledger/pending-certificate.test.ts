/**
 * Blocks whose certificate lands later (CometBFT: two heights later): stored with a pending
 * certificate, not offered as certified, accepted by verifyStored only at the top, completed by
 * attachCertificate, which refuses a certificate that does not verify and changes nothing then.
 */
import { describe, expect, it } from 'vitest';
import { createBls } from '../../src-main/crypto/bls';
import { DECIDED_ROUND, isPendingCertificate, makeCertificate } from '../../src-main/ledger/certificate';
import { blockHash, encodeBlock, voteMessage } from '../../src-main/ledger/encoding';
import type { Block } from '../../src-main/ledger/types';
import type { TrichainNode } from '../../src-main/node/node';
import { catchUpStore, NodeSyncStore } from '../../src-main/node/sync-adapter';
import { BlockRejected, type Ledger } from '../../src-main/ledger/ledger';
import { testKey, testLedger } from '../support/ledger';

const bls = createBls();
const keys = [0, 1, 2, 3].map((i) => testKey(bls, `V${i}`));

function storePending(l: Ledger): Uint8Array {
  const h = l.height('social') + 1;
  const { header, txs } = l.prepareBlock('social', [], 0, Date.now());
  l.commitBlock({ header, txs, cert: undefined as never }, { certificateLater: true });
  expect(l.height('social')).toBe(h);
  return blockHash(header);
}

const certFor = (l: Ledger, height: number, hash: Uint8Array, signers = [0, 1, 2]) =>
  makeCertificate(bls, 4, DECIDED_ROUND, signers.map((i) => ({ validator: i, signature: bls.sign(keys[i].sk, voteMessage(l.genesisHash('social'), height, DECIDED_ROUND, 'precommit', hash)) })));

describe('certificates that land later', () => {
  it('a pending block is stored, not certified, and completed by attachCertificate', () => {
    const l = testLedger(bls, keys);
    const h1 = storePending(l);
    const h2 = storePending(l);
    expect(l.certifiedHeight('social')).toBe(0);
    expect(isPendingCertificate(l.block('social', 1)!.cert)).toBe(true);
    expect(l.verifyStored()).toMatchObject({ ok: true });
    l.attachCertificate('social', 1, certFor(l, 1, h1));
    expect(l.certifiedHeight('social')).toBe(1);
    l.attachCertificate('social', 2, certFor(l, 2, h2));
    expect(l.certifiedHeight('social')).toBe(2);
    expect(l.block('social', 2)!.cert.signature.length).toBe(96);
    expect(l.verifyStored()).toMatchObject({ ok: true });
  });

  it('refuses a certificate of another block, of too few signers, or for a missing height; nothing changes', () => {
    const l = testLedger(bls, keys);
    const h1 = storePending(l);
    const before = l.blockBytes('social', 1);
    expect(() => l.attachCertificate('social', 1, certFor(l, 1, new Uint8Array(32)))).toThrow(BlockRejected);
    expect(() => l.attachCertificate('social', 1, certFor(l, 2, h1))).toThrow(/does not verify/);
    expect(() => l.attachCertificate('social', 1, { ...certFor(l, 1, h1, [0, 1, 2]), signers: Uint8Array.of(0b11) })).toThrow(/quorum/);
    expect(() => l.attachCertificate('social', 9, certFor(l, 9, h1))).toThrow(/no such block/);
    expect(l.blockBytes('social', 1)).toEqual(before);
    expect(l.certifiedHeight('social')).toBe(0);
  });

  it('verifyStored refuses a pending certificate below a certified block', () => {
    const l = testLedger(bls, keys);
    storePending(l);
    const h2 = storePending(l);
    l.attachCertificate('social', 2, certFor(l, 2, h2));
    const r = l.verifyStored();
    expect(r).toMatchObject({ ok: false, height: 1 });
  });

  it("catch-up completes a block this node's CometBFT stored pending (it stopped before the certificate landed) with the peer's certificate; a forged one is refused and changes nothing", () => {
    const l = testLedger(bls, keys);
    const h1 = storePending(l);
    storePending(l);
    const node = { ledger: l, commitBlock: (b: Block) => l.commitBlock(b) } as unknown as TrichainNode;
    const store = catchUpStore(node, new NodeSyncStore(node));
    const stored = l.block('social', 1)!;
    const before = l.blockBytes('social', 1);
    expect(() => store.appendBlock('social', encodeBlock({ ...stored, cert: certFor(l, 1, new Uint8Array(32)) }))).toThrow(BlockRejected);
    expect(l.blockBytes('social', 1)).toEqual(before);
    expect(store.height('social')).toBe(0);
    store.appendBlock('social', encodeBlock({ ...stored, cert: certFor(l, 1, h1) }));
    expect(store.height('social')).toBe(1);
    expect(l.height('social')).toBe(2);
    expect(l.block('social', 1)!.cert.signature.length).toBe(96);
  });
});
