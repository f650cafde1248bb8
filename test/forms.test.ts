/**
 * The forms' checks are the contract's: what a form refuses before the sign dialog opens is what
 * the node refuses at sign.prepare (src-shared/validation.ts through SignActionSchema).
 */
import { describe, it, expect } from 'vitest';
import { validateRequest } from '../src-shared/api';
import { resourceIssues, todayUtc } from '../src-shared/validation';
import { checkAction, issueAt } from '../src-renderer/src/validate';
import { amendKindOf, buildResource, fieldsOf, patchResource } from '../src-renderer/src/screens/clinician/recordFields';

const PID = 'ab'.repeat(48);

describe('form checks with the contract schema', () => {
  it('a purpose is an HL7 PurposeOfUse code, never free text', () => {
    const base = { entityId: 'e', categories: ['condition'], includeSensitive: [], validUntil: '2999-01-01' };
    expect(checkAction({ method: 'consents.grant', input: { ...base, purpose: 'HRESCH' } }).valid).toBe(true);
    const bad = checkAction({ method: 'consents.grant', input: { ...base, purpose: 'diabetes research' } });
    expect(bad.valid).toBe(false);
    expect(bad.issues.purpose).toMatch(/HL7's PurposeOfUse list/);
  });

  it('"valid until" may not lie in the past; a period starts on or before its end', () => {
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const c = checkAction({ method: 'consents.grant', input: { entityId: 'e', purpose: 'TREAT', categories: ['condition'], validUntil: yesterday } });
    expect(c.issues.validUntil).toMatch(/is in the past/);
    expect(checkAction({ method: 'consents.grant', input: { entityId: 'e', purpose: 'TREAT', categories: ['condition'], validUntil: todayUtc() } }).valid).toBe(true);
    const r = checkAction({ method: 'shares.request', input: { patientId: PID, purpose: 'HRESCH', categories: ['lab'], period: { from: '2024-02-01', to: '2024-01-01' } } });
    expect(r.issues['period.to']).toMatch(/start on or before its end/);
    expect(checkAction({ method: 'shares.request', input: { patientId: 'Milan', purpose: 'HRESCH', categories: ['lab'], period: { from: '2024-01-01', to: '2024-02-01' } } }).issues.patientId).toMatch(/96 hexadecimal/);
  });

  it('no blank code, no blank text, no oversized text, no inverted Period in a record', () => {
    const f = { code: ' ', display: 'Glucose', date: '2024-05-01', value: '5.4', unit: 'mmol/L' };
    const blank = checkAction({ method: 'records.add', input: { patientId: 'p', resource: buildResource('Observation', f, 'Patient/p') } });
    expect(issueAt(blank, 'resource.code')).toBe('a code cannot be blank');
    const huge = checkAction({ method: 'records.add', input: { patientId: 'p', resource: buildResource('Condition', { ...f, code: 'E11', display: 'x'.repeat(200_000) }, 'Patient/p') } });
    expect(issueAt(huge, 'resource.code')).toMatch(/^200,000 characters is too long: the limit is 10,000$/);
    expect(resourceIssues({ resourceType: 'Encounter', period: { start: '2024-02-01', end: '2024-01-01' } })).toEqual([{ path: ['period', 'end'], message: 'the period must start on or before its end' }]);
    expect(resourceIssues({ resourceType: 'Observation', code: { text: '  ' } })[0]).toMatchObject({ path: ['code', 'text'], message: /blank/ });
    // the node refuses the same input through the same schema
    expect(validateRequest('records.add', { patientId: 'p', resource: buildResource('Observation', f, 'Patient/p') })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });

  it('amend forms patch only their fields and keep the resource type and id', () => {
    const obs = { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'Body Weight' }, valueQuantity: { value: 80, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' } };
    expect(amendKindOf('Observation')).toBe('Observation');
    expect(fieldsOf(obs)).toMatchObject({ value: '80', unit: 'kg' });
    const out = patchResource(obs, { ...fieldsOf(obs), value: '81.5' });
    expect(out).toMatchObject({ resourceType: 'Observation', id: 'o1', code: { text: 'Body Weight' }, valueQuantity: { value: 81.5, unit: 'kg', code: 'kg' } });
    expect(obs.valueQuantity.value).toBe(80);

    const cond = { resourceType: 'Condition', id: 'c1', clinicalStatus: { coding: [{ code: 'active' }] }, code: { text: 'Asthma' } };
    expect(patchResource(cond, { ...fieldsOf(cond), status: 'resolved', abatement: '2024-03-01', note: 'resolved after therapy' })).toMatchObject({
      clinicalStatus: { coding: [{ code: 'resolved' }] }, abatementDateTime: '2024-03-01', note: [{ text: 'resolved after therapy' }],
    });
    const med = { resourceType: 'MedicationRequest', id: 'm1', status: 'active', dosageInstruction: [{ sequence: 1, text: '1 tablet' }] };
    expect(amendKindOf('MedicationRequest')).toBe('Medication');
    expect(patchResource(med, { ...fieldsOf(med), status: 'stopped', dosage: '2 tablets' })).toMatchObject({ status: 'stopped', dosageInstruction: [{ sequence: 1, text: '2 tablets' }] });
    const allergy = { resourceType: 'AllergyIntolerance', id: 'a1', code: { text: 'Peanut' } };
    expect(patchResource(allergy, { ...fieldsOf(allergy), criticality: 'high', reaction: 'hives' })).toMatchObject({ criticality: 'high', reaction: [{ manifestation: [{ text: 'hives' }] }] });
    expect(amendKindOf('Patient')).toBeNull();
  });
});
