/**
 * The patient's audit trail beyond what the chains write by themselves (issue 11): an import and a
 * record added before the patient enrolled are kept on the hospital and written into the trail when
 * they enrol, with their counts and dates; a share request, filed on the social chain under the
 * key the patient made for that grantee, reaches the patient's own laptop (which holds only the
 * patient chain) once, naming the entity that asked; a patient unknown here gets nothing kept.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { makeConsortium, type Consortium } from '../support/consortium';
import { importBundle, storeRecord, toLabelsBody } from '../../src-main/emr/records';
import { classifyResource } from '../../src-main/emr/classify/index';
import { auditImport, auditSentence, mirrorAudit, patientAudit } from '../../src-main/emr/audit';
import { auditShareRequests, writesRequestAudit } from '../../src-main/emr/share/request-audit';
import { grantConsent } from '../../src-main/emr/consent';
import { fileShareRequest } from '../../src-main/emr/share/entity';
import { fromHex } from '../../src-main/codec/hex';
import type { PatientEntry } from '../../src-main/emr/patients';
import type { TrichainNode } from '../../src-main/node/node';
import { auditView } from '../../src-main/app/views';

const BUNDLES = join(__dirname, '..', '..', 'src-main', 'emr', 'demo', 'bundles');
const bundle = (prefix: string) => JSON.parse(readFileSync(join(BUNDLES, readdirSync(BUNDLES).find((f) => f.startsWith(prefix))!), 'utf8'));
const kept = (n: TrichainNode) => n.db.prepare("SELECT COUNT(*) FROM meta WHERE key LIKE 'audit-kept/%'").pluck().get() as number;
const sentence = (e: Parameters<typeof auditSentence>[0]) => auditSentence(e, (v) => String(v));

describe('audit trail: kept until enrolment, requests in the patient\'s own trail', () => {
  let c: Consortium;
  let patient: PatientEntry;
  let imported: number;
  let laptop: TrichainNode;

  beforeAll(async () => {
    c = await makeConsortium();
    const r = await importBundle(c.stMary, bundle('Clemente'));
    patient = r.patients[0];
    imported = r.recordsByPatient[0];
    auditImport(c.stMary, r);
    await c.sync();
  }, 120_000);
  afterAll(() => c?.close());

  it('keeps the entries of a patient who has not enrolled (no place on the patient chain yet), and nothing for an unknown one', async () => {
    expect(kept(c.stMary)).toBe(1);
    // This hospital's staff see what it keeps, marked as kept here (on no chain yet).
    const here = patientAudit(c.stMary, patient.pk);
    expect(here.map((e) => [e.kind, e.kept, e.actorName])).toEqual([['records.imported', true, 'St Mary Hospital']]);
    expect(sentence(here[0])).toMatch(new RegExp(`^St Mary Hospital imported ${imported} records \\(on \\d{4}-\\d{2}-\\d{2}, before enrolment\\)$`));
    expect(auditView(here[0], 'p', 0)).toMatchObject({ action: 'import', detail: expect.stringMatching(/^Kept at this hospital until the patient enrols/) });
    expect(auditView(here[0], 'p', 0).chain).toBeUndefined();
    // Another hospital keeps nothing for them.
    expect(patientAudit(c.riverside, patient.pk)).toEqual([]);
    expect(mirrorAudit(c.stMary, randomBytes(48), 'records.imported', { organization: 'x', records: 1 })).toBe(false);
    expect(kept(c.stMary)).toBe(1);
    // A record added here before enrolment is kept too.
    const obs = { resourceType: 'Observation', id: 'kept-obs-1', status: 'final', code: { text: 'Heart rate' }, subject: { reference: 'Patient/x' }, effectiveDateTime: '2024-03-01' };
    storeRecord(c.stMary, { resource: obs, labels: toLabelsBody(classifyResource(obs)), patient: { pk: patient.pk, x25519: patient.x25519 } });
    expect(mirrorAudit(c.stMary, patient.pk, 'record.added', { organization: 'St Mary Hospital', resourceType: 'Observation' })).toBe(true);
    expect(kept(c.stMary)).toBe(2);
    await c.sync();
  });

  it('writes them into the trail when the patient enrols, with the count and the day, and forgets them', async () => {
    laptop = await c.addPatientLaptop(patient, c.stMary);
    await c.sync();
    expect(kept(c.stMary)).toBe(0);
    const trail = patientAudit(laptop, patient.pk);
    const words = trail.map(sentence);
    const day = '\\d{4}-\\d{2}-\\d{2}';
    expect(words).toContainEqual(expect.stringMatching(new RegExp(`^St Mary Hospital imported ${imported} records \\(on ${day}, before enrolment\\)$`)));
    expect(words).toContainEqual(expect.stringMatching(new RegExp(`^St Mary Hospital added an observation record \\(on ${day}, before enrolment\\)$`)));
    expect(trail.filter((e) => e.kind === 'records.imported')).toHaveLength(1);
    // At the hospital too, once: from the chain now, no longer kept.
    await c.sync();
    const atHospital = patientAudit(c.stMary, patient.pk).filter((e) => e.kind === 'records.imported');
    expect(atHospital.map((e) => e.kept)).toEqual([undefined]);
  });

  it("writes a share request into the patient's own trail once, naming the entity that asked", async () => {
    expect(writesRequestAudit(c.stMary)).toBe(true); // the patient chain's only validator
    expect(writesRequestAudit(c.riverside)).toBe(false);
    const granted = grantConsent(laptop, { grantee: { entity: c.research.identity.blsPublicKey }, purpose: 'HRESCH', categories: ['condition'], period: { start: 0, end: Date.now() + 1e10 } });
    await c.sync();
    fileShareRequest(c.research, { patient: fromHex(granted.key, 48), purpose: 'HRESCH', categories: ['condition'], period: { start: 0, end: Date.now() } });
    await c.sync();
    expect(auditShareRequests(c.riverside)).toBe(0);
    expect(auditShareRequests(c.stMary)).toBe(1);
    expect(auditShareRequests(c.stMary)).toBe(0); // read once: the next step starts after it
    await c.sync();
    const requested = patientAudit(laptop, patient.pk).filter((e) => e.kind === 'share.requested');
    expect(requested).toHaveLength(1);
    expect(requested[0]).toMatchObject({ actorName: 'Institute for Outcomes Research', actorRole: 'entity', recordedBy: 'St Mary Hospital' });
    expect(sentence(requested[0])).toBe('Institute for Outcomes Research asked for records for Healthcare research (HRESCH)');
  });
});
