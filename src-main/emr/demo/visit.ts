import type { FhirResource } from '../records';

/** A short visit of Milan Beatty at Riverside, written by the demo (synthetic, like the bundles). */
export function riversideVisit(fhirId: string): FhirResource[] {
  const subject = { reference: `Patient/${fhirId}` };
  const encounter = { reference: 'Encounter/riverside-visit-1' };
  return [
    {
      resourceType: 'Encounter',
      id: 'riverside-visit-1',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      type: [{ coding: [{ system: 'http://snomed.info/sct', code: '185349003', display: 'Encounter for check up (procedure)' }], text: 'Encounter for check up (procedure)' }],
      subject,
      period: { start: '2024-03-01T09:00:00Z', end: '2024-03-01T09:30:00Z' },
    },
    {
      resourceType: 'Observation',
      id: 'riverside-bp-1',
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel with all children optional' }], text: 'Blood pressure' },
      subject,
      encounter,
      effectiveDateTime: '2024-03-01T09:10:00Z',
      component: [
        { code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' }] }, valueQuantity: { value: 124, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
        { code: { coding: [{ system: 'http://loinc.org', code: '8462-4', display: 'Diastolic blood pressure' }] }, valueQuantity: { value: 79, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
      ],
    },
    {
      resourceType: 'Observation',
      id: 'riverside-hr-1',
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }], text: 'Heart rate' },
      subject,
      encounter,
      effectiveDateTime: '2024-03-01T09:10:00Z',
      valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    },
  ];
}
