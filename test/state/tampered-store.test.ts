/**
 * Issue 13, finding 4, as an attacker with write access to a node's data folder: one edited
 * `state` row (a revoked consent revived), one transaction-index row, one blob or the keystore.
 * Each is named by `trichain verify` (chain, height, table, key or blob; non-zero exit); a node
 * whose state or index was edited refuses to start, so nothing (the share preview included) is
 * ever served from it; a corrupt blob is removed at start and fetched again, never shown as "no key".
 */
import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { TrichainNode } from '../../src-main/node/node';
import { main } from '../../src-main/cli/main';
import type { CliIO } from '../../src-main/cli/io';
import { tempDir } from '../support/ledger';
import { canonicalDecode, canonicalEncode, type Canonical } from '../../src-main/codec/canonical';
import { toHex } from '../../src-main/codec/hex';
import { importBundle, patientRecordIds, readRecord, recordInfo, RecordUnavailable } from '../../src-main/emr/records';
import { grantConsent, revokeConsent } from '../../src-main/emr/consent';
import { consentOf } from '../../src-main/ledger/rules/patient';
import { makeConsortium } from '../support/consortium';
import { smallBundle } from '../support/bundles';

const fast = { N: 2 ** 10 };
const PASS = 'tamper-passphrase';

function captureIO(passphrase: string): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, env: {}, out: (l) => stdout.push(l), err: (l) => stderr.push(l), passphrase: async () => passphrase };
}

async function verifyCli(dir: string, passphrase = PASS) {
  const io = captureIO(passphrase);
  const code = await main(['verify', '--data', dir], io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

function raw(dir: string, f: (db: Database.Database) => void): void {
  const db = new Database(join(dir, 'node.db'));
  try {
    f(db);
  } finally {
    db.close();
  }
}

async function hospitalWithRecords(): Promise<{ dir: string; recordIds: string[] }> {
  const dir = tempDir('tamper-');
  const node = await TrichainNode.init(dir, { role: 'hospital', name: 'Tamper General', passphrase: PASS, found: true, scrypt: fast });
  const r = await importBundle(node, smallBundle('tp1', 4));
  const recordIds = patientRecordIds(node, r.patients[0].pk);
  expect(recordIds.length).toBe(5);
  node.close();
  expect((await verifyCli(dir)).code).toBe(0);
  return { dir, recordIds };
}

describe('a tampered store is named and refused', () => {
  it('reviving a revoked consent in the state table: verify names the row, the node refuses to start', async () => {
    const c = await makeConsortium();
    let consentId: string;
    let dir: string;
    try {
      const r = await importBundle(c.stMary, smallBundle('cp1', 2));
      await c.sync();
      const laptop = await c.addPatientLaptop(r.patients[0], c.stMary);
      consentId = grantConsent(laptop, { grantee: { entity: c.research.identity.blsPublicKey }, purpose: 'HRESCH', categories: ['observation'], period: { start: 0, end: Date.now() + 1e10 } }).consentId;
      await c.sync();
      revokeConsent(laptop, consentId);
      await c.sync();
      expect(consentOf(c.stMary.ledger.state('patient'), consentId)?.status).toBe('revoked');
      dir = c.stMary.paths.dir;
    } finally {
      c.close();
    }
    const key = `consent/${consentId}`;
    raw(dir, (db) => {
      const row = db.prepare("SELECT value FROM state WHERE chain = 'patient' AND key = ?").get(key) as { value: Buffer };
      const v = canonicalDecode(new Uint8Array(row.value)) as Record<string, Canonical>;
      v.status = 'active';
      v.sensitivity = ['PSY', 'BH'] as Canonical;
      db.prepare("UPDATE state SET value = ? WHERE chain = 'patient' AND key = ?").run(canonicalEncode(v as Canonical), key);
    });
    const v = await verifyCli(dir, 'consortium-passphrase');
    expect(v.code).toBe(4);
    expect(v.err).toMatch(new RegExp(`FAULT: patient chain at height \\d+: state table \\(${key}\\): value differs from the certified state`));
    await expect(TrichainNode.open(dir, { passphrase: 'consortium-passphrase' })).rejects.toThrow(new RegExp(`patient chain is corrupt at height \\d+: state table: .*${key}.*Refusing to start`));
  }, 240_000);

  it('an added or deleted state row is named too', async () => {
    const { dir } = await hospitalWithRecords();
    raw(dir, (db) => {
      db.prepare("INSERT INTO state (chain, key, value) VALUES ('hospital', 'member/00', ?)").run(canonicalEncode({ role: 'hospital' }));
      db.prepare("DELETE FROM state WHERE chain = 'social' AND key LIKE 'validators/%'").run();
    });
    const v = await verifyCli(dir);
    expect(v.code).toBe(4);
    expect(v.err).toMatch(/hospital chain at height \d+: state table \(member\/00\): row is not part of the certified state/);
    expect(v.err).toMatch(/social chain at height \d+: state table \(validators\/0+1\): row of the certified state is missing/);
  });

  it('an edited transaction-index row is named by chain, height and transaction; the node refuses to start', async () => {
    const { dir } = await hospitalWithRecords();
    let id = '';
    raw(dir, (db) => {
      const row = db.prepare("SELECT id, height FROM txs WHERE chain = 'hospital' AND type IN ('record.anchor', 'record.anchorBatch') LIMIT 1").get() as { id: Buffer; height: number };
      id = toHex(new Uint8Array(row.id));
      db.prepare("UPDATE txs SET nonce = nonce + 1000 WHERE chain = 'hospital' AND id = ?").run(row.id);
    });
    const v = await verifyCli(dir);
    expect(v.code).toBe(4);
    expect(v.err).toMatch(new RegExp(`hospital chain at height \\d+: txs table \\(${id}\\): index row \\d+ differs from the block`));
    await expect(TrichainNode.open(dir, { passphrase: PASS })).rejects.toThrow(/hospital chain is corrupt at height \d+: txs table/);
    // a deleted row is named as missing
    raw(dir, (db) => db.prepare("DELETE FROM txs WHERE chain = 'hospital' AND id = ?").run(Buffer.from(id, 'hex')));
    expect((await verifyCli(dir)).err).toMatch(/is missing from the index/);
  });

  it('a corrupt blob is named by verify, removed at start (not shown as "no key"), and readable again once fetched', async () => {
    const { dir, recordIds } = await hospitalWithRecords();
    let blobHex = '';
    let original: Buffer = Buffer.alloc(0);
    {
      const node = await TrichainNode.open(dir, { passphrase: PASS });
      blobHex = toHex(recordInfo(node, recordIds[1]).meta.blobHash);
      node.close();
    }
    raw(dir, (db) => {
      original = (db.prepare('SELECT bytes FROM blobs WHERE hash = ?').get(Buffer.from(blobHex, 'hex')) as { bytes: Buffer }).bytes;
      const bad = Buffer.from(original);
      bad[bad.length - 5] ^= 1;
      db.prepare('UPDATE blobs SET bytes = ? WHERE hash = ?').run(bad, Buffer.from(blobHex, 'hex'));
    });
    const v = await verifyCli(dir);
    expect(v.code).toBe(4);
    expect(v.err).toContain(`FAULT: blob ${blobHex}: content does not match its hash`);
    const node = await TrichainNode.open(dir, { passphrase: PASS });
    try {
      expect(node.repairs.join('\n')).toContain(`blob ${blobHex} was corrupt: removed, to be fetched again from a peer`);
      expect(node.blobs.has(Buffer.from(blobHex, 'hex'))).toBe(false);
      const err = (() => {
        try {
          readRecord(node, recordIds[1]);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(RecordUnavailable);
      expect(String(err)).toMatch(/not on this node yet: it is fetched from a peer/);
      // what the daemon's blob sync does: a peer's copy is accepted only if it hashes to the address
      node.blobs.put(new Uint8Array(original));
      expect(readRecord(node, recordIds[1]).resource.resourceType).toBeTruthy();
    } finally {
      node.close();
    }
    expect((await verifyCli(dir)).code).toBe(0);
  });

  it('a blob corrupted while the node runs is removed on read and reported as being fetched again', async () => {
    const { dir, recordIds } = await hospitalWithRecords();
    const node = await TrichainNode.open(dir, { passphrase: PASS });
    try {
      const hash = recordInfo(node, recordIds[2]).meta.blobHash;
      node.db.prepare('UPDATE blobs SET bytes = ? WHERE hash = ?').run(Buffer.from('garbage'), hash);
      expect(() => readRecord(node, recordIds[2])).toThrow(/was corrupt on this node: removed, it is fetched again from a peer/);
      expect(node.blobs.has(hash)).toBe(false);
    } finally {
      node.close();
    }
  });

  it('a damaged state tree (derived data) is named by verify and rebuilt at start from the verified state', async () => {
    const { dir } = await hospitalWithRecords();
    raw(dir, (db) => db.prepare("UPDATE state_nodes SET hash = ? WHERE chain = 'hospital' AND level = 1 AND idx = (SELECT MIN(idx) FROM state_nodes WHERE chain = 'hospital' AND level = 1)").run(Buffer.alloc(32, 7)));
    const v = await verifyCli(dir);
    expect(v.code).toBe(4);
    expect(v.err).toMatch(/hospital chain at height \d+: state tree table: node 1\/\d+ differs/);
    const node = await TrichainNode.open(dir, { passphrase: PASS });
    expect(node.repairs.join('\n')).toMatch(/hospital chain: state tree rebuilt/);
    node.close();
    expect((await verifyCli(dir)).code).toBe(0);
  });

  it('a tampered keystore says "keystore is corrupt"; a wrong passphrase says "wrong passphrase"', async () => {
    const { dir } = await hospitalWithRecords();
    const file = join(dir, 'identity.json');
    const wrong = captureIO('not-the-passphrase');
    expect(await main(['status', '--data', dir], wrong)).toBe(3);
    expect(wrong.stderr.join('\n')).toMatch(/wrong passphrase/);
    const j = JSON.parse(readFileSync(file, 'utf8'));
    j.meta.name = 'Evil Twin';
    writeFileSync(file, JSON.stringify(j));
    for (const pass of [PASS, 'not-the-passphrase']) {
      const io = captureIO(pass);
      expect(await main(['verify', '--data', dir], io)).toBe(3);
      expect(io.stderr.join('\n')).toMatch(/keystore is corrupt/);
      expect(io.stderr.join('\n')).not.toMatch(/wrong passphrase/);
    }
  });
});
