import { describe, expect, it } from 'vitest';
import { explainLabel, explainReason, labelWithCode, labelWords, systemName } from '../../src-shared/explain';
import { CATEGORIES, CATEGORY_WORDS, CONFIDENTIALITY_ORDER, CONFIDENTIALITY_WORDS, SENSITIVITY_CODES, SENSITIVITY_WORDS } from '../../src-shared/vocabulary';
import { classifyResource } from '../../src-main/emr/classify';

describe('words, not codes', () => {
  it('every code of the three vocabularies has words and an HL7 display', () => {
    for (const c of SENSITIVITY_CODES) {
      expect(SENSITIVITY_WORDS[c].words, c).toMatch(/^[A-Z]/);
      expect(SENSITIVITY_WORDS[c].display, c).not.toBe('');
      expect(labelWords(c)).not.toBe(c);
    }
    for (const c of CONFIDENTIALITY_ORDER) expect(CONFIDENTIALITY_WORDS[c].words).toMatch(/^[A-Z]/);
    for (const c of CATEGORIES) expect(CATEGORY_WORDS[c]).toMatch(/^[A-Z]/);
    // HL7 displays, verbatim from v3-ActCode / v3-Confidentiality.
    expect(SENSITIVITY_WORDS.SDV.display).toBe('sexual assault, abuse, or domestic violence information sensitivity');
    expect(SENSITIVITY_WORDS.GDIS.display).toBe('genetic disease information sensitivity');
    expect(CONFIDENTIALITY_WORDS.V.display).toBe('very restricted');
  });

  it('words with the code beside them; unknown codes pass through', () => {
    expect(labelWithCode('PSY')).toBe('Mental health (PSY)');
    expect(labelWithCode('category:lab')).toBe('Laboratory results (lab)');
    expect(labelWithCode('R')).toBe('Restricted (R)');
    expect(labelWithCode('SICKVIS')).toBe('SICKVIS');
    expect(systemName('http://snomed.info/sct')).toBe('SNOMED CT');
    expect(systemName('http://example.org/fhir/CodeSystem/local')).toBe('local');
  });

  it('text evidence reads as "the procedure\'s reason mentions …"', () => {
    const proc = { resourceType: 'Procedure', id: 'p', status: 'completed', code: { text: 'Counselling' }, reasonCode: [{ text: 'Recurrent depression' }] };
    const labels = classifyResource(proc);
    const r = labels.reasons.find((x) => x.label === 'PSY')!;
    expect(r.path).toMatch(/^reasonCode/); // the raw path stays for staff
    expect(explainReason(r, { resourceType: 'Procedure' })).toBe('The procedure\'s reason mentions “depression”.');
    expect(explainLabel(r, { resourceType: 'Procedure' })).toBe('Mental health (PSY): The procedure\'s reason mentions “depression”.');
    // No JSON path and no rule id in the sentence.
    for (const x of labels.reasons) {
      const s = explainReason(x, { resourceType: 'Procedure' });
      expect(s).not.toContain(x.rule);
      expect(s).not.toMatch(/\[\d+\]|\.coding|reasonCode/);
    }
  });

  it('code evidence names the code system, the code and its display', () => {
    const cond = { resourceType: 'Condition', id: 'c', code: { coding: [{ system: 'http://snomed.info/sct', code: '86406008', display: 'Human immunodeficiency virus infection' }] } };
    const r = classifyResource(cond).reasons.find((x) => x.label === 'HIV' && x.code)!;
    expect(explainReason(r, { resourceType: 'Condition' })).toBe('The condition\'s code is SNOMED CT 86406008 “Human immunodeficiency virus infection”, a code for HIV and AIDS.');
  });

  it('confidentiality, default, reference and clinician reasons are sentences too', () => {
    expect(explainReason({ label: 'R', rule: 'confidentiality-from-sensitivity', text: 'PSY,BH' })).toBe('Restricted, because it holds mental health and behavioral health information.');
    expect(explainReason({ label: 'N', rule: 'default', text: 'no sensitivity code' })).toBe('Normal: nothing sensitive was found in it.');
    expect(explainReason({ label: 'PSY', rule: 'reference', text: 'Condition/c1', path: 'diagnosis[0].diagnosisReference' }, { resourceType: 'Claim' }))
      .toBe('The claim\'s diagnosis points to a condition that holds mental health information.');
    expect(explainReason({ label: 'SDV', rule: 'clinician-raise', text: 'Dr. Example' })).toBe('Raised by Dr. Example.');
    expect(explainReason({ label: 'category:medication', rule: 'category-by-type', text: 'MedicationRequest' })).toBe('It is a MedicationRequest record, filed under medications.');
  });
});
