/**
 * Each author signature verified once per validator, on either engine (src-main/ledger/verified.ts):
 * a transaction checked when it enters the mempool is not verified again when a block proposes it
 * nor when that block commits; but a known transaction id carrying other signature bytes is
 * verified again and refused, and a ledger that never saw a transaction verifies it in full.
 */
import { describe, expect, it } from 'vitest';
import { createBls } from '../../src-main/crypto/bls';
import { countingBls } from '../support/bls';
import { makeCertificate } from '../../src-main/ledger/certificate';
import { blockHash, sigsHash, txRoot, voteMessage } from '../../src-main/ledger/encoding';
import { signTx } from '../../src-main/ledger/producer';
import { TxRejected } from '../../src-main/ledger/rules/types';
import type { Block, BlockHeader, SignedTx } from '../../src-main/ledger/types';
import { testKey, testLedger, type TestKey } from '../support/ledger';

const bls = createBls();
const hosp = testKey(bls, 'General Hospital');
let nonce = 0;
const register = (author: TestKey = hosp): SignedTx => {
  const p = testKey(bls, `patient ${nonce}`);
  return signTx(bls, author, { chain: 'patient', type: 'member.register', nonce: ++nonce, time: 1, body: { role: 'patient', name: 'P', blsPk: p.pk, x25519Pk: p.x25519Pk, pop: p.pop } });
};
const certified = (header: BlockHeader, txs: SignedTx[]): Block => ({
  header, txs,
  cert: makeCertificate(bls, 1, 0, [{ validator: 0, signature: bls.sign(hosp.sk, voteMessage(header.genesis, header.height, 0, 'precommit', blockHash(header))) }]),
});

describe('each author signature verified once per validator', () => {
  it('mempool, proposal check and commit: one verification per transaction; committed ones are forgotten', () => {
    const counted = countingBls(bls);
    const ledger = testLedger(counted, [hosp]);
    const txs = [register(), register(), register()];
    for (const tx of txs) ledger.checkTx(tx);
    expect(counted.verifies).toBe(3);
    const { header } = ledger.prepareBlock('patient', txs, 0, Date.now());
    ledger.checkProposal(header, txs);
    expect(counted.verifies).toBe(3);
    ledger.commitBlock(certified(header, txs));
    // no author signature again at commit (the certificate is checked by an aggregate verification)
    expect(counted.verifies).toBe(3);
    expect(ledger.height('patient')).toBe(1);
    expect(ledger.verified.size).toBe(0);
  });

  it('a ledger that never saw the transactions verifies them in full at commit', () => {
    const txs = [register(), register()];
    const source = testLedger(bls, [hosp]);
    const { header } = source.prepareBlock('patient', txs, 0, Date.now());
    const counted = countingBls(bls);
    const fresh = testLedger(counted, [hosp]);
    fresh.commitBlock(certified(header, txs));
    expect(counted.verifies).toBeGreaterThanOrEqual(2);
  });

  it('a known transaction id with forged signature bytes is verified again and refused, in the mempool and in a block', () => {
    const ledger = testLedger(bls, [hosp]);
    const good = register();
    ledger.checkTx(good);
    const forged: SignedTx = { ...good, sig: register().sig };
    expect(() => ledger.checkTx(forged)).toThrow(TxRejected);
    expect(() => ledger.checkTx(forged)).toThrow(/author signature does not verify/);
    // A (faulty) proposer's block around the known id with the forged bytes, its header made for them.
    const { header } = ledger.prepareBlock('patient', [good], 0, Date.now());
    const forgedHeader = { ...header, txRoot: txRoot([forged]), sigsHash: sigsHash([forged]) };
    expect(() => ledger.checkProposal(forgedHeader, [forged])).toThrow(/transaction 0 has an invalid author signature/);
    expect(() => ledger.commitBlock(certified(forgedHeader, [forged]))).toThrow(/transaction 0 has an invalid author signature/);
    ledger.checkProposal(header, [good]); // the genuine one passes
    expect(ledger.height('patient')).toBe(0);
    expect(ledger.verified.has(forged)).toBe(false);
  });
});
