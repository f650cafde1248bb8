/**
 * Issue 13, finding 7: a patient laptop replicated the whole patient chain, other patients'
 * record links and audit entries included. Now it is a light client (src-main/ledger/light.ts):
 * headers with their certificates and only its own transactions with inclusion proofs.
 *
 * In a consortium with two hospitals and two patients, each on their own laptop:
 *  - laptop A's data folder (every file: the SQLite database and its WAL, where the blobs live
 *    too) holds no byte of patient B: not B's key, grantee key, record ids, blob hashes,
 *    consents or audit entries; its tables hold only A's transactions and A's ciphertexts;
 *  - its views still work from the light store: records from both hospitals, consents, audit;
 *  - verify checks every header's quorum certificate and every held transaction's inclusion
 *    proof, and names a tampered held transaction, header, proof or state row;
 *  - a hostile peer serving another patient's transaction, a wrong proof or a header without a
 *    valid certificate is refused and nothing is stored;
 *  - the serving hospital's peer server gives a patient only headers and its own transactions,
 *    refuses it whole blocks, and refuses it another patient's ciphertexts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalDecode, canonicalEncode, type Canonical } from '../src-main/codec/canonical';
import { toHex } from '../src-main/codec/hex';
import { grantConsent, listConsents } from '../src-main/emr/consent';
import { patientAudit } from '../src-main/emr/audit';
import { myRecords, readMyRecord } from '../src-main/emr/patient-view';
import { importBundle, storeRecord, toLabelsBody } from '../src-main/emr/records';
import { classifyResource } from '../src-main/emr/classify/index';
import type { PatientEntry } from '../src-main/emr/patients';
import { concerns, decodeLightBlock, encodeLightBlock, lightBlockFor, type LightBlock } from '../src-main/ledger/light';
import { getMember } from '../src-main/ledger/rules/members';
import type { SignedTx } from '../src-main/ledger/types';
import type { RecordLink } from '../src-main/ledger/rules/patient';
import { PeerClient } from '../src-main/net/client';
import { startPeerServer } from '../src-main/net/server';
import { syncRoutes, SyncSession } from '../src-main/net/sync';
import { syncLightChain } from '../src-main/net/light-sync';
import { BlobIndex, NodeSyncStore } from '../src-main/node/sync-adapter';
import { TrichainNode } from '../src-main/node/node';
import { CHAINS } from '../src-shared/vocabulary';
import { tempDir } from './support/ledger';
import { run as verifyCommand } from '../src-main/cli/commands/verify';
import { makeConsortium, PASS, type Consortium } from './support/consortium';
import { smallBundle } from './support/bundles';
import { fakePeer, tlsFor } from './support/net';

const YEAR = 365 * 24 * 3600 * 1000;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Every place `needle` occurs in the folder's files, raw or as hex. */
function occurrences(dir: string, needles: Record<string, Uint8Array | string>): string[] {
  const found: string[] = [];
  for (const file of filesUnder(dir)) {
    const bytes = readFileSync(file);
    for (const [what, n] of Object.entries(needles)) {
      const forms = typeof n === 'string' ? [Buffer.from(n)] : [Buffer.from(n), Buffer.from(toHex(n))];
      if (forms.some((f) => bytes.includes(f))) found.push(`${what} in ${file}`);
    }
  }
  return found;
}

/** Runs `f` on the node's database inside a savepoint that is rolled back afterwards. */
function tampered<T>(node: TrichainNode, change: () => void, f: () => T): T {
  node.db.exec('SAVEPOINT tamper');
  try {
    change();
    return f();
  } finally {
    node.db.exec('ROLLBACK TO tamper; RELEASE tamper');
  }
}

const lightAt = (n: TrichainNode, h: number): LightBlock => decodeLightBlock(new Uint8Array(n.db.prepare("SELECT bytes FROM light_blocks WHERE chain = 'patient' AND height = ?").pluck().get(h) as Buffer));
const putLight = (n: TrichainNode, h: number, b: LightBlock, hash?: Uint8Array) => {
  n.db.prepare("UPDATE light_blocks SET bytes = ? WHERE chain = 'patient' AND height = ?").run(encodeLightBlock(b), h);
  if (hash) n.db.prepare("UPDATE light_blocks SET hash = ? WHERE chain = 'patient' AND height = ?").run(hash, h);
};
const clone = <T,>(x: T): T => canonicalDecode(canonicalEncode(x as unknown as Canonical)) as unknown as T;

describe('the patient laptop is a light client of the patient chain', () => {
  let c: Consortium;
  let ann: PatientEntry;
  let ben: PatientEntry;
  let laptopA: TrichainNode;
  let laptopB: TrichainNode;
  let consentB = '';
  let keyB = '';

  beforeAll(async () => {
    c = await makeConsortium();
    ann = (await importBundle(c.stMary, smallBundle('ann-light', 4))).patients[0];
    ben = (await importBundle(c.stMary, smallBundle('ben-light', 4))).patients[0];
    await c.sync();
    laptopA = await c.addPatientLaptop(ann, c.stMary);
    laptopB = await c.addPatientLaptop(ben, c.stMary);
    // Riverside records a visit for each of them (records from two hospitals).
    for (const p of [ann, ben]) {
      const x = getMember(c.riverside.ledger.state('patient'), p.pk)!.x25519Pk;
      const obs = { resourceType: 'Observation', id: `riverside-${p.fhirId}`, status: 'final', code: { text: 'Blood pressure' }, subject: { reference: `Patient/${p.fhirId}` }, effectiveDateTime: '2024-03-01' };
      storeRecord(c.riverside, { resource: obs, labels: toLabelsBody(classifyResource(obs)), patient: { pk: p.pk, x25519: x } });
    }
    await c.sync();
    // Each patient consents; the hospital logs a chart view for each (audit entries on the patient chain).
    const period = { start: 0, end: Date.now() + YEAR };
    grantConsent(laptopA, { grantee: { entity: c.research.identity.blsPublicKey }, purpose: 'HRESCH', categories: ['observation'], period });
    const gb = grantConsent(laptopB, { grantee: { entity: c.research.identity.blsPublicKey }, purpose: 'HRESCH', categories: ['observation'], period });
    consentB = gb.consentId;
    keyB = gb.key;
    for (const p of [ann, ben]) c.stMary.submit('patient', 'audit.log', { patient: p.pk, kind: 'chart.viewed', detail: { by: 'St Mary' } });
    await c.sync();
  }, 240_000);

  afterAll(() => c?.close());

  it("laptop A's data folder holds no other patient's transactions, record links, audit entries or blobs", () => {
    const A = laptopA.identity.blsPublicKey;
    const B = laptopB.identity.blsPublicKey;
    // the consortium really holds B's data (the scan below would find it)
    const bLinks = c.stMary.ledger.state('patient').scan(`link/${toHex(B)}/`).map(([, v]) => v as unknown as RecordLink);
    expect(bLinks.length).toBeGreaterThanOrEqual(6);
    expect(listConsents(c.stMary.ledger.state('patient'), B).map((x) => x.consentId)).toContain(consentB);
    expect(c.stMary.ledger.state('patient').scan(`audit/${toHex(B)}/`).length).toBeGreaterThanOrEqual(2);

    // the light store: headers for every height, no whole block
    const h = c.stMary.ledger.height('patient');
    expect(laptopA.ledger.head('patient')).toEqual(c.stMary.ledger.head('patient'));
    expect(laptopA.db.prepare("SELECT COUNT(*) FROM blocks WHERE chain = 'patient'").pluck().get()).toBe(0);
    expect(laptopA.db.prepare("SELECT COUNT(*) FROM light_blocks WHERE chain = 'patient'").pluck().get()).toBe(h);
    // every transaction it holds is its own (judged on the hospital's whole state), and it holds all of them
    const held: SignedTx[] = [];
    for (let i = 1; i <= h; i++) held.push(...lightAt(laptopA, i).held.map((x) => x.tx));
    expect(held.every((tx) => concerns(c.stMary.ledger.state('patient'), tx, A))).toBe(true);
    const allOwn = Array.from({ length: h }, (_, i) => c.stMary.ledger.block('patient', i + 1)!.txs).flat().filter((tx) => concerns(c.stMary.ledger.state('patient'), tx, A));
    expect(held.length).toBe(allOwn.length);
    expect(laptopA.db.prepare("SELECT COUNT(*) FROM txs WHERE chain = 'patient'").pluck().get()).toBe(held.length);
    // (St Mary linked A's records at enrolment in one batch, Riverside its visit with one record.link)
    expect(new Set(held.map((t) => t.type))).toEqual(new Set(['member.register', 'record.link', 'record.linkBatch', 'consent.key', 'consent.grant', 'audit.log']));
    // state: only A's links and audit entries
    const st = laptopA.ledger.state('patient');
    expect(st.scan('link/').every(([k]) => k.startsWith(`link/${toHex(A)}/`))).toBe(true);
    expect(st.scan('audit/').every(([k]) => k.startsWith(`audit/${toHex(A)}/`))).toBe(true);
    expect(st.scan('audit/').length).toBeGreaterThanOrEqual(2);
    // blobs: exactly A's own ciphertexts
    const blobs = (laptopA.db.prepare('SELECT hash FROM blobs').pluck().all() as Buffer[]).map((b) => toHex(new Uint8Array(b))).sort();
    expect(blobs).toEqual(myRecords(laptopA).map((r) => toHex(r.link.blobHash)).sort());

    // the files themselves: no byte of patient B anywhere in A's folder
    laptopA.db.pragma('wal_checkpoint(TRUNCATE)');
    const needles: Record<string, Uint8Array | string> = { "B's key": B, "B's key for the research institute": Buffer.from(keyB, 'hex'), "B's consent": consentB, "B's hospital id": ben.fhirId };
    bLinks.forEach((l, i) => {
      needles[`B's record ${i}`] = l.recordId;
      needles[`B's blob ${i}`] = l.blobHash;
      needles[`B's anchor ${i}`] = l.anchorTx;
    });
    expect(occurrences(laptopA.paths.dir, needles)).toEqual([]);
    // ... while the same scan finds A's own in A's folder
    expect(occurrences(laptopA.paths.dir, { "A's key": A }).length).toBeGreaterThan(0);
  });

  it('the patient view works from the light store: records from both hospitals, consents, audit entries', () => {
    const mine = myRecords(laptopA);
    expect(new Set(mine.map((r) => r.orgName))).toEqual(new Set(['St Mary Hospital', 'Riverside Clinic']));
    expect(mine.every((r) => r.available)).toBe(true);
    expect(readMyRecord(laptopA, mine.find((r) => r.orgName === 'Riverside Clinic')!.link).code).toEqual({ text: 'Blood pressure' });
    expect(listConsents(laptopA.ledger.state('patient'), laptopA.identity.blsPublicKey)).toHaveLength(1);
    const kinds = patientAudit(laptopA, laptopA.identity.blsPublicKey).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['consent.granted', 'chart.viewed']));
    expect(laptopA.outbox('pending')).toEqual([]);
  });

  it("trichain verify checks the headers' certificates and each held transaction's inclusion proof", async () => {
    const r = laptopA.ledger.verifyStored({ signatures: true });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.light?.patient).toEqual({ height: c.stMary.ledger.height('patient'), txs: laptopA.db.prepare("SELECT COUNT(*) FROM txs WHERE chain = 'patient'").pluck().get() });
    // the command itself, on the same folder
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env: {}, passphrase: async () => PASS };
    expect(await verifyCommand(['--data', laptopA.paths.dir], io)).toBe(0);
    expect(out.join('\n')).toMatch(/patient chain \(light client\): \d+ headers with quorum certificates, \d+ own transactions with inclusion proofs/);
  });

  it('verify names a tampered held transaction, header, proof or state row', () => {
    const h = c.stMary.ledger.height('patient');
    const isLink = (t: SignedTx) => t.type === 'record.link' || t.type === 'record.linkBatch';
    const withLinks = Array.from({ length: h }, (_, i) => i + 1).find((i) => lightAt(laptopA, i).held.some((x) => isLink(x.tx) && x.proof.length > 0))!;
    const fault = () => {
      const r = laptopA.ledger.verifyStored();
      expect(r.ok).toBe(false);
      return r.ok ? null : r.faults[0];
    };
    // a held transaction changed (its category)
    const tx = tampered(laptopA, () => {
      const b = lightAt(laptopA, withLinks);
      const i = b.held.findIndex((x) => isLink(x.tx) && x.proof.length > 0);
      const body = b.held[i].tx.body as Record<string, Canonical>;
      ((body.entries as Record<string, Canonical>[] | undefined)?.[0] ?? body).category = 'note';
      putLight(laptopA, withLinks, b);
    }, fault);
    expect(tx).toMatchObject({ chain: 'patient', height: withLinks, table: 'light blocks' });
    expect(tx!.reason).toMatch(/held transaction \d+: (author signature does not verify|inclusion proof)/);
    // a forged proof
    const proof = tampered(laptopA, () => {
      const b = lightAt(laptopA, withLinks);
      const x = b.held.find((y) => y.proof.length > 0)!;
      x.proof[0] = new Uint8Array(32).fill(7);
      putLight(laptopA, withLinks, b);
    }, fault);
    expect(proof).toMatchObject({ height: withLinks, table: 'light blocks' });
    expect(proof!.reason).toMatch(/inclusion proof does not verify against the header's Merkle root/);
    // a header changed (its time), stored hash updated to match: no quorum signed it
    const header = tampered(laptopA, () => {
      const b = lightAt(laptopA, withLinks);
      b.header.time += 1;
      putLight(laptopA, withLinks, b, new Uint8Array(32).fill(1));
    }, fault);
    expect(header).toMatchObject({ height: withLinks, table: 'light blocks' });
    expect(header!.reason).toMatch(/stored hash does not match the header|commit certificate/);
    // a state row changed: named by its key
    const row = tampered(laptopA, () => {
      const k = laptopA.ledger.state('patient').scan('link/')[0][0];
      laptopA.db.prepare("UPDATE state SET value = ? WHERE chain = 'patient' AND key = ?").run(canonicalEncode({ forged: true }), k);
    }, fault);
    expect(row).toMatchObject({ table: 'state' });
    expect(row!.key).toMatch(/^link\//);
    // and the untouched store still verifies
    expect(laptopA.ledger.verifyStored().ok).toBe(true);
  });

  describe('a hostile peer', () => {
    let next: number;
    let honest: LightBlock;
    let forB: LightBlock;

    beforeAll(async () => {
      // One more block holding a transaction of each patient.
      for (const p of [ann, ben]) c.stMary.submit('patient', 'audit.log', { patient: p.pk, kind: 'record.accessed', detail: { by: 'St Mary' } }, { defer: true });
      c.stMary.commitPending('patient');
      next = c.stMary.ledger.height('patient');
      expect(laptopA.ledger.height('patient')).toBe(next - 1);
      honest = lightBlockFor(c.stMary.ledger, 'patient', next, laptopA.identity.blsPublicKey)!;
      forB = lightBlockFor(c.stMary.ledger, 'patient', next, laptopB.identity.blsPublicKey)!;
      expect(honest.held).toHaveLength(1);
      expect(forB.held).toHaveLength(1);
    });

    const snapshot = () => ({
      height: laptopA.ledger.height('patient'),
      txs: laptopA.db.prepare('SELECT COUNT(*) FROM txs').pluck().get(),
      state: JSON.stringify(laptopA.db.prepare("SELECT key, hex(value) FROM state WHERE chain = 'patient' ORDER BY key").all()),
    });
    const refused = (b: LightBlock, why: RegExp) => {
      const before = snapshot();
      expect(() => new NodeSyncStore(laptopA).appendLight('patient', encodeLightBlock(b))).toThrow(why);
      expect(snapshot()).toEqual(before);
    };

    it("serving another patient's transaction (with its valid proof) is refused; nothing is stored", () => {
      const spliced = clone(honest);
      spliced.held = [...spliced.held, ...clone(forB).held].sort((a, b) => a.index - b.index);
      refused(spliced, /not this patient's own/);
      refused({ ...clone(forB) }, /not this patient's own/);
    });

    it('a wrong proof, or a transaction moved to another position, is refused', () => {
      const wrong = clone(honest);
      wrong.held[0].proof[0] = new Uint8Array(32).fill(9);
      refused(wrong, /inclusion proof does not verify/);
      const moved = clone(honest);
      moved.held[0].index = (moved.held[0].index + 1) % moved.size;
      refused(moved, /inclusion proof does not verify/);
    });

    it('a header without a valid certificate is refused: no signers, another block\'s certificate, an invented block', () => {
      const none = clone(honest);
      none.cert.signers = new Uint8Array(none.cert.signers.length);
      refused(none, /commit certificate/);
      const other = clone(honest);
      other.cert = lightAt(laptopA, next - 1).cert;
      refused(other, /commit certificate/);
      // a block the peer made up: one own-looking transaction whose proof matches its own txRoot
      const invented = clone(honest);
      invented.size = 1;
      invented.held[0].index = 0;
      invented.held[0].proof = [];
      refused(invented, /inclusion proof|commit certificate/);
    });

    it('over the network the peer is dropped and nothing is stored; the honest block is then accepted', async () => {
      const spliced = clone(honest);
      spliced.held = [...spliced.held, ...clone(forB).held].sort((a, b) => a.index - b.index);
      const hostile = {
        fingerprint: 'f'.repeat(64),
        call: async () => ({ chains: [{ chain: 'patient', height: next, genesis: c.stMary.ledger.genesisHash('patient') }] }),
        async *stream() {
          yield encodeLightBlock(spliced);
        },
        close() {},
      } as unknown as PeerClient;
      const session = new SyncSession();
      const before = snapshot();
      const r = await syncLightChain(hostile, new NodeSyncStore(laptopA), 'patient', { session });
      expect(r.badPeer?.reason).toMatch(/not this patient's own/);
      expect(session.isBad(hostile.fingerprint)).toBe(true);
      expect(snapshot()).toEqual(before);
      new NodeSyncStore(laptopA).appendLight('patient', encodeLightBlock(honest));
      expect(laptopA.ledger.head('patient')).toEqual(c.stMary.ledger.head('patient'));
      expect(laptopA.ledger.verifyStored({ signatures: true }).ok).toBe(true);
    });
  });

  it("a patient folder from before the light client (a full replica) is reduced on open: no other patient's byte is left", async () => {
    const B = laptopB.identity.blsPublicKey;
    const dir = tempDir('old-patient-');
    const old = await TrichainNode.init(dir, { role: 'patient', name: 'Old laptop', passphrase: PASS, scrypt: { N: 2 ** 10 } });
    for (const chain of CHAINS) {
      if (chain === 'patient') old.ledger.initGenesis(c.stMary.ledger.genesis(chain));
      else old.ledger.trustGenesis(c.stMary.ledger.genesis(chain), c.stMary.ledger.genesisHash(chain));
    }
    for (let h = 1; h <= c.stMary.ledger.height('patient'); h++) old.ledger.appendBlock('patient', c.stMary.ledger.blockBytes('patient', h)!);
    expect(old.ledger.state('patient').scan(`link/${toHex(B)}/`).length).toBeGreaterThan(0);
    old.close();
    expect(occurrences(dir, { "B's key": B }).length).toBeGreaterThan(0);
    const reopened = await TrichainNode.open(dir, { passphrase: PASS });
    try {
      expect(reopened.ledger.isLight('patient')).toBe(true);
      expect(reopened.repairs.join('\n')).toMatch(/replaced by a light client's store/);
      expect(reopened.ledger.height('patient')).toBe(0);
      expect(occurrences(dir, { "B's key": B })).toEqual([]);
      // it then syncs as a light client and verifies
      const served = new NodeSyncStore(c.stMary);
      const own = new NodeSyncStore(reopened);
      for (let h = 1; h <= c.stMary.ledger.height('patient'); h++) own.appendLight('patient', served.lightBlockBytes('patient', h, reopened.identity.blsPublicKey)!);
      expect(reopened.ledger.head('patient')).toEqual(c.stMary.ledger.head('patient'));
      expect(reopened.ledger.verifyStored({ signatures: true }).ok).toBe(true);
      expect(reopened.ledger.state('patient').scan('link/')).toEqual([]);
    } finally {
      reopened.close();
    }
  });

  it("the hospital's peer server serves a patient headers and its own transactions only; whole blocks and other patients' blobs are refused", async () => {
    const [serverTls, patientTls] = await Promise.all([tlsFor('light-server'), tlsFor('light-patient')]);
    const A = laptopA.identity.blsPublicKey;
    const peer = fakePeer(patientTls, 'patient', 'Ann', [], new Uint8Array(A));
    const index = new BlobIndex(c.stMary);
    const server = await startPeerServer({
      tls: serverTls,
      listen: { host: '127.0.0.1', port: 0 },
      authorize: (fp) => (fp === peer.fingerprint ? peer : null),
      log: () => {},
      routes: syncRoutes({ store: new NodeSyncStore(c.stMary), blobMeta: (h) => index.meta(h) }),
    });
    const client = new PeerClient({ address: `127.0.0.1:${server.port}`, tls: patientTls, expectedFingerprint: serverTls.fingerprint });
    try {
      expect((await client.request('GET', '/blocks/patient?from=1')).status).toBe(403);
      expect((await client.request('GET', '/blocks/hospital?from=1')).status).toBe(403);
      let heights = 0;
      for await (const bytes of client.stream('/light/patient?from=1')) {
        heights++;
        const b = decodeLightBlock(bytes);
        expect(b.held.every((x) => concerns(c.stMary.ledger.state('patient'), x.tx, A))).toBe(true);
        expect(Buffer.from(bytes).includes(Buffer.from(laptopB.identity.blsPublicKey))).toBe(false);
      }
      expect(heights).toBe(c.stMary.ledger.height('patient'));
      const own = myRecords(laptopA)[0].link.blobHash;
      const other = myRecords(c.stMary, laptopB.identity.blsPublicKey)[0].link.blobHash;
      expect((await client.request('GET', `/blob/${toHex(own)}`)).status).toBe(200);
      expect((await client.request('GET', `/blob/${toHex(other)}`)).status).toBe(404);
    } finally {
      client.close();
      await server.close();
    }
  });
});
