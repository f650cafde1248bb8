/**
 * Issue 11: each transaction applied once. A block this ledger prepared (or checked) commits with
 * the writes computed then, not by applying its transactions again; anything else (another block
 * on the same head, other transactions under the same header, a head that moved) is refused or
 * applied in full, and every replica reaches the same state root.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBls } from '../../src-main/crypto/bls';
import { makeCertificate } from '../../src-main/ledger/certificate';
import { blockHash, voteMessage } from '../../src-main/ledger/encoding';
import { BlockRejected, Ledger } from '../../src-main/ledger/ledger';
import { nextBlockTime, produceBlock, produceBlockInProcess, signTx } from '../../src-main/ledger/producer';
import { openDatabase } from '../../src-main/storage/db';
import { join } from 'node:path';
import { RULES } from '../../src-main/ledger/rules/index';
import type { Block, BlockHeader, SignedTx } from '../../src-main/ledger/types';
import { tempDir, testKey, testLedger, type TestKey } from '../support/ledger';

const bls = createBls();
const hosp = testKey(bls, 'General Hospital');
let nonce = 0;

function register(author: TestKey = hosp): SignedTx {
  const p = testKey(bls, 'patient');
  return signTx(bls, author, { chain: 'patient', type: 'member.register', nonce: ++nonce, time: 1, body: { role: 'patient', name: 'P', blsPk: p.pk, x25519Pk: p.x25519Pk, pop: p.pop } });
}

/** The block with `hosp`'s certificate (a single-validator chain). */
function certified(header: BlockHeader, txs: SignedTx[]): Block {
  const msg = voteMessage(header.genesis, header.height, 0, 'precommit', blockHash(header));
  return { header, txs, cert: makeCertificate(bls, 1, 0, [{ validator: 0, signature: bls.sign(hosp.sk, msg) }]) };
}

const applies = () => vi.spyOn(RULES.patient['member.register'], 'apply');

describe('each transaction applied once', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a block prepared here commits without its transactions applied again; a replica applies it in full to the same root', () => {
    const ledger = testLedger(bls, [hosp]);
    const replica = testLedger(bls, [hosp]);
    const spy = applies();
    const { block } = produceBlock(ledger, 'patient', [register(), register(), register()], [hosp]);
    expect(spy).toHaveBeenCalledTimes(3); // prepareBlock only
    spy.mockClear();
    replica.commitBlock(block!);
    expect(spy).toHaveBeenCalledTimes(3); // a block it never prepared nor checked: applied in full
    expect(replica.stateRoot('patient')).toEqual(ledger.stateRoot('patient'));
    expect(ledger.stateRoot('patient')).toEqual(block!.header.stateRoot);
    // the path as it was: prepared, then applied again at commit
    ledger.prepared.enabled = false;
    spy.mockClear();
    const again = produceBlock(ledger, 'patient', [register()], [hosp]).block!;
    expect(spy).toHaveBeenCalledTimes(2);
    replica.commitBlock(again);
    expect(replica.stateRoot('patient')).toEqual(ledger.stateRoot('patient'));
    expect(ledger.verifyStored({ signatures: true })).toMatchObject({ ok: true });
  });

  it('four validators: the proposer applies each transaction once, the others once when they check it, none again at commit', () => {
    const keys = [hosp, testKey(bls, 'B'), testKey(bls, 'C'), testKey(bls, 'D')];
    const replicas = keys.map((key) => ({ ledger: testLedger(bls, keys), key }));
    const outsider = testLedger(bls, keys);
    const spy = applies();
    const block = produceBlockInProcess(replicas, 'patient', [register(), register()]);
    expect(spy).toHaveBeenCalledTimes(2 * 4); // 1 prepare + 3 checks (the proposer's own check reuses its prepare), 0 at commit
    outsider.commitBlock(block); // catch-up: everything checked and applied
    for (const r of [...replicas.map((x) => x.ledger), outsider]) expect(r.stateRoot('patient')).toEqual(block.header.stateRoot);
  });

  it('only that very block on that very head is reused: other transactions under its header are refused, another block is applied in full', () => {
    const ledger = testLedger(bls, [hosp]);
    const replica = testLedger(bls, [hosp]);
    const time = Date.now();
    const a = ledger.prepareBlock('patient', [register()], 0, time);
    const b = ledger.prepareBlock('patient', [register(), register()], 0, time);
    // A's header with B's transactions: refused before anything is written
    expect(() => ledger.commitBlock(certified(a.header, b.txs))).toThrow(/Merkle root does not match/);
    expect(ledger.height('patient')).toBe(0);
    // two proposals prepared for one height (two rounds): the one decided commits with its own writes
    const spy = applies();
    ledger.commitBlock(certified(b.header, b.txs));
    expect(spy).toHaveBeenCalledTimes(0);
    replica.commitBlock(certified(b.header, b.txs));
    expect(replica.stateRoot('patient')).toEqual(ledger.stateRoot('patient'));
    // A was prepared on a head that is gone: refused
    expect(() => ledger.commitBlock(certified(a.header, a.txs))).toThrow(/expected height 2/);
    // the same transactions on the new head are a new block, applied in full where it was not prepared
    const c = replica.prepareBlock('patient', a.txs, 0, time + 1);
    spy.mockClear();
    ledger.commitBlock(certified(c.header, c.txs));
    expect(spy).toHaveBeenCalledTimes(1);
    replica.commitBlock(certified(c.header, c.txs));
    expect(replica.stateRoot('patient')).toEqual(ledger.stateRoot('patient'));
    for (const l of [ledger, replica] as Ledger[]) expect(l.verifyStored({ signatures: true })).toMatchObject({ ok: true });
  });

  it("a sole validator's own block is prepared, certified and committed in one transaction: a refused certificate leaves no block and no state", () => {
    // a validator whose first precommit signs another message: that certificate does not verify
    let wrong = true;
    const flaky = { ...bls, sign: (sk: Uint8Array, msg: Uint8Array) => bls.sign(sk, wrong ? new Uint8Array([1, 2, 3]) : msg) };
    const ledger = testLedger(flaky, [hosp]);
    const root = ledger.stateRoot('patient');
    const tx = register();
    expect(() => produceBlock(ledger, 'patient', [tx], [hosp])).toThrow(BlockRejected);
    wrong = false;
    expect(ledger.height('patient')).toBe(0);
    expect(ledger.stateRoot('patient')).toEqual(root);
    expect(ledger.state('patient').scan('member/')).toHaveLength(1); // the founding hospital only
    // the same transaction in a good block: applied once, the same root as a replica that applies it in full
    const spy = applies();
    const { block } = produceBlock(ledger, 'patient', [tx], [hosp]);
    expect(spy).toHaveBeenCalledTimes(1);
    const replica = testLedger(bls, [hosp]);
    replica.commitBlock(block!);
    expect(replica.stateRoot('patient')).toEqual(ledger.stateRoot('patient'));
    expect(ledger.verifyStored({ signatures: true })).toMatchObject({ ok: true });
  });

  it('an own block with no valid transaction writes nothing; with some, only those; with a forged signature, nothing', () => {
    const ledger = testLedger(bls, [hosp]);
    const root = ledger.stateRoot('patient');
    const refused = () => register(testKey(bls, 'not a member'));
    const none = produceBlock(ledger, 'patient', [refused()], [hosp]);
    expect(none.block).toBeNull();
    expect(none.dropped).toHaveLength(1);
    expect(ledger.height('patient')).toBe(0);
    expect(ledger.stateRoot('patient')).toEqual(root);
    const good = register();
    const some = produceBlock(ledger, 'patient', [refused(), good], [hosp]);
    expect(some.block!.txs).toEqual([good]);
    const replica = testLedger(bls, [hosp]);
    replica.commitBlock(some.block!);
    expect(replica.stateRoot('patient')).toEqual(ledger.stateRoot('patient'));
    const forged = { ...register(), sig: good.sig };
    const rootBefore = ledger.stateRoot('patient');
    expect(() => produceBlock(ledger, 'patient', [forged], [hosp])).toThrow(/invalid author signature/);
    expect(ledger.height('patient')).toBe(1);
    expect(ledger.stateRoot('patient')).toEqual(rootBefore);
    expect(ledger.verifyStored({ signatures: true })).toMatchObject({ ok: true });
  });

  it('writes kept "in place" whose transaction was rolled back cannot commit a block without its state: the root check refuses it', () => {
    const ledger = testLedger(bls, [hosp]);
    const { header, txs } = ledger.prepareBlock('patient', [register()], 0, Date.now());
    // as if the block had been prepared in place in a transaction that was then rolled back
    ledger.prepared.rememberInPlace('patient', blockHash(header), ledger.head('patient'), header.stateRoot);
    expect(() => ledger.commitBlock(certified(header, txs))).toThrow(/state root differs/);
    expect(ledger.height('patient')).toBe(0);
  });

  it("the head's time: the block committed here, or, when another process on the same database committed the next one, that block's", () => {
    const dir = tempDir();
    const a = testLedger(bls, [hosp], dir);
    const b = new Ledger(openDatabase(join(dir, 'node.db')), bls); // another process on the same node's database
    expect(a.headTime('patient')).toBe(a.genesis('patient').time);
    const first = produceBlock(a, 'patient', [register()], [hosp], { time: 2_000_000_000_000 }).block!;
    expect(a.headTime('patient')).toBe(first.header.time);
    const second = produceBlock(b, 'patient', [register()], [hosp], { time: 2_000_000_000_500 }).block!;
    expect(a.headTime('patient')).toBe(second.header.time);
    expect(nextBlockTime(a, 'patient', 0)).toBe(second.header.time); // never backwards
  });
});
