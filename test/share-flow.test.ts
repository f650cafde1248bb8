/**
 * The whole of DESIGN.md §6 in one process with real nodes (two hospitals, a patient, an insurer
 * and a research institute, each with its own data folder): import Synthea bundles, classify,
 * consent, request, share, verify, decrypt, revoke, refused after revocation, audit listed to the
 * patient; plus cross-hospital records, provider-to-provider sharing and crypto-shredding.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeConsortium, type Consortium } from './support/consortium';
import { importBundle, readRecord, storeRecord, eraseRecord, shareForCare, patientRecordIds, recordInfo, toLabelsBody } from '../src-main/emr/records';
import { grantConsent, revokeConsent, listConsents, consentToFhir } from '../src-main/emr/consent';
import { processShareRequest, previewShare } from '../src-main/emr/share/provider';
import { fileShareRequest, openPackage, myRequests, trustOf } from '../src-main/emr/share/entity';
import { finalizeProof, verifyCrossChainProof, type CrossChainProof } from '../src-main/emr/share/proof';
import { myRecords, readMyRecord } from '../src-main/emr/patient-view';
import { patientAudit, auditSentence, auditToFhir, type NameOf } from '../src-main/emr/audit';
import { classifyResource } from '../src-main/emr/classify/index';
import { getMember } from '../src-main/ledger/rules/members';
import { requestOf } from '../src-main/ledger/rules/social';
import { releaseOf } from '../src-main/ledger/rules/release';
import { openBlob, packageAad, unwrapWith } from '../src-main/emr/record-crypto';
import { fromHex, toHex } from '../src-main/codec/hex';
import type { PatientEntry } from '../src-main/emr/patients';
import type { TrichainNode } from '../src-main/node/node';

const SHARED = process.env.TRICHAIN_SHARED_DATA ? join(process.env.TRICHAIN_SHARED_DATA, 'fhir') : join(__dirname, '..', '..', 'shared', 'data', 'fhir');
const bundle = (prefix: string) => JSON.parse(readFileSync(join(SHARED, readdirSync(SHARED).find((f) => f.startsWith(prefix))!), 'utf8'));
const YEAR = 365 * 24 * 3600 * 1000;
const ALL_TIME = { start: 0, end: Date.now() + YEAR };
const RESEARCH_CATEGORIES = ['condition', 'observation', 'lab', 'vital-signs', 'medication', 'encounter', 'procedure', 'immunization', 'note', 'care-plan', 'demographics'] as const;

describe.skipIf(!existsSync(SHARED))('external sharing end to end', () => {
  let c: Consortium;
  let milan: PatientEntry;
  let bob: PatientEntry;
  let laptop: TrichainNode;
  let researchRequest: string;
  /** The patients' keys for the research institute: what requests and proofs name. */
  let milanForResearch: Uint8Array;
  let bobForResearch: Uint8Array;

  beforeAll(async () => {
    c = await makeConsortium();
    const m = await importBundle(c.stMary, bundle('Milan'));
    const b = await importBundle(c.stMary, bundle('Bob'));
    milan = m.patients[0];
    bob = b.patients[0];
    expect(m.records).toBeGreaterThan(100);
    expect(m.sensitive).toBeGreaterThan(0);
    await c.sync();
    laptop = await c.addPatientLaptop(milan, c.stMary);
  }, 240_000);

  afterAll(() => c?.close());

  it('the hospital reads back what it stored, with labels and their reasons', () => {
    const ids = patientRecordIds(c.stMary, milan.pk);
    const { resource, info } = readRecord(c.stMary, ids[0]);
    expect(resource.resourceType).toBeTruthy();
    expect(info.labels.category).toBeTruthy();
    // a depression Condition carries PSY on the chain
    const psy = ids.map((id) => recordInfo(c.stMary, id)).filter((i) => i.labels.sensitivity.includes('PSY'));
    expect(psy.length).toBeGreaterThan(0);
    expect(classifyResource(readRecord(c.stMary, psy[0].recordId).resource).reasons.length).toBeGreaterThan(0);
  });

  it("the patient's laptop, holding only the patient chain, lists and decrypts records from both hospitals", async () => {
    // Riverside records an observation for the same patient, known by their public key
    const x = getMember(c.riverside.ledger.state('patient'), milan.pk)!.x25519Pk;
    const obs = { resourceType: 'Observation', id: 'riverside-bp-1', status: 'final', code: { text: 'Blood pressure' }, subject: { reference: 'Patient/x' }, effectiveDateTime: '2024-03-01' };
    storeRecord(c.riverside, { resource: obs, labels: toLabelsBody(classifyResource(obs)), patient: { pk: milan.pk, x25519: x } });
    await c.sync();
    expect(laptop.chains()).toEqual(['patient']);
    const mine = myRecords(laptop);
    expect(new Set(mine.map((r) => r.orgName))).toEqual(new Set(['St Mary Hospital', 'Riverside Clinic']));
    expect(mine.every((r) => r.available)).toBe(true);
    const fromRiverside = mine.find((r) => r.orgName === 'Riverside Clinic')!;
    expect(readMyRecord(laptop, fromRiverside.link).code).toEqual({ text: 'Blood pressure' });
    expect(mine.filter((r) => r.link.resourceType === 'Patient').map((r) => readMyRecord(laptop, r.link).id)).toContain(milan.fhirId);
  });

  it('consent, request, share, verify, decrypt: the package is de-identified and excludes sensitive records', async () => {
    const granted = grantConsent(laptop, { grantee: { entity: c.research.identity.blsPublicKey }, purpose: 'HRESCH', categories: [...RESEARCH_CATEGORIES], period: ALL_TIME });
    const { consentId } = granted;
    milanForResearch = fromHex(granted.key, 48);
    await c.sync();
    expect(listConsents(c.stMary.ledger.state('patient'), milan.pk).map((x) => x.consentId)).toContain(consentId);
    expect(consentToFhir(listConsents(c.stMary.ledger.state('patient'), milan.pk)[0]).provision.purpose[0].code).toBe('HRESCH');
    // Codes travel with HL7's displays (v3-ActCode) and the category words.
    expect(consentToFhir(listConsents(c.stMary.ledger.state('patient'), milan.pk)[0]).provision.class.every((k) => typeof k.display === 'string' && k.display !== k.code)).toBe(true);

    researchRequest = fileShareRequest(c.research, { patient: milanForResearch, purpose: 'HRESCH', categories: ['condition', 'medication', 'encounter', 'observation', 'lab', 'demographics'], period: ALL_TIME }).requestId;
    await c.sync();
    const preview = previewShare(c.stMary, researchRequest);
    expect(preview.allowed).toBe(true);
    const outcome = processShareRequest(c.stMary, researchRequest);
    expect(outcome.status).toBe('published');
    await c.sync();

    const opened = openPackage(c.research, researchRequest);
    expect(opened.check.ok).toBe(true);
    expect(opened.proof.signature.length).toBe(96);
    const text = JSON.stringify(opened.bundle);
    const patient = readMyRecord(laptop, myRecords(laptop).find((r) => r.link.resourceType === "Patient")!.link) as unknown as { name: { given: string[]; family: string }[]; birthDate: string; address: { line: string[]; city: string }[]; telecom?: { value: string }[]; identifier: { value: string }[] };
    expect(text).not.toContain(patient.name[0].family);
    expect(text).not.toContain(patient.name[0].given[0]);
    expect(text).not.toContain(patient.birthDate);
    expect(text).not.toContain(patient.address[0].line[0]);
    for (const t of patient.telecom ?? []) expect(text).not.toContain(t.value);
    for (const i of patient.identifier) expect(text).not.toContain(i.value);
    expect(text).not.toMatch(/"\d{4}-\d{2}-\d{2}/);
    expect(text).not.toMatch(/@[a-z0-9-]+\.[a-z]{2,}/i);
    // no resource with a sensitivity code the consent did not name
    const resources = (opened.bundle.entry ?? []).map((e) => e.resource);
    expect(resources.length).toBeGreaterThan(10);
    for (const r of resources) expect(classifyResource(r).sensitivity).toEqual([]);
    expect(text.toLowerCase()).not.toContain('depress');
    expect(opened.csv.split('\n')[0]).toContain('resourceType');
    expect(myRequests(c.research).find((r) => r.requestId === researchRequest)?.status).toBe('published');
  });

  it('an HIV/ETH-labelled Synthea record stays out by default, even when its category is consented', async () => {
    const ids = patientRecordIds(c.stMary, bob.pk).map((id) => recordInfo(c.stMary, id));
    const hiv = ids.filter((i) => i.labels.sensitivity.includes('HIV'));
    const eth = ids.filter((i) => i.labels.sensitivity.includes('ETH'));
    expect(hiv.length).toBeGreaterThan(0);
    expect(eth.length).toBeGreaterThan(0);
    const bobLaptop = await c.addPatientLaptop(bob, c.stMary);
    bobForResearch = fromHex(grantConsent(bobLaptop, { grantee: { kind: 'research' }, purpose: 'HRESCH', categories: [...RESEARCH_CATEGORIES], period: ALL_TIME }).key, 48);
    await c.sync(); // a request names a key already on the patient chain (validators refuse others)
    const req = fileShareRequest(c.research, { patient: bobForResearch, purpose: 'HRESCH', categories: [...RESEARCH_CATEGORIES], period: ALL_TIME }).requestId;
    await c.sync();
    expect(processShareRequest(c.stMary, req).status).toBe('published');
    await c.sync();
    const opened = openPackage(c.research, req);
    // The record list sits on the hospital chain (its validators checked it); the social chain holds only the root.
    const release = releaseOf(c.stMary.ledger.state('hospital'), req)!;
    const loc = c.stMary.ledger.txLocation('hospital', release.tx)!;
    const listed = (c.stMary.ledger.block('hospital', loc.height)!.txs[loc.index].body as { records: { recordId: string }[] }).records;
    const included = new Set(listed.map((r) => r.recordId));
    expect(Object.keys(opened.proof.attestation.tx.body).sort()).toEqual(['consentTx', 'count', 'packageHash', 'requestId', 'root']);
    expect(opened.proof.attestation.tx.body).toMatchObject({ count: listed.length });
    for (const i of [...hiv, ...eth]) expect(included.has(i.recordId)).toBe(false);
    expect(included.size).toBeGreaterThan(0);
  });

  it('entity A cannot decrypt entity B\'s package, and their pseudonyms for one patient do not link', async () => {
    const { consentId, key: insurerKey } = grantConsent(laptop, { grantee: { kind: 'insurer' }, purpose: 'HPAYMT', categories: ['condition', 'demographics'], period: ALL_TIME });
    expect(insurerKey).not.toBe(toHex(milanForResearch));
    await c.sync();
    const req = fileShareRequest(c.insurer, { patient: fromHex(insurerKey, 48), purpose: 'HPAYMT', categories: ['condition', 'demographics'], period: ALL_TIME }).requestId;
    await c.sync();
    expect(processShareRequest(c.stMary, req).status).toBe('published');
    await c.sync();
    const insurerPkg = openPackage(c.insurer, req);
    const researchPkg = openPackage(c.research, researchRequest);
    const ids = (b: typeof insurerPkg.bundle) => new Set((b.entry ?? []).map((e) => String(e.resource.id)));
    const a = ids(insurerPkg.bundle);
    for (const id of ids(researchPkg.bundle)) expect(a.has(id)).toBe(false);
    const pid = (b: typeof insurerPkg.bundle) => (b.entry ?? []).find((e) => e.resource.resourceType === 'Patient')!.resource.id;
    expect(pid(insurerPkg.bundle)).not.toBe(pid(researchPkg.bundle));
    // the insurer holds the research package's bytes and key envelope but cannot open it
    const r = requestOf(c.stMary.ledger.state('social'), researchRequest)!;
    const blob = c.stMary.blobs.get(r.packageHash!)!;
    const key = (finalizeProof(c.stMary.ledger, r.publishTx!).publish.tx.body as { key: unknown }).key;
    expect(() => openBlob(blob, unwrapWith(c.insurer.identity.x25519SecretKey, key, packageAad(researchRequest)), packageAad(researchRequest))).toThrow();
    expect(c.insurer.blobs.has(r.packageHash!)).toBe(false);
    revokeConsent(laptop, consentId);
    await c.sync();
  });

  it('every tampering with a header, inclusion proof, message or key makes the proof fail', () => {
    const r = requestOf(c.research.ledger.state('social'), researchRequest)!;
    const good = finalizeProof(c.research.ledger, r.publishTx!);
    const expect_ = { requestId: researchRequest, packageHash: r.packageHash!, entity: c.research.identity.blsPublicKey, entityKind: 'research', patient: milanForResearch };
    const verify = (p: CrossChainProof) => verifyCrossChainProof(c.research.bls, p, trustOf(c.research), expect_);
    expect(verify(good).ok).toBe(true);
    const clone = (): CrossChainProof => structuredClone(good);
    const flips: [string, (p: CrossChainProof) => void][] = [
      ['consent header time', (p) => (p.consent.header.time += 1)],
      ['attestation header prevHash', (p) => (p.attestation.header.prevHash[0] ^= 1)],
      ['publish header txRoot', (p) => (p.publish.header.txRoot[3] ^= 1)],
      ['consent inclusion path', (p) => (p.consent.path.length ? (p.consent.path[0][0] ^= 1) : p.consent.path.push(new Uint8Array(32)))],
      ['publish inclusion size', (p) => (p.publish.size += 1)],
      ['attestation leaf index', (p) => (p.attestation.index = (p.attestation.index + 1) % Math.max(2, p.attestation.size))],
      ['consent message (categories)', (p) => ((p.consent.tx.body as { categories: string[] }).categories = ['condition', 'note'])],
      ['consent message (purpose)', (p) => ((p.consent.tx.body as { purpose: string }).purpose = 'HMARKT')],
      ['attestation author key', (p) => (p.attestation.tx.author = c.riverside.identity.blsPublicKey)],
      ['consent author key', (p) => (p.consent.tx.author = c.stMary.identity.blsPublicKey)],
      ['certificate signers', (p) => (p.publish.signers = new Uint8Array(p.publish.signers.length))],
      ['certificate round', (p) => (p.consent.round += 1)],
      ['aggregate signature', (p) => (p.signature[10] ^= 1)],
    ];
    for (const [what, mutate] of flips) {
      const p = clone();
      mutate(p);
      const res = verify(p);
      expect(res.ok, `tampering with ${what} must fail`).toBe(false);
    }
    expect(verify(good).ok).toBe(true);
    expect(verifyCrossChainProof(c.research.bls, good, trustOf(c.research), { ...expect_, entity: c.insurer.identity.blsPublicKey, entityKind: 'insurer' }).ok).toBe(false);
  });

  it('revocation stops the next share at once: the request is refused with a readable reason', async () => {
    const consent = listConsents(laptop.ledger.state('patient'), milan.pk).find((x) => x.purpose === 'HRESCH' && x.status === 'active')!;
    revokeConsent(laptop, consent.consentId);
    await c.sync();
    const req = fileShareRequest(c.research, { patient: milanForResearch, purpose: 'HRESCH', categories: ['condition'], period: ALL_TIME }).requestId;
    await c.sync();
    const outcome = processShareRequest(c.stMary, req);
    expect(outcome).toMatchObject({ status: 'refused' });
    expect((outcome as { reason: string }).reason).toMatch(/revoked/);
    await c.sync();
    expect(myRequests(c.research).find((r) => r.requestId === req)).toMatchObject({ status: 'refused' });
    expect(() => openPackage(c.research, req)).toThrow(/revoked/);
    // an entity with no consent at all is refused too
    const noConsent = fileShareRequest(c.insurer, { patient: bobForResearch, purpose: 'HPAYMT', categories: ['condition'], period: ALL_TIME }).requestId;
    await c.sync();
    expect(processShareRequest(c.stMary, noConsent)).toMatchObject({ status: 'refused', reason: expect.stringMatching(/no consent/) });
  });

  it("the patient's laptop lists every grant, share, refusal and revocation, exportable as FHIR AuditEvent", async () => {
    await c.sync();
    const audit = patientAudit(laptop, milan.pk);
    const kinds = audit.map((a) => a.kind);
    for (const k of ['consent.granted', 'share.published', 'share.refused', 'consent.revoked']) expect(kinds).toContain(k);
    expect(audit.find((a) => a.kind === 'share.published')!.actorName).toBe('St Mary Hospital');
    const published = audit.find((a) => a.kind === 'share.published')!;
    const names: NameOf = (v) => [c.research, c.insurer].find((n) => n.publicKeyHex === (v instanceof Uint8Array ? toHex(v) : String(v)))?.config.name ?? 'an organization';
    const sentence = auditSentence(published, names);
    expect(sentence).toMatch(/^St Mary Hospital approved the request and shared [1-9]\d* records with (Institute for Outcomes Research|Acme Health Insurance)$/);
    // The FHIR export carries the same sentence.
    expect(auditToFhir(published, 'Patient/x', sentence).outcomeDesc).toBe(sentence);
    const ev = auditToFhir(audit[0], `Patient/${toHex(milan.pk).slice(0, 16)}`);
    expect(ev.resourceType).toBe('AuditEvent');
    expect(ev.outcomeDesc).not.toMatch(/consent\.|share\./);
    expect(ev.recorded).toMatch(/^\d{4}-/);
  });

  it('provider-to-provider sharing for care re-wraps the key only under a treatment consent', async () => {
    const id = patientRecordIds(c.stMary, milan.pk)[1];
    expect(() => readRecord(c.riverside, id)).toThrow(/holds no key/);
    expect(() => shareForCare(c.stMary, id, c.riverside.identity.blsPublicKey, 'no-such-consent')).toThrow(/not active/);
    const { consentId } = grantConsent(laptop, { grantee: { kind: 'hospital' }, purpose: 'TREAT', categories: ['condition', 'observation'], period: ALL_TIME });
    await c.sync();
    shareForCare(c.stMary, id, c.riverside.identity.blsPublicKey, consentId);
    await c.sync();
    expect(readRecord(c.riverside, id).resource.id).toBe(readRecord(c.stMary, id).resource.id);
  });

  it('crypto-shredding: an erased record can no longer be decrypted by anyone while every chain still verifies', async () => {
    const link = myRecords(laptop).find((r) => r.orgName === 'St Mary Hospital' && r.link.resourceType === 'Condition')!.link;
    expect(readMyRecord(laptop, link)).toBeTruthy();
    eraseRecord(c.stMary, link.recordId, 'patient asked for erasure');
    await c.sync();
    for (const n of c.nodes) {
      if (n.config.role === 'hospital') expect(() => readRecord(n, link.recordId)).toThrow(/erased/);
      // nodes delete the ciphertext when they apply the erasure (laptop: by the daemon's hook; here by hand as it would)
      n.blobs.delete(link.blobHash);
      expect(n.blobs.has(link.blobHash)).toBe(false);
      expect(n.ledger.verifyStored({ signatures: true })).toMatchObject({ ok: true });
    }
    expect(() => readMyRecord(laptop, link)).toThrow(/erased|not reached/);
    // the patient's own index forgets it too (with the key wrapped for the patient), and says why
    expect(myRecords(laptop).map((r) => r.link.recordId)).not.toContain(link.recordId);
    expect(laptop.ledger.state('patient').get(`link/${toHex(milan.pk)}/${link.recordId}`)).toBeUndefined();
    expect(patientAudit(laptop, milan.pk).some((a) => a.kind === 'record.erased' && a.detail.recordId === link.recordId)).toBe(true);
    expect(c.stMary.ledger.state('hospital').scan(`record/${link.recordId}/v/1/key/`)).toEqual([]);
  });
});
