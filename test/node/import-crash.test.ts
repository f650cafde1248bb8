/**
 * Issue 13, finding 5: kill -9 during an import, many times, with a real child process. After each
 * restart (the node opens, resuming interrupted acts, and commits what is pending as the daemon's
 * producer does) no record is split: every record anchored on the hospital chain has its link on
 * the patient chain and its local index row, and a re-import completes the import without
 * skipping any record. TRICHAIN_IMPORT_KILLS sets the number of kills (npm run soak: 40).
 */
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TrichainNode } from '../../src-main/node/node';
import { completeRecord, importBundle, recordIdFor, storeRecord, toLabelsBody } from '../../src-main/emr/records';
import { classifyResource } from '../../src-main/emr/classify/index';
import { heldSteps } from '../../src-main/node/acts';
import { groupByPatient, parseBundle } from '../../src-main/emr/fhir/index';
import { tempDir } from '../support/ledger';
import { CRASH_BUNDLES, bundlePath } from '../support/import-crash-child';
import { smallBundle } from '../support/bundles';
import { enrolBundlePatient, splitRecords } from '../support/records';

const ROOT = join(__dirname, '..', '..');
const KILLS = Number(process.env.TRICHAIN_IMPORT_KILLS ?? 5);
const PASS = 'import-crash-passphrase';

function importUntilKilled(dir: string, killAfterMs: number): Promise<'killed' | 'done'> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/support/import-crash-child.ts'), dir, PASS, '7'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('READY\n') && !out.includes('KILLING')) {
        out += 'KILLING';
        setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0 && out.includes('DONE')) resolve('done');
      else reject(new Error(`import child exited (code ${code}): ${err}`));
    });
  });
}

/** What starting the node does: open (verifies, resumes acts), then the producer commits what is pending. */
async function restart(dir: string): Promise<TrichainNode> {
  const node = await TrichainNode.open(dir, { passphrase: PASS });
  node.commitPending('hospital');
  node.commitPending('patient');
  return node;
}

const expectedRecords = CRASH_BUNDLES.reduce((n, f) => n + [...groupByPatient(parseBundle(JSON.parse(readFileSync(bundlePath(f), 'utf8'))).resources).byPatient.values()].reduce((m, g) => m + g.length, 0), 0);

/** Runs the whole import again on a restarted node: every record of the bundles, none split, none skipped half-stored. */
async function completeAndCheck(dir: string): Promise<void> {
  const node = await restart(dir);
  try {
    for (const f of CRASH_BUNDLES) await importBundle(node, JSON.parse(readFileSync(bundlePath(f), 'utf8')), { batch: 50 });
    expect(splitRecords(node)).toEqual([]);
    const anchored = node.ledger.state('hospital').scan('record/').filter(([k]) => k.split('/').length === 2).length;
    expect(anchored).toBe(expectedRecords);
    expect(node.ledger.state('patient').scan('link/').length).toBe(expectedRecords);
    expect(node.ledger.verifyStored()).toMatchObject({ ok: true });
  } finally {
    node.close();
  }
}

async function freshHospital(): Promise<string> {
  const dir = tempDir('import-crash-');
  const founder = await TrichainNode.init(dir, { role: 'hospital', name: 'Crash Import General', passphrase: PASS, found: true, scrypt: { N: 2 ** 10 } });
  // The patients enrolled (keys made on their laptops): every batch is an anchor and a held link.
  for (const f of CRASH_BUNDLES) await enrolBundlePatient(founder, JSON.parse(readFileSync(bundlePath(f), 'utf8')));
  founder.close();
  return dir;
}

describe('one act, one outcome', () => {
  it(`${KILLS} kill -9 during an import leave no split record after restart; a re-import completes it`, async () => {
    // An import that reaches its end before the next kill is checked complete, and the kills go on
    // in a fresh data folder (a new round), so that every one of the KILLS kills lands mid-import.
    let dir = await freshHospital();
    let kills = 0;
    let rounds = 1;
    const started = Date.now();
    for (let i = 0; kills < KILLS && i < 3 * KILLS; i++) {
      const outcome = await importUntilKilled(dir, 150 + ((i * 733) % 2400));
      const node = await restart(dir);
      try {
        expect(splitRecords(node)).toEqual([]);
        expect(heldSteps(node)).toEqual([]);
        expect(node.mempool('hospital').length + node.mempool('patient').length).toBe(0);
      } finally {
        node.close();
      }
      if (outcome === 'killed') {
        kills++;
        continue;
      }
      await completeAndCheck(dir);
      dir = await freshHospital();
      rounds++;
    }
    expect(kills).toBe(KILLS);
    await completeAndCheck(dir);
    console.log(`import crash: ${kills} kill -9 mid-import over ${rounds} import(s), 0 split records after each restart, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }, 60_000 + KILLS * 15_000);

  it('a record anchored without its link (split before acts existed) is completed by a re-import, not skipped', async () => {
    const dir = tempDir('split-');
    const node = await TrichainNode.init(dir, { role: 'hospital', name: 'Split General', passphrase: PASS, found: true, scrypt: { N: 2 ** 10 } });
    try {
      const bundle = smallBundle('sp1', 3);
      const first = await importBundle(node, bundle);
      expect(first.records).toBe(4);
      // the old, non-atomic store: an anchor signed on its own, its link and index row never written
      const obs = { resourceType: 'Observation', id: 'sp1-late', status: 'final', code: { text: 'Late' }, subject: { reference: 'Patient/sp1' } };
      const patient = first.patients[0];
      const full = storeRecord(node, { resource: obs, labels: toLabelsBody(classifyResource(obs)), patient });
      expect(full.recordId).toBe(recordIdFor(node.identity.blsPublicKey, obs));
      // undo what only the new store writes, to recreate the split state
      node.db.prepare('DELETE FROM emr_records WHERE record_id = ?').run(full.recordId);
      expect(completeRecord(node, full.recordId)).toBe('complete'); // its link is on the chain: nothing to send
      // a split the old code produced: anchored, no link, no index row
      const obs2 = { ...obs, id: 'sp1-split' };
      const info = storeRecord(node, { resource: { ...obs2 }, labels: toLabelsBody(classifyResource(obs2)), patient, defer: true });
      node.commitPending('hospital'); // releases the link into the patient mempool: drop it, as if never written
      node.db.prepare("DELETE FROM mempool WHERE chain = 'patient'").run();
      node.db.prepare("DELETE FROM outbox WHERE chain = 'patient' AND status != 'committed'").run();
      node.db.prepare('DELETE FROM emr_records WHERE record_id = ?').run(info.recordId);
      const linked = patient.x25519 !== null;
      expect(splitRecords(node).sort()).toEqual([`${full.recordId}: no index row`, `${info.recordId}: no index row`, ...(linked ? [`${info.recordId}: no link`] : [])].sort());
      const again = await importBundle(node, { ...(bundle as object), entry: [...(bundle as { entry: unknown[] }).entry, { resource: obs }, { resource: obs2 }] });
      expect(again.records).toBe(0);
      expect(again.repaired).toBe(2);
      expect(splitRecords(node)).toEqual([]);
    } finally {
      node.close();
    }
  });

  it('an act refused by a chain stores nothing: no blob, no anchor, no held link, no index row', async () => {
    const dir = tempDir('refused-');
    const node = await TrichainNode.init(dir, { role: 'hospital', name: 'Refusing General', passphrase: PASS, found: true, scrypt: { N: 2 ** 10 } });
    try {
      const obs = { resourceType: 'Observation', id: 'nobody-1', status: 'final', code: { text: 'x' } };
      const stranger = { pk: node.bls.publicKey(node.bls.keygen(new Uint8Array(32).fill(3))), x25519: new Uint8Array(32).fill(4) };
      const blobs = () => node.db.prepare('SELECT COUNT(*) FROM blobs').pluck().get();
      const before = blobs();
      expect(() => storeRecord(node, { resource: obs, labels: toLabelsBody(classifyResource(obs)), patient: stranger })).toThrow(/not registered|patient/);
      expect(blobs()).toBe(before);
      expect(node.mempool('hospital')).toEqual([]);
      expect(heldSteps(node)).toEqual([]);
      expect(node.db.prepare('SELECT COUNT(*) FROM emr_records').pluck().get()).toBe(0);
      expect(node.outbox()).toEqual([]);
    } finally {
      node.close();
    }
  });
});
