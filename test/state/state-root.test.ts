/**
 * The state root (ledger/state-tree.ts): kept incrementally, always equal to the root recomputed
 * from scratch; carried by every block header and checked by every replica before it stores a
 * block (blocks arriving by sync included).
 */
import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createBls } from '../../src-main/crypto/bls';
import { openDatabase } from '../../src-main/storage/db';
import { StateTree, EMPTY_ROOT } from '../../src-main/ledger/state-tree';
import { BlockRejected, genesisStateRoot, Ledger } from '../../src-main/ledger/ledger';
import { produceBlock, signTx } from '../../src-main/ledger/producer';
import { blockHash, encodeBlock, voteMessage } from '../../src-main/ledger/encoding';
import { makeCertificate } from '../../src-main/ledger/certificate';
import { genesisFor, tempDir, testKey, testLedger } from '../support/ledger';
import { bytesEqual } from '../../src-main/codec/canonical';
import type { Block } from '../../src-main/ledger/types';

const bls = createBls();

function clinician(n: number) {
  const k = testKey(bls, `Dr ${n}`);
  return { role: 'clinician', name: k.name, blsPk: k.pk, x25519Pk: k.x25519Pk, pop: k.pop };
}

describe('state tree', () => {
  it('the incremental root always equals the root recomputed from scratch, through puts, overwrites and deletes', () => {
    const db = openDatabase(join(tempDir(), 't.db'));
    const tree = new StateTree(db);
    const put = db.prepare("INSERT INTO state (chain, key, value) VALUES ('social', ?, ?) ON CONFLICT (chain, key) DO UPDATE SET value = excluded.value");
    const del = db.prepare("DELETE FROM state WHERE chain = 'social' AND key = ?");
    expect(bytesEqual(tree.root('social'), EMPTY_ROOT)).toBe(true);
    const keys = Array.from({ length: 400 }, (_, i) => `k/${i}/${randomBytes(3).toString('hex')}`);
    const seen = new Set<string>();
    for (let round = 0; round < 8; round++) {
      const touched: string[] = [];
      for (let i = 0; i < 60; i++) {
        const k = keys[(round * 37 + i * 11) % keys.length];
        if (seen.has(k) && i % 4 === 0) del.run(k);
        else put.run(k, randomBytes(1 + (i % 50)));
        seen.add(k);
        touched.push(k);
      }
      const root = db.transaction(() => tree.update('social', [...touched, 'never-written'])).immediate();
      const scratch = tree.fromState('social');
      expect(bytesEqual(root, scratch.root)).toBe(true);
      expect(bytesEqual(tree.stored('social').root, scratch.root)).toBe(true);
    }
    // a one-byte change of one value changes the root
    const before = tree.root('social');
    const [k] = db.prepare("SELECT key FROM state WHERE chain = 'social' LIMIT 1").pluck().all() as string[];
    put.run(k, Buffer.from('x'));
    expect(bytesEqual(db.transaction(() => tree.update('social', [k])).immediate(), before)).toBe(false);
    db.close();
  });
});

describe('state root in block headers', () => {
  it('each header carries the root after its block; at height 0 the state is the genesis state', () => {
    const v = testKey(bls, 'V');
    const ledger = testLedger(bls, [v]);
    expect(bytesEqual(ledger.stateRoot('hospital'), genesisStateRoot(ledger.genesis('hospital')))).toBe(true);
    for (let i = 0; i < 3; i++) {
      const tx = signTx(bls, v, { chain: 'hospital', type: 'member.register', nonce: i + 1, time: Date.now(), body: clinician(i) });
      const { block } = produceBlock(ledger, 'hospital', [tx], [v]);
      expect(bytesEqual(block!.header.stateRoot, ledger.stateRoot('hospital'))).toBe(true);
      expect(bytesEqual(ledger.tree.fromState('hospital').root, block!.header.stateRoot)).toBe(true);
    }
    expect(ledger.verifyStored({ signatures: true })).toMatchObject({ ok: true });
  });

  it('a certified block whose header names another state root is refused by a replica (sync and consensus paths) and changes nothing', () => {
    const v = testKey(bls, 'V');
    const dir = tempDir();
    const a = testLedger(bls, [v], dir);
    const b = new Ledger(openDatabase(join(tempDir(), 'b.db')), bls);
    for (const c of ['patient', 'hospital', 'social'] as const) b.initGenesis(a.genesis(c));
    const tx = signTx(bls, v, { chain: 'hospital', type: 'member.register', nonce: 1, time: Date.now(), body: clinician(1) });
    const { header, txs } = a.prepareBlock('hospital', [tx], 0, Date.now());
    const lying = { ...header, stateRoot: randomBytes(32) };
    const sign = (h: typeof header): Block => ({ header: h, txs, cert: makeCertificate(bls, 1, 0, [{ validator: 0, signature: bls.sign(v.sk, voteMessage(h.genesis, h.height, 0, 'precommit', blockHash(h))) }]) });
    expect(() => b.checkProposal(lying, txs)).toThrow(BlockRejected);
    expect(() => b.checkProposal(lying, txs)).toThrow(/state root differs/);
    expect(() => b.appendBlock('hospital', encodeBlock(sign(lying)))).toThrow(/state root differs/);
    expect(b.height('hospital')).toBe(0);
    expect(bytesEqual(b.stateRoot('hospital'), genesisStateRoot(b.genesis('hospital')))).toBe(true);
    // the honest block goes through on both
    b.appendBlock('hospital', encodeBlock(sign(header)));
    a.commitBlock(sign(header));
    expect(bytesEqual(a.stateRoot('hospital'), b.stateRoot('hospital'))).toBe(true);
  });

  it('a genesis-only chain whose state was edited is caught', () => {
    const v = testKey(bls, 'V');
    const ledger = testLedger(bls, [v]);
    ledger.db.prepare("UPDATE state SET value = ? WHERE chain = 'social' AND key LIKE 'member/%'").run(Buffer.from([0xa0]));
    const r = ledger.verifyStored();
    expect(r).toMatchObject({ ok: false, chain: 'social', height: 0, table: 'state' });
  });

  it('a genesis with members computes the same root with or without a database', () => {
    const v = testKey(bls, 'V');
    const g = genesisFor('patient', [v], [{ ...v, role: 'hospital' }]);
    const l = new Ledger(openDatabase(join(tempDir(), 'g.db')), bls);
    l.initGenesis(g);
    expect(bytesEqual(l.stateRoot('patient'), genesisStateRoot(g))).toBe(true);
  });
});
