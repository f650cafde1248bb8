/**
 * Issue 13, findings 1 and 3, tried as an attacker would against a consortium of real nodes in
 * which Milan Beatty's laptop made his keys and enrolled at St Mary:
 *  - no file in a hospital's data folder contains or unlocks the patient's secret keys;
 *  - a hospital cannot produce a consent the validators accept as the patient's;
 *  - consents are signed with a key per grantee, never the main key;
 *  - the research institute and the insurer, both holding packages about Milan, find no common
 *    identifier of him in their data folders or what they decrypted (keys, record ids, FHIR ids,
 *    content hashes).
 */
import type { TxBody } from '../src-main/ledger/rules/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { mnemonicToEntropy } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { makeConsortium, PASS, type Consortium } from './support/consortium';
import { canonicalDecode } from '../src-main/codec/canonical';
import { toHex } from '../src-main/codec/hex';
import { loadKeystore, parseKeystore } from '../src-main/crypto/keystore';
import { createIdentity, deriveGranteeKey, recoveryPhrase } from '../src-main/crypto/identity';
import { DEMO_PASSPHRASE } from '../src-main/app/demo-roles';
import { grantConsent, granteeId, listConsents } from '../src-main/emr/consent';
import { loadDemoBundles } from '../src-main/emr/demo/index';
import { EnrolError, enrolPatient, makeEnrolmentRequest } from '../src-main/emr/enrol';
import { findPatientByFhirId, type PatientEntry } from '../src-main/emr/patients';
import { importBundle, patientRecordIds, readRecord, recordInfo } from '../src-main/emr/records';
import { fileShareRequest, openPackage } from '../src-main/emr/share/entity';
import { processShareRequest } from '../src-main/emr/share/provider';
import { myRecords } from '../src-main/emr/patient-view';
import { getMember } from '../src-main/ledger/rules/members';
import { requestOf } from '../src-main/ledger/rules/social';
import { TxRejected } from '../src-main/ledger/rules/types';
import { testKey } from './support/ledger';
import type { TrichainNode } from '../src-main/node/node';

const YEAR = 365 * 24 * 3600_000;
const ALL_TIME = { start: 0, end: Date.now() + YEAR };
const CATEGORIES = ['condition', 'observation', 'encounter', 'medication', 'demographics'] as const;

/** Every file under `dir`, recursively (databases, their WAL, keystores, TLS keys, config). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** The encodings a secret or identifier could be written in. */
function encodings(b: Uint8Array): Buffer[] {
  const raw = Buffer.from(b);
  return [raw, Buffer.from(toHex(b)), Buffer.from(toHex(b).toUpperCase()), Buffer.from(raw.toString('base64')), Buffer.from(raw.toString('base64url'))];
}

function foundIn(files: string[], needles: { what: string; bytes: Buffer[] }[]): string[] {
  const hits: string[] = [];
  for (const f of files) {
    const content = readFileSync(f);
    for (const n of needles) if (n.bytes.some((b) => content.includes(b))) hits.push(`${n.what} in ${f}`);
  }
  return hits;
}

describe('patients hold their own keys; entities cannot link them', () => {
  let c: Consortium;
  let milan: PatientEntry;
  let laptop: TrichainNode;
  let provisional: Uint8Array;
  const requests: Record<'research' | 'insurer', string> = { research: '', insurer: '' };

  beforeAll(async () => {
    c = await makeConsortium();
    const bundle = loadDemoBundles().find((b) => b.name === 'Milan Beatty')!.bundle;
    milan = (await importBundle(c.stMary, bundle)).patients[0];
    provisional = milan.pk;
    await c.sync();
  }, 240_000);

  afterAll(() => c?.close());

  it('before enrolment the hospital keeps the records wrapped for itself only; nothing of the patient is on the patient chain', () => {
    const ids = patientRecordIds(c.stMary, provisional);
    expect(ids.length).toBeGreaterThan(100);
    expect(getMember(c.stMary.ledger.state('patient'), provisional)).toBeUndefined();
    expect(c.stMary.ledger.state('patient').scan('link/')).toEqual([]);
    for (const id of ids.slice(0, 20)) {
      expect(c.stMary.ledger.state('hospital').get(`record/${id}/v/1/key/patient`)).toBeUndefined();
      expect(readRecord(c.stMary, id).resource.resourceType).toBeTruthy();
    }
  });

  it('enrolment registers only the public key the laptop made, and re-wraps every record for the patient', async () => {
    laptop = await c.addPatientLaptop(milan, c.stMary);
    expect(toHex(milan.pk)).toBe(laptop.publicKeyHex);
    expect(getMember(c.stMary.ledger.state('patient'), laptop.identity.blsPublicKey)).toMatchObject({ role: 'patient', name: 'patient' });
    const atHospital = patientRecordIds(c.stMary, laptop.identity.blsPublicKey);
    expect(atHospital.length).toBeGreaterThan(100);
    expect(patientRecordIds(c.stMary, provisional)).toEqual([]);
    expect(recordInfo(c.stMary, atHospital[0]).patient).toEqual(laptop.identity.blsPublicKey);
    const mine = myRecords(laptop);
    expect(mine.length).toBe(atHospital.length);
    expect(mine.every((r) => r.available)).toBe(true);
    // enrolling again is harmless; another key for the same patient is refused
    expect(await enrolPatient(c.stMary, { fhirId: milan.fhirId, request: makeEnrolmentRequest(laptop.identity) })).toMatchObject({ registered: 'already-member', linked: 0 });
    const impostor = createIdentity({ name: 'impostor', role: 'patient' });
    await expect(enrolPatient(c.stMary, { fhirId: milan.fhirId, request: makeEnrolmentRequest(impostor) })).rejects.toThrow(EnrolError);
    expect(findPatientByFhirId(c.stMary, milan.fhirId)!.pk).toEqual(laptop.identity.blsPublicKey);
  });

  it('consents are signed with a key per grantee; both entities receive a package about the patient', async () => {
    for (const who of ['research', 'insurer'] as const) {
      const entity = c[who];
      const granted = grantConsent(laptop, { grantee: { entity: entity.identity.blsPublicKey }, purpose: who === 'research' ? 'HRESCH' : 'HPAYMT', categories: [...CATEGORIES], period: ALL_TIME });
      await c.sync();
      expect(granted.key).not.toBe(laptop.publicKeyHex);
      requests[who] = fileShareRequest(entity, { patient: Buffer.from(granted.key, 'hex'), purpose: who === 'research' ? 'HRESCH' : 'HPAYMT', categories: [...CATEGORIES], period: ALL_TIME }).requestId;
      await c.sync();
      expect(processShareRequest(c.stMary, requests[who])).toMatchObject({ status: 'published' });
      await c.sync();
      expect(openPackage(entity, requests[who]).check.ok).toBe(true);
    }
    // the patient's own view lists both consents under the main key
    expect(listConsents(laptop.ledger.state('patient'), laptop.identity.blsPublicKey)).toHaveLength(2);
  });

  it('no file in a hospital\'s data folder contains or unlocks the patient\'s secret keys', async () => {
    const id = laptop.identity;
    const seed = mnemonicToEntropy(recoveryPhrase(id), wordlist);
    const secrets = [
      { what: 'seed', bytes: encodings(seed) },
      { what: 'recovery phrase', bytes: [Buffer.from(recoveryPhrase(id)), Buffer.from(recoveryPhrase(id).split(' ').slice(0, 6).join(' '))] },
      { what: 'BLS secret key', bytes: encodings(id.blsSecretKey) },
      { what: 'X25519 secret key', bytes: encodings(id.x25519SecretKey) },
      ...(['research', 'insurer'] as const).map((w) => ({ what: `secret key for the ${w}`, bytes: encodings(deriveGranteeKey(id, granteeId({ entity: c[w].identity.blsPublicKey })).sk) })),
    ];
    const hospitals = [c.stMary, c.riverside];
    const codes = hospitals.flatMap((h) => {
      const cols = (h.db.prepare('PRAGMA table_info(emr_patients)').all() as { name: string }[]).map((x) => x.name);
      return cols.includes('activation') ? (h.db.prepare('SELECT activation FROM emr_patients WHERE activation IS NOT NULL').pluck().all() as string[]) : [];
    });
    expect(codes).toEqual([]);
    const candidates = [PASS, DEMO_PASSPHRASE, 'trichain', ...codes];
    for (const h of hospitals) {
      const files = filesUnder(h.paths.dir);
      expect(files.length).toBeGreaterThan(3);
      expect(foundIn(files, secrets)).toEqual([]);
      // every keystore in the folder, tried with every passphrase or code the hospital knows
      for (const f of files.filter((x) => x.endsWith('.json'))) {
        let isKeystore = false;
        try {
          parseKeystore(JSON.parse(readFileSync(f, 'utf8')));
          isKeystore = true;
        } catch {
          /* not a keystore */
        }
        if (!isKeystore) continue;
        for (const p of candidates) {
          const opened = await loadKeystore(f, p).catch(() => null);
          if (opened) expect(toHex(opened.blsPublicKey), `${f} opens with a known secret`).toBe(h.publicKeyHex);
        }
      }
    }
    // the scan would catch it: the laptop's own folder holds a keystore that opens to the patient's key
    const own = await loadKeystore(laptop.paths.keystore, PASS);
    expect(toHex(own.blsPublicKey)).toBe(laptop.publicKeyHex);
  });

  it('a hospital cannot produce a consent that validators accept as the patient\'s', async () => {
    const st = c.stMary;
    const body = (patient: Uint8Array): TxBody<'patient', 'consent.grant'> => ({
      consentId: `forged-${toHex(patient).slice(0, 8)}-${Date.now()}`, patient, grantee: { entity: c.research.identity.blsPublicKey }, purpose: 'HRESCH',
      categories: ['condition', 'note'], sensitivity: ['PSY'], period: ALL_TIME,
    });
    const rejected = (f: () => unknown) => expect(f).toThrow(TxRejected);
    // signed by the hospital in the patient's name, or under a key the patient registered
    rejected(() => st.submit('patient', 'consent.grant', body(laptop.identity.blsPublicKey)));
    const researchKey = deriveGranteeKey(laptop.identity, granteeId({ entity: c.research.identity.blsPublicKey })).pk;
    rejected(() => st.submit('patient', 'consent.grant', body(researchKey)));
    rejected(() => st.submit('patient', 'consent.grant', body(st.identity.blsPublicKey)));
    // registering a key of its own as the patient's key for a grantee
    const mine = testKey(st.bls, 'hospital-made key');
    rejected(() => st.submit('patient', 'consent.key', { key: mine.pk, pop: mine.pop }));
    // a patient of its own making consents only for itself: none of Milan's records leave under it
    const fake = createIdentity({ name: 'fake patient', role: 'patient' });
    st.submit('patient', 'member.register', { role: 'patient', name: 'patient', blsPk: fake.blsPublicKey, x25519Pk: fake.x25519PublicKey, pop: fake.proofOfPossession() });
    const fakeGrantee = deriveGranteeKey(fake, 'entity:whatever');
    st.submitAs({ sk: fake.blsSecretKey, pk: fake.blsPublicKey }, 'patient', 'consent.key', { key: fakeGrantee.pk, pop: fakeGrantee.proofOfPossession() });
    st.submitAs(fakeGrantee, 'patient', 'consent.grant', body(fakeGrantee.pk));
    const forMilan = listConsents(st.ledger.state('patient'), laptop.identity.blsPublicKey);
    expect(forMilan.every((x) => toHex(x.owner) === laptop.publicKeyHex)).toBe(true);
    expect(forMilan.some((x) => x.categories.includes('note'))).toBe(false);
    const req = fileShareRequest(c.research, { patient: fakeGrantee.pk, purpose: 'HRESCH', categories: ['condition', 'note'], period: ALL_TIME }).requestId;
    await c.sync();
    expect(processShareRequest(st, req)).toMatchObject({ status: 'refused' });
  });

  it('the research institute and the insurer hold no common identifier of the patient', async () => {
    // What identifies Milan anywhere: his main key, his FHIR ids, the record ids, content and blob hashes.
    const st = c.stMary;
    const ids = patientRecordIds(st, laptop.identity.blsPublicKey);
    const global: { what: string; bytes: Buffer[] }[] = [
      { what: 'main key', bytes: encodings(laptop.identity.blsPublicKey) },
      { what: 'provisional id', bytes: encodings(provisional) },
      { what: 'patient FHIR id', bytes: [Buffer.from(milan.fhirId)] },
    ];
    for (const id of ids) {
      const info = recordInfo(st, id);
      const fhirId = readRecord(st, id).resource.id!;
      global.push({ what: `record id ${id}`, bytes: [Buffer.from(id)] }, { what: `FHIR id ${fhirId}`, bytes: [Buffer.from(fhirId)] });
      global.push({ what: `content hash of ${id}`, bytes: encodings(info.meta.contentHash) }, { what: `blob hash of ${id}`, bytes: encodings(info.meta.blobHash) });
    }
    for (const e of [c.research, c.insurer]) {
      // what the entity decrypted, besides its files
      const opened = openPackage(e, requests[e === c.research ? 'research' : 'insurer']);
      const files = filesUnder(e.paths.dir);
      const inFiles = foundIn(files, global);
      const inPackage = global.filter((g) => g.bytes.some((b) => Buffer.from(JSON.stringify(opened.bundle)).includes(b))).map((g) => g.what);
      expect([...inFiles, ...inPackage], `${e.config.name} holds identifiers of the patient`).toEqual([]);
    }
    // The keys that name the patient to each entity differ, and nothing in either share names the other's.
    const own = (who: 'research' | 'insurer') => {
      const r = requestOf(c[who].ledger.state('social'), requests[who])!;
      const publish = c[who].ledger.block('social', r.publishHeight!)!.txs.find((t) => t.type === 'share.publish' && (t.body as { requestId: string }).requestId === requests[who])!;
      const evidence = canonicalDecode((publish.body as { evidence: Uint8Array }).evidence);
      return { key: r.patient, text: Buffer.concat([Buffer.from(JSON.stringify(evidence, (_k, v) => (v instanceof Uint8Array ? toHex(v) : v))), Buffer.from(JSON.stringify(openPackage(c[who], requests[who]).bundle))]) };
    };
    const a = own('research');
    const b = own('insurer');
    expect(toHex(a.key)).not.toBe(toHex(b.key));
    expect(a.text.includes(Buffer.from(toHex(b.key)))).toBe(false);
    expect(b.text.includes(Buffer.from(toHex(a.key)))).toBe(false);
  });
});
