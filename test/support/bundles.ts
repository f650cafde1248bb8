/** Small synthetic FHIR bundles for tests that need a few patients with records (no identifiers of real people). */
export function smallBundle(patientId: string, observations: number, opts: { psy?: boolean } = {}): unknown {
  const entry: { resource: Record<string, unknown> }[] = [
    { resource: { resourceType: 'Patient', id: patientId, name: [{ given: ['Test'], family: `Patient ${patientId}` }], birthDate: '1970-01-01', gender: 'other' } },
  ];
  for (let i = 0; i < observations; i++) {
    entry.push({
      resource: {
        resourceType: 'Observation', id: `${patientId}-obs-${i}`, status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }], text: 'Heart rate' },
        subject: { reference: `Patient/${patientId}` }, effectiveDateTime: `2024-01-${String(1 + (i % 28)).padStart(2, '0')}`,
        valueQuantity: { value: 60 + i, unit: '/min' },
      },
    });
  }
  if (opts.psy) {
    entry.push({
      resource: {
        resourceType: 'Condition', id: `${patientId}-dep`, subject: { reference: `Patient/${patientId}` },
        code: { coding: [{ system: 'http://snomed.info/sct', code: '35489007', display: 'Depressive disorder' }], text: 'Depressive disorder' },
        recordedDate: '2023-05-01',
      },
    });
  }
  return { resourceType: 'Bundle', type: 'collection', entry };
}
