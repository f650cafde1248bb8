/**
 * The chart's clinical reading (src-main/emr/chart/): values with units, reference ranges and
 * flags; blood pressure from its components; the date from each type's own element, undated items
 * undated; a goal's text; notes decoded from attachments; the summary's problems, medications,
 * allergies, immunizations, vitals, labs and trends, on Milan's Synthea bundle and on hand-made
 * resources.
 */
import { describe, expect, it } from 'vitest';
import { loadDemoBundles } from '../../src-main/emr/demo/index';
import { cardFacts, titleOf } from '../../src-main/emr/chart/facts';
import { attachmentText, clinicalDate, dosageText } from '../../src-main/emr/chart/fhir-read';
import { deriveSummary, type SummaryInput } from '../../src-main/emr/chart/summary';
import { observationValues } from '../../src-main/emr/chart/values';

type R = Record<string, unknown> & { resourceType: string; id?: string };
const milan = (loadDemoBundles().find((b) => b.name.startsWith('Milan'))!.bundle as { entry: { resource: R }[] }).entry.map((e) => e.resource);
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const loinc = (code: string, text: string) => ({ coding: [{ system: 'http://loinc.org', code, display: text }], text });
const vital = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }];
const lab = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }];
const input = (rs: R[]): SummaryInput[] => rs.map((r, i) => ({ recordId: `rec-${r.id ?? i}`, resource: r, facts: cardFacts(r), date: clinicalDate(r)?.date }));

describe('values, units and ranges', () => {
  it('a weight reads with its unit; a blood pressure as systolic/diastolic from its components', () => {
    const weight = milan.find((r) => r.resourceType === 'Observation' && (r.code as { text: string }).text === 'Body Weight')!;
    const [w] = observationValues(weight);
    expect(w.text).toMatch(/^\d+(\.\d)? kg$/);
    expect(w.unit).toBe('kg');
    const bp = milan.find((r) => r.resourceType === 'Observation' && (r.code as { text: string }).text === 'Blood Pressure')!;
    const values = observationValues(bp);
    expect(values.map((v) => v.name)).toEqual(['Diastolic Blood Pressure', 'Systolic Blood Pressure']);
    expect(values.every((v) => v.unit === 'mmHg' && v.range?.source === 'typical')).toBe(true);
    expect(values.map((v) => v.text)).toEqual([expect.stringMatching(/^\d+ mmHg$/), expect.stringMatching(/^\d+ mmHg$/)]);
  });

  it("the record's own range wins over the typical one; out-of-range values are flagged; another unit gets no typical range", () => {
    const glucose = (value: number, extra: Record<string, unknown> = {}, unit = 'mg/dL') => observationValues({ resourceType: 'Observation', code: loinc('2339-0', 'Glucose'), valueQuantity: { value, unit, code: unit }, ...extra })[0];
    expect(glucose(140)).toMatchObject({ text: '140 mg/dL', flag: 'high', range: { low: 70, high: 99, source: 'typical' } });
    expect(glucose(85).flag).toBeUndefined();
    expect(glucose(60).flag).toBe('low');
    const own = glucose(140, { referenceRange: [{ low: { value: 70, unit: 'mg/dL' }, high: { value: 180, unit: 'mg/dL' } }] });
    expect(own.range).toMatchObject({ source: 'record', text: '70–180 mg/dL' });
    expect(own.flag).toBeUndefined();
    expect(glucose(7.8, {}, 'mmol/L').range).toBeUndefined();
    // UCUM codes print as people write them; numbers are rounded to what was measured.
    expect(observationValues({ resourceType: 'Observation', code: loinc('8331-1', 'Oral temperature'), valueQuantity: { value: 37.84321, unit: 'Cel' } })[0].text).toBe('37.8 °C');
  });

  it('a medication dose in words, from its text or its quantity and timing', () => {
    expect(dosageText([{ text: '500 mg twice a day' }])).toBe('500 mg twice a day');
    expect(dosageText([{ timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } }, asNeededBoolean: false, doseAndRate: [{ doseQuantity: { value: 1 } }] }])).toBe('1 dose, once a day');
    expect(dosageText([{ timing: { repeat: { frequency: 3, period: 8, periodUnit: 'h' } }, doseAndRate: [{ doseQuantity: { value: 2, unit: 'tablet' } }], asNeededBoolean: true }])).toBe('2 tablet, 3 times every 8 hours, as needed');
  });
});

describe('dates, goals and notes', () => {
  it("each type's date comes from its own element; a goal without one is undated (never stamped today), and reads as its description", () => {
    const goal = milan.find((r) => r.resourceType === 'Goal')!;
    expect(clinicalDate(goal)).toBeNull();
    expect(cardFacts(goal).undated).toBe(true);
    expect(titleOf(goal)).toBe((goal.description as { text: string }).text);
    expect(titleOf(goal)).not.toBe('Goal');
    const cond = { resourceType: 'Condition', recordedDate: '2020-01-05', onsetDateTime: '2019-12-30', abatementDateTime: '2020-02-01', clinicalStatus: { coding: [{ code: 'resolved' }] }, code: { text: 'Sinusitis' } };
    expect(clinicalDate(cond)).toEqual({ date: '2019-12-30', from: 'onsetDateTime' });
    expect(cardFacts(cond).lines[0]).toBe('resolved · onset 2019-12-30 · resolved 2020-02-01');
    expect(clinicalDate({ resourceType: 'Encounter', period: { start: '2021-03-04T10:00:00Z' } })).toEqual({ date: '2021-03-04T10:00:00Z', from: 'period' });
    expect(clinicalDate({ resourceType: 'DocumentReference', context: { period: { start: '2022-01-01' } } })?.from).toBe('context.period');
    expect(clinicalDate({ resourceType: 'Observation', meta: { lastUpdated: '2024-01-01' } })).toBeNull();
  });

  it('a note is decoded from its base64 attachment (plain text, HTML without its tags); other kinds are named, not shown', () => {
    const doc = { resourceType: 'DocumentReference', date: '2024-05-01', type: { text: 'Progress note' }, content: [{ attachment: { contentType: 'text/plain; charset=utf-8', data: b64('Patient feels better.\r\nContinue metformin — review in 3 months.') } }] };
    const f = cardFacts(doc);
    expect(f.note).toBe('Patient feels better.\nContinue metformin — review in 3 months.');
    expect(f.undated).toBe(false);
    expect(titleOf(doc)).toBe('Progress note');
    expect(attachmentText({ contentType: 'text/html', data: b64('<div><p>BP <b>fine</b></p>&amp; stable</div>') })).toBe('BP fine\n& stable');
    expect(attachmentText({ contentType: 'application/pdf', data: b64('%PDF'), title: 'Scan' })).toBe('[application/pdf attachment “Scan”, not shown as text]');
    expect(attachmentText({ contentType: 'text/plain', data: '***' })).toMatch(/not base64/);
    expect(attachmentText({ url: 'https://example.org/doc/1' })).toMatch(/not stored in this record/);
    expect(cardFacts({ resourceType: 'DiagnosticReport', presentedForm: [{ contentType: 'text/plain', data: b64('Normal chest film.') }] }).note).toBe('Normal chest film.');
    expect(cardFacts({ resourceType: 'Procedure', note: [{ text: 'Tolerated well.' }] }).note).toBe('Tolerated well.');
  });
});

describe('the summary', () => {
  it("Milan's chart: active problems with onset, resolved ones counted, immunizations grouped, vitals and labs latest first, trends", () => {
    const s = deriveSummary(input(milan));
    expect(s.problems.map((p) => p.text).sort()).toEqual(['Anemia (disorder)', 'Major depression disorder', 'Prediabetes']);
    expect(s.problems.find((p) => p.text === 'Prediabetes')?.onset).toBe('1996-11-02');
    expect(s.resolvedProblems).toBe(2);
    expect(s.goals.map((g) => g.text)).toContain('Hemoglobin A1c total in Blood < 7.0');
    const flu = s.immunizations.find((i) => /Influenza/.test(i.text))!;
    expect(flu.doses).toBeGreaterThan(1);
    const weight = s.vitals.find((v) => v.name === 'Body Weight')!;
    expect(weight.values[0].text).toMatch(/ kg$/);
    const weights = milan.filter((r) => (r.code as { text?: string } | undefined)?.text === 'Body Weight').map((r) => r.effectiveDateTime as string).sort();
    expect(weight.date).toBe(weights.at(-1));
    expect(s.labs.some((l) => l.name.startsWith('Hemoglobin A1c') && l.values[0].unit === '%')).toBe(true);
    const trend = s.trends.find((t) => t.name === 'Body Weight')!;
    expect(trend.points.length).toBe(weights.length);
    expect(trend.points.map((p) => p.date)).toEqual([...trend.points.map((p) => p.date)].sort());
    expect(s.trends.some((t) => t.name === 'Systolic Blood Pressure' && t.unit === 'mmHg')).toBe(true);
  });

  it('the newest record of a medication decides; allergies without a resolved status; vitals apart from labs', () => {
    const med = (id: string, status: string, authoredOn: string): R => ({ resourceType: 'MedicationRequest', id, status, authoredOn, medicationCodeableConcept: { text: 'Metformin 500 MG' }, dosageInstruction: [{ text: '500 mg twice a day' }] });
    const s = deriveSummary(input([
      med('a', 'active', '2020-01-01'), med('b', 'stopped', '2021-01-01'),
      { resourceType: 'MedicationStatement', id: 'c', status: 'active', effectiveDateTime: '2022-02-02', medicationCodeableConcept: { text: 'Lisinopril 10 MG' }, dosage: [{ text: '10 mg daily' }] },
      { resourceType: 'AllergyIntolerance', id: 'd', clinicalStatus: { coding: [{ code: 'active' }] }, code: { text: 'Penicillin' }, criticality: 'high', reaction: [{ manifestation: [{ text: 'Hives' }] }] },
      { resourceType: 'AllergyIntolerance', id: 'e', clinicalStatus: { coding: [{ code: 'resolved' }] }, code: { text: 'Peanut' } },
      { resourceType: 'Observation', id: 'f', category: vital, code: loinc('8867-4', 'Heart rate'), effectiveDateTime: '2024-01-01', valueQuantity: { value: 120, unit: '/min' } },
      { resourceType: 'Observation', id: 'g', category: lab, code: loinc('2339-0', 'Glucose'), effectiveDateTime: '2024-01-02', valueQuantity: { value: 90, unit: 'mg/dL' } },
    ]));
    expect(s.medications).toEqual([{ recordId: 'rec-c', text: 'Lisinopril 10 MG', dose: '10 mg daily', since: '2022-02-02', status: 'active' }]);
    expect(s.allergies).toEqual([{ recordId: 'rec-d', text: 'Penicillin', criticality: 'high', reaction: 'Hives' }]);
    expect(s.vitals.map((v) => [v.name, v.values[0].flag])).toEqual([['Heart rate', 'high']]);
    expect(s.labs.map((v) => [v.name, v.values[0].flag])).toEqual([['Glucose', undefined]]);
  });
});
