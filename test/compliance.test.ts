/**
 * Issue 13, finding 2 ("verified does not mean allowed"), as an attacker tries it: a rogue provider
 * (St Mary, which holds the records) writes transactions directly, signed with its own key, past
 * its share logic. Each non-compliant release or publication is refused by the validators' checks
 * (the mempool admission and the proposal path every validator runs, on St Mary itself and on
 * Riverside as a second hospital replica), and each hand-built package or proof fails at the entity:
 *   - a record of a category the consent does not list;
 *   - the 12 PSY/BH records of the demo patient under a consent that names no sensitivity code;
 *   - another patient's record;
 *   - a revoked consent;
 *   - an expired consent;
 *   - a social-risk record (restricted without a sensitivity code) under a consent that does not name
 *     social needs.
 * Also: the legitimate share verifies as the entity, a changed byte anywhere in the package file
 * fails, and the social chain carries a constant-size attestation.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { makeConsortium, type Consortium } from './support/consortium';
import { importBundle, patientRecordIds, recordInfo, storeRecord, toLabelsBody } from '../src-main/emr/records';
import { classifyResource } from '../src-main/emr/classify/index';
import { grantConsent, listConsents, revokeConsent } from '../src-main/emr/consent';
import { processShareRequest, selectRecords } from '../src-main/emr/share/provider';
import { fileShareRequest, packageFileOf, verifyPackageAs } from '../src-main/emr/share/entity';
import { buildShareEvidence, encodeEvidence, PROOF_VERSION, verifyCrossChainProof, type CrossChainProof } from '../src-main/emr/share/proof';
import { checkPackageContents, decodePackageFile, encodePackageFile, releasedHash, type PackagePayload } from '../src-main/emr/share/package';
import { trustOf } from '../src-main/emr/share/entity';
import { releaseCommitment, releaseLeafHash, releaseRoot, sourceTag } from '../src-main/ledger/release';
import { requestOf } from '../src-main/ledger/rules/social';
import type { ConsentState } from '../src-main/ledger/rules/patient';
import { loadDemoBundles } from '../src-main/emr/demo/index';
import { toHex, utf8 } from '../src-main/codec/hex';
import type { PatientEntry } from '../src-main/emr/patients';
import type { TrichainNode } from '../src-main/node/node';
import type { SignedTx } from '../src-main/ledger/types';

const YEAR = 365 * 24 * 3600 * 1000;
const WIDE = ['condition', 'encounter', 'care-plan', 'medication', 'financial', 'demographics'] as const;

describe('a rogue provider cannot release what the consent does not allow', () => {
  let c: Consortium;
  let milan: PatientEntry;
  let laurie: PatientEntry;
  let laptop: TrichainNode;
  let wide: ConsentState;
  let legitRequest: string;

  const consentNamed = (id: string) => listConsents(c.stMary.ledger.state('patient'), milan.pk).find((x) => x.consentId === id)!;
  const labelled = (pk: Uint8Array) => patientRecordIds(c.stMary, pk).map((id) => recordInfo(c.stMary, id));

  /** A records.release exactly as the provider would build it, for any records, signed by St Mary. */
  function release(requestId: string, consent: ConsentState, recordIds: string[]): SignedTx {
    const records = recordIds.map((id) => {
      const info = recordInfo(c.stMary, id);
      const salt = new Uint8Array(randomBytes(32));
      const released = sha256(utf8(id));
      const leaf = releaseLeafHash({ commitment: releaseCommitment(salt, released, sourceTag(salt, info.meta.contentHash)), labels: info.labels, version: info.version, patient: consent.patient });
      return { body: { recordId: id, version: info.version, salt, released }, leaf };
    });
    return c.stMary.sign('hospital', 'records.release', {
      requestId, packageHash: new Uint8Array(32).fill(7), root: releaseRoot(records.map((r) => r.leaf)),
      consent: { consentId: consent.consentId, grantTx: consent.grantTx, patient: consent.patient, owner: consent.owner, categories: consent.categories, sensitivity: consent.sensitivity, period: consent.period },
      records: records.map((r) => r.body),
    });
  }

  /** The validators' checks: mempool admission and the proposal path, on the validator and on another hospital replica. */
  function refusedByValidators(tx: SignedTx, reason: RegExp): void {
    for (const v of [c.stMary, c.riverside]) {
      expect(() => v.ledger.checkTx(tx)).toThrow(reason);
      const { txs, dropped } = v.ledger.prepareBlock(tx.chain, [tx], 0, Date.now() + 1000);
      expect(txs).toHaveLength(0);
      expect(dropped[0].reason).toMatch(reason);
    }
    expect(() => c.stMary.submitSigned(tx)).toThrow(reason);
  }

  beforeAll(async () => {
    c = await makeConsortium();
    const bundles = loadDemoBundles();
    milan = (await importBundle(c.stMary, bundles.find((b) => b.name.startsWith('Milan'))!.bundle)).patients[0];
    laurie = (await importBundle(c.stMary, bundles.find((b) => b.name.startsWith('Laurie'))!.bundle)).patients[0];
    await c.sync();
    laptop = await c.addPatientLaptop(milan, c.stMary);
    const { consentId } = grantConsent(laptop, { grantee: { entity: c.research.identity.blsPublicKey }, purpose: 'HRESCH', categories: [...WIDE], period: { start: 0, end: Date.now() + YEAR } });
    await c.sync();
    wide = consentNamed(consentId);
    // The research institute knows Milan by his key for it (wide.patient), never his main key.
    legitRequest = fileShareRequest(c.research, { patient: wide.patient, purpose: 'HRESCH', categories: [...WIDE], period: { start: -3e12, end: Date.now() + YEAR } }).requestId;
    await c.sync();
    expect(processShareRequest(c.stMary, legitRequest).status).toBe('published');
    await c.sync();
  }, 240_000);

  afterAll(() => c?.close());

  it('the honest share verifies as the entity: every record against the attested root and the consent', () => {
    const v = verifyPackageAs(c.research, packageFileOf(c.research, legitRequest));
    expect(v.ok, v.ok ? '' : v.reason).toBe(true);
    if (!v.ok) return;
    const labels = v.payload.openings.map((o) => o.labels);
    expect(labels.length).toBeGreaterThan(10);
    for (const l of labels) {
      expect(WIDE).toContain(l.category);
      expect(l.sensitivity).toEqual([]);
    }
    expect(v.checks.map((x) => x.name)).toEqual(expect.arrayContaining(['Hospital chain checked the records', 'Social chain checked the consent', 'Every record attested and allowed by the consent']));
    // constant-size statement on the social chain: no record id, no content hash, just the root and the count
    const evidence = (v.proof.publish.tx.body as { evidence: Uint8Array }).evidence;
    expect(evidence.length).toBeLessThan(4096);
    for (const id of patientRecordIds(c.stMary, milan.pk)) expect(Buffer.from(evidence).includes(Buffer.from(id))).toBe(false);
  });

  it('extra category: a lab record under a consent without lab is refused by validators and fails at the entity', () => {
    const lab = labelled(milan.pk).find((i) => i.labels.category === 'lab')!;
    const cond = labelled(milan.pk).filter((i) => i.labels.category === 'condition' && i.labels.sensitivity.length === 0).slice(0, 2);
    refusedByValidators(release('req-rogue-category', wide, [...cond.map((i) => i.recordId), lab.recordId]), /category lab is not in the consent/);
    const v = verifyPackageAs(c.research, packageFileOf(c.research, legitRequest));
    if (!v.ok) throw new Error(v.reason);
    // Even if a dishonest quorum certified such an attestation, the entity checks every opening.
    const forged = withExtraRecord(v.proof, v.payload, { resourceType: 'Observation', id: 'x', status: 'final' }, { ...lab.labels });
    expect(checkPackageContents(forged.proof, forged.payload)).toEqual({ ok: false, reason: expect.stringMatching(/category lab is not in the consent/) });
    // and a hand-built package under the genuine proof fails on its hash before anything is decrypted
    expect(verifyPackageAs(c.research, { ...packageFileOf(c.research, legitRequest), ciphertext: new Uint8Array(randomBytes(4096)) })).toMatchObject({ ok: false, failed: "request on this entity's social chain" });
  });

  it('unnamed sensitivity: the 12 PSY/BH records under a consent that names no code are refused and fail at the entity', () => {
    const psy = labelled(milan.pk).filter((i) => i.labels.sensitivity.includes('PSY') && (WIDE as readonly string[]).includes(i.labels.category));
    expect(psy.length).toBeGreaterThanOrEqual(12);
    refusedByValidators(release('req-rogue-psy', wide, psy.map((i) => i.recordId)), /sensitivity (PSY, BH|BH, PSY) is not named by the consent/);
    const v = verifyPackageAs(c.research, packageFileOf(c.research, legitRequest));
    if (!v.ok) throw new Error(v.reason);
    const forged = withExtraRecord(v.proof, v.payload, { resourceType: 'Condition', id: 'y' }, { ...psy[0].labels });
    expect(checkPackageContents(forged.proof, forged.payload)).toEqual({ ok: false, reason: expect.stringMatching(/sensitivity .*PSY.* is not named by the consent/) });
  });

  it("another patient's record is refused by validators and fails at the entity", () => {
    const other = labelled(laurie.pk).find((i) => i.labels.category === 'condition' && i.labels.sensitivity.length === 0)!;
    refusedByValidators(release('req-rogue-patient', wide, [other.recordId]), /belongs to another patient than the consent's/);
    const v = verifyPackageAs(c.research, packageFileOf(c.research, legitRequest));
    if (!v.ok) throw new Error(v.reason);
    const forged = withExtraRecord(v.proof, v.payload, { resourceType: 'Condition', id: 'z' }, { ...other.labels }, laurie.pk);
    expect(checkPackageContents(forged.proof, forged.payload)).toEqual({ ok: false, reason: expect.stringMatching(/belongs to another patient/) });
    // a changed opening or resource no longer recomputes the attested root
    const tampered = structuredClone(v.payload);
    (tampered.bundle.entry![0].resource as { id: string }).id += 'x';
    expect(checkPackageContents(v.proof, tampered)).toEqual({ ok: false, reason: 'the received records do not match the attested Merkle root' });
  });

  it('social needs: a food-insecurity record leaves only under a consent that names social needs; validators refuse it otherwise', async () => {
    const resource = {
      resourceType: 'Condition', id: 'sdoh-food', clinicalStatus: { coding: [{ code: 'active' }] },
      code: { coding: [{ system: 'http://snomed.info/sct', code: '733423003', display: 'Food insecurity' }], text: 'Food insecurity' },
      subject: { reference: 'Patient/milan' }, onsetDateTime: '2020-03-01T00:00:00Z',
    };
    const labels = classifyResource(resource);
    expect(labels).toMatchObject({ category: 'social-needs', sensitivity: [], confidentiality: 'R' });
    const { recordId } = storeRecord(c.stMary, { resource, labels: toLabelsBody(labels), patient: milan });
    await c.sync();
    // The wide consent names conditions, not social needs: the provider leaves it out and says why ...
    const sel = selectRecords(c.stMary, { patient: milan.pk, period: { start: -3e12, end: Date.now() + YEAR } }, wide, [...wide.categories]);
    expect(sel.records.map((r) => r.recordId)).not.toContain(recordId);
    expect(sel.excluded).toContainEqual({ recordId, why: 'category social-needs not requested or not consented' });
    // ... and a rogue provider releasing it anyway is refused by the validators.
    refusedByValidators(release('req-rogue-social', wide, [recordId]), /category social-needs is not in the consent/);
    // A consent that names social needs lets it leave.
    const { consentId } = grantConsent(laptop, { grantee: { entity: c.research.identity.blsPublicKey }, purpose: 'HRESCH', categories: ['social-needs'], period: { start: 0, end: Date.now() + YEAR } });
    await c.sync();
    const named = consentNamed(consentId);
    const ok = selectRecords(c.stMary, { patient: milan.pk, period: { start: -3e12, end: Date.now() + YEAR } }, named, [...named.categories]);
    expect(ok.records.map((r) => r.recordId)).toEqual([recordId]);
  });

  it('revoked consent: release and publication are refused by validators, and the entity refuses a hand-built proof', async () => {
    const { consentId } = grantConsent(laptop, { grantee: { entity: c.research.identity.blsPublicKey }, purpose: 'HRESCH', categories: ['condition'], period: { start: 0, end: Date.now() + YEAR } });
    const req = fileShareRequest(c.research, { patient: wide.patient, purpose: 'HRESCH', categories: ['condition'], period: { start: -3e12, end: Date.now() + YEAR } }).requestId;
    await c.sync();
    const consent = consentNamed(consentId);
    const cond = labelled(milan.pk).filter((i) => i.labels.category === 'condition' && i.labels.sensitivity.length === 0).map((i) => i.recordId);
    // While the consent is in force the rogue releases and attests (both compliant)...
    const rel = c.stMary.submitSigned(release(req, consent, cond));
    const r = c.stMary.ledger.state('hospital').get(`release/${req}`) as { root: Uint8Array; count: number; packageHash: Uint8Array };
    const att = c.stMary.submit('hospital', 'records.attest', { requestId: req, packageHash: r.packageHash, consentTx: consent.grantTx, root: r.root, count: r.count });
    expect([rel.status, att.status]).toEqual(['committed', 'committed']);
    // ...then the patient revokes, and the rogue still tries to publish.
    revokeConsent(laptop, consentId);
    await c.sync();
    refusedByValidators(release(`${req}-again`, consent, cond), /was revoked/);
    const evidence = encodeEvidence(buildShareEvidence(c.stMary.ledger, consent.grantTx, att.id));
    const publish = c.stMary.sign('social', 'share.publish', { requestId: req, packageHash: r.packageHash, resourceCount: r.count, key: { epk: new Uint8Array(32), nonce: new Uint8Array(12), ct: new Uint8Array(48) }, evidence });
    refusedByValidators(publish, /was revoked/);
    // The entity fed a hand-built proof (the publication in a block no quorum certified) refuses it.
    const legit = packageFileOf(c.research, legitRequest);
    const { sig: _sig, ...publishTx } = publish;
    const handBuilt: CrossChainProof = { ...buildShareEvidenceProof(consent.grantTx, att.id), publish: { ...legit.proof.publish, tx: publishTx } };
    const v = verifyPackageAs(c.research, { requestId: req, ciphertext: new Uint8Array(randomBytes(256)), proof: handBuilt });
    expect(v).toMatchObject({ ok: false, failed: "request on this entity's social chain" });
    expect(verifyCrossChainProof(c.research.bls, handBuilt, trustOf(c.research), { requestId: req, packageHash: r.packageHash, entity: c.research.identity.blsPublicKey }).ok).toBe(false);
    expect(requestOf(c.research.ledger.state('social'), req)?.status).toBe('open');
  });

  it('expired consent: release and publication are refused by validators, and the entity refuses the proof', async () => {
    // It ended just before the honest package was published (so that publication, too, lies outside it).
    const publishedAt = packageFileOf(c.research, legitRequest).proof.publish.header.time;
    const { consentId } = grantConsent(laptop, { grantee: { entity: c.research.identity.blsPublicKey }, purpose: 'HRESCH', categories: ['condition'], period: { start: 0, end: publishedAt - 1 } });
    const req = fileShareRequest(c.research, { patient: wide.patient, purpose: 'HRESCH', categories: ['condition'], period: { start: -3e12, end: Date.now() + YEAR } }).requestId;
    await c.sync();
    const consent = consentNamed(consentId);
    const cond = labelled(milan.pk).filter((i) => i.labels.category === 'condition' && i.labels.sensitivity.length === 0).map((i) => i.recordId);
    refusedByValidators(release(req, consent, cond), /has expired/);
    // A publication whose evidence names the expired consent (attestation hand-built: nothing compliant could be attested)
    const consentEv = buildShareEvidenceProof(consent.grantTx, null).consent;
    const attestTx = { chain: 'hospital' as const, type: 'records.attest', author: c.stMary.identity.blsPublicKey, nonce: 999_999, time: Date.now(), body: { requestId: req, packageHash: new Uint8Array(32), consentTx: consent.grantTx, root: new Uint8Array(32), count: 1 } };
    const legit = packageFileOf(c.research, legitRequest).proof;
    const evidence = encodeEvidence({ version: PROOF_VERSION, consent: consentEv, attestation: { ...legit.attestation, tx: attestTx }, signature: legit.signature });
    const publish = c.stMary.sign('social', 'share.publish', { requestId: req, packageHash: new Uint8Array(32), resourceCount: 1, key: { epk: new Uint8Array(32), nonce: new Uint8Array(12), ct: new Uint8Array(48) }, evidence });
    refusedByValidators(publish, /has expired/);
    // The entity: a proof built from the genuine certified consent fails on its period.
    const handBuilt: CrossChainProof = { ...legit, consent: consentEv };
    expect(verifyCrossChainProof(c.research.bls, handBuilt, trustOf(c.research), { requestId: legitRequest, packageHash: requestOf(c.research.ledger.state('social'), legitRequest)!.packageHash!, entity: c.research.identity.blsPublicKey })).toEqual({ ok: false, reason: 'package was published outside the consent period' });
  });

  it('a changed byte anywhere in the package file fails verification', () => {
    const bytes = encodePackageFile(packageFileOf(c.research, legitRequest));
    const check = (b: Uint8Array) => {
      try {
        return verifyPackageAs(c.research, decodePackageFile(b)).ok;
      } catch {
        return false;
      }
    };
    expect(check(bytes)).toBe(true);
    const positions = new Set<number>([0, 1, bytes.length - 1]);
    for (let i = 0; i < 160; i++) positions.add(Math.floor((i * bytes.length) / 160));
    for (const p of positions) {
      const b = bytes.slice();
      b[p] ^= 0x01;
      expect(check(b), `byte ${p} of ${bytes.length} changed`).toBe(false);
    }
  }, 120_000);

  /** Consent and attestation evidence from St Mary's chains, as a proof whose publication is filled in by the caller. */
  function buildShareEvidenceProof(consentTx: Uint8Array, attestTx: Uint8Array | null): CrossChainProof {
    const legit = packageFileOf(c.research, legitRequest).proof;
    const ev = buildShareEvidence(c.stMary.ledger, consentTx, attestTx ?? findAttest());
    return { version: PROOF_VERSION, consent: ev.consent, attestation: ev.attestation, publish: legit.publish, signature: legit.signature };
  }

  function findAttest(): Uint8Array {
    return c.stMary.ledger.state('hospital').get(`attest/${legitRequest}`) as Uint8Array;
  }
});

/** What a dishonest quorum could certify: the genuine package plus one record, under an attestation of the new root. */
function withExtraRecord(proof: CrossChainProof, payload: PackagePayload, resource: Record<string, unknown>, labels: PackagePayload['openings'][0]['labels'], patient?: Uint8Array) {
  const consentPatient = (proof.consent.tx.body as { patient: Uint8Array }).patient;
  const salt = new Uint8Array(randomBytes(32));
  const source = new Uint8Array(randomBytes(32));
  const p = structuredClone(payload);
  p.bundle.entry = [...(p.bundle.entry ?? []), { resource }];
  p.openings.push({ salt: toHex(salt), source: toHex(source), labels, version: 1, patient: toHex(patient ?? consentPatient) });
  const leaves = p.openings.map((o, i) =>
    releaseLeafHash({ commitment: releaseCommitment(Buffer.from(o.salt, 'hex'), releasedHash(p.bundle.entry![i].resource), Buffer.from(o.source, 'hex')), labels: o.labels, version: o.version, patient: Buffer.from(o.patient, 'hex') }),
  );
  const forged = structuredClone(proof);
  Object.assign(forged.attestation.tx.body as object, { root: releaseRoot(leaves), count: leaves.length });
  return { proof: forged, payload: p };
}
