import { describe, it, expect, beforeAll } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createBls } from '../../src-main/crypto/bls';
import { openDatabase } from '../../src-main/storage/db';
import { Ledger, BlockRejected } from '../../src-main/ledger/ledger';
import { produceBlock, produceBlockInProcess, signTx } from '../../src-main/ledger/producer';
import { testKey, testLedger, tempDir, genesisFor, type TestKey } from '../support/ledger';
import { TxRejected } from '../../src-main/ledger/rules/types';
import { encodeBlock, decodeBlock, blockHash } from '../../src-main/ledger/encoding';
import { CHAINS } from '../../src-shared/vocabulary';
import { getMember } from '../../src-main/ledger/rules/members';

const bls = createBls();

function registerPatient(author: TestKey, patient: TestKey, nonce: number) {
  return signTx(bls, author, {
    chain: 'patient', type: 'member.register', nonce, time: 1,
    body: { role: 'patient', name: 'P-1', blsPk: patient.pk, x25519Pk: patient.x25519Pk, pop: patient.pop },
  });
}

describe('ledger with one validator (n = 1)', () => {
  let hosp: TestKey;
  beforeAll(() => {
    hosp = testKey(bls, 'General Hospital');
  });

  it('commits a signed, valid transaction in a certified block and applies it', () => {
    const ledger = testLedger(bls, [hosp]);
    const patient = testKey(bls, 'patient');
    const { block } = produceBlock(ledger, 'patient', [registerPatient(hosp, patient, 1)], [hosp]);
    expect(block).not.toBeNull();
    expect(ledger.height('patient')).toBe(1);
    expect(block!.cert.signature.length).toBe(96);
    expect(getMember(ledger.state('patient'), patient.pk)?.role).toBe('patient');
    expect(ledger.verifyStored({ signatures: true })).toMatchObject({ ok: true });
  });

  it('refuses invalid transactions with a reason and changes nothing', () => {
    const ledger = testLedger(bls, [hosp]);
    const patient = testKey(bls, 'patient');
    const stranger = testKey(bls, 'stranger');
    // unknown author
    expect(() => ledger.checkTx(registerPatient(stranger, patient, 1))).toThrow(/not a registered member/);
    // bad signature
    const tx = registerPatient(hosp, patient, 1);
    const forged = { ...tx, sig: new Uint8Array(tx.sig) };
    forged.sig[5] ^= 1;
    expect(() => ledger.checkTx(forged)).toThrow(TxRejected);
    // a consent signed by the hospital instead of the patient
    produceBlock(ledger, 'patient', [tx], [hosp]);
    const forGrantee = testKey(bls, "patient's key for research");
    const body = { consentId: 'c1', patient: forGrantee.pk, grantee: { kind: 'research' }, purpose: 'HRESCH', categories: ['condition'], sensitivity: [], period: { start: 0, end: 10 } };
    const consent = signTx(bls, hosp, { chain: 'patient', type: 'consent.grant', nonce: 2, time: 1, body });
    expect(() => ledger.checkTx(consent)).toThrow(/only the patient/);
    // nor with the patient's main key: only with a key registered for the grantee
    const mainKey = signTx(bls, patient, { chain: 'patient', type: 'consent.grant', nonce: 1, time: 1, body: { ...body, patient: patient.pk } });
    expect(() => ledger.checkTx(mainKey)).toThrow(/registered for the grantee/);
    // a hospital cannot register a key for the patient, nor can anyone without its proof of possession
    const byHospital = signTx(bls, hosp, { chain: 'patient', type: 'consent.key', nonce: 3, time: 1, body: { key: forGrantee.pk, pop: forGrantee.pop } });
    expect(() => ledger.checkTx(byHospital)).toThrow(/a hospital may not/);
    const noPop = signTx(bls, patient, { chain: 'patient', type: 'consent.key', nonce: 2, time: 1, body: { key: forGrantee.pk, pop: patient.pop } });
    expect(() => ledger.checkTx(noPop)).toThrow(/proof of possession/);
    const register = signTx(bls, patient, { chain: 'patient', type: 'consent.key', nonce: 2, time: 1, body: { key: forGrantee.pk, pop: forGrantee.pop } });
    produceBlock(ledger, 'patient', [register], [hosp]);
    // the consent signed with the registered key is accepted
    const own = signTx(bls, forGrantee, { chain: 'patient', type: 'consent.grant', nonce: 1, time: 1, body });
    expect(() => ledger.checkTx(own)).not.toThrow();
    // malformed body
    expect(() => ledger.checkTx(signTx(bls, hosp, { chain: 'patient', type: 'member.register', nonce: 9, time: 1, body: { role: 'patient' } }))).toThrow(/malformed/);
    // replay of a committed tx
    expect(() => ledger.checkTx(tx)).toThrow(/already/);
    expect(ledger.height('patient')).toBe(2);
    const { block, dropped } = produceBlock(ledger, 'patient', [consent, own], [hosp]);
    expect(block!.txs).toHaveLength(1);
    expect(dropped[0].reason).toMatch(/only the patient/);
  });

  it('refuses a block whose certificate, link or Merkle root is wrong', () => {
    const a = testLedger(bls, [hosp]);
    const dir = tempDir();
    const b = new Ledger(openDatabase(join(dir, 'b.db')), bls);
    for (const c of CHAINS) b.initGenesis(a.genesis(c));
    const patient = testKey(bls, 'p');
    const { block } = produceBlock(a, 'patient', [registerPatient(hosp, patient, 1)], [hosp]);
    const good = block!;
    const badSig = { ...good, cert: { ...good.cert, signature: new Uint8Array(good.cert.signature) } };
    badSig.cert.signature[10] ^= 1;
    expect(() => b.commitBlock(badSig)).toThrow(BlockRejected);
    const badRoot = { ...good, txs: [] };
    expect(() => b.commitBlock(badRoot)).toThrow(/Merkle root/);
    const badLink = { ...good, header: { ...good.header, prevHash: new Uint8Array(32) } };
    expect(() => b.commitBlock(badLink)).toThrow(/link/);
    expect(b.height('patient')).toBe(0);
    b.appendBlock('patient', encodeBlock(good));
    expect(b.height('patient')).toBe(1);
    expect(blockHash(decodeBlock(b.blockBytes('patient', 1)!).header)).toEqual(blockHash(good.header));
  });
});

describe('in-process multi-validator consortium', () => {
  it('four replicas agree on each block and its certificate carries every signer', () => {
    const keys = [0, 1, 2, 3].map((i) => testKey(bls, `hospital-${i}`));
    const first = testLedger(bls, keys);
    const replicas = keys.map((k, i) => {
      if (i === 0) return { ledger: first, key: k };
      const l = new Ledger(openDatabase(join(tempDir(), 'n.db')), bls);
      for (const c of CHAINS) l.initGenesis(first.genesis(c));
      return { ledger: l, key: k };
    });
    for (let h = 1; h <= 3; h++) {
      const p = testKey(bls, `p${h}`);
      produceBlockInProcess(replicas, 'patient', [registerPatient(keys[0], p, h)], { proposer: h % 4 });
    }
    for (const r of replicas) {
      expect(r.ledger.height('patient')).toBe(3);
      expect(r.ledger.head('patient').hash).toEqual(replicas[0].ledger.head('patient').hash);
      expect(r.ledger.verifyStored({ signatures: true })).toMatchObject({ ok: true });
    }
    expect(decodeBlock(first.blockBytes('patient', 2)!).cert.signers[0]).toBe(0b1111);
  });

  it('a block signed by fewer than a quorum is refused', () => {
    const keys = [0, 1, 2, 3].map((i) => testKey(bls, `h${i}`));
    const ledger = testLedger(bls, keys);
    const p = testKey(bls, 'p');
    expect(() => produceBlock(ledger, 'patient', [registerPatient(keys[0], p, 1)], keys.slice(0, 2))).toThrow(/not a quorum/);
    expect(ledger.height('patient')).toBe(0);
  });
});

describe('stored-chain verification', () => {
  it('detects a tampered database byte at the right height', () => {
    const hosp = testKey(bls, 'h');
    const dir = tempDir();
    const ledger = testLedger(bls, [hosp], dir);
    for (let i = 1; i <= 6; i++) produceBlock(ledger, 'patient', [registerPatient(hosp, testKey(bls, `p${i}`), i)], [hosp]);
    expect(ledger.verifyStored()).toMatchObject({ ok: true });
    ledger.db.close();
    // flip one byte inside block 4's stored bytes, as an attacker with file access would
    const raw = new Database(join(dir, 'node.db'));
    const row = raw.prepare("SELECT bytes FROM blocks WHERE chain='patient' AND height=4").get() as { bytes: Buffer };
    const bytes = Buffer.from(row.bytes);
    bytes[bytes.length - 200] ^= 0x01;
    raw.prepare("UPDATE blocks SET bytes=? WHERE chain='patient' AND height=4").run(bytes);
    raw.close();
    const reopened = new Ledger(openDatabase(join(dir, 'node.db')), bls);
    const r = reopened.verifyStored();
    expect(r).toMatchObject({ ok: false, chain: 'patient', height: 4 });
  });

  it('detects a deleted block as missing at its height', () => {
    const hosp = testKey(bls, 'h');
    const dir = tempDir();
    const ledger = testLedger(bls, [hosp], dir);
    for (let i = 1; i <= 3; i++) produceBlock(ledger, 'hospital', [signTx(bls, hosp, { chain: 'hospital', type: 'member.register', nonce: i, time: 1, body: (() => { const c = testKey(bls, 'c'); return { role: 'clinician', name: 'Dr C', blsPk: c.pk, x25519Pk: c.x25519Pk, pop: c.pop }; })() })], [hosp]);
    ledger.db.prepare("DELETE FROM blocks WHERE chain='hospital' AND height=2").run();
    expect(ledger.verifyStored()).toMatchObject({ ok: false, chain: 'hospital', height: 2 });
  });

  it('refuses a genesis whose proof of possession does not verify', () => {
    const hosp = testKey(bls, 'h');
    const other = testKey(bls, 'o');
    const ledger = new Ledger(openDatabase(join(tempDir(), 'x.db')), bls);
    const g = genesisFor('patient', [{ ...hosp, pop: other.pop }], []);
    expect(() => ledger.initGenesis(g)).toThrow(/proof of possession/);
    expect(ledger.hasGenesis('patient')).toBe(false);
  });
});
