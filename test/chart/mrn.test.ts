/**
 * Medical record numbers: read from the Patient's identifier typed v2-0203 "MR" on import, kept in
 * the hospital's index, matched by the patient search (LIKE wildcards typed by a person are
 * literal), and filled in for a patient registered before.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TrichainNode } from '../../src-main/node/node';
import { importBundle } from '../../src-main/emr/records';
import { listPatients, mrnOf, registerPatient } from '../../src-main/emr/patients';
import { loadDemoBundles } from '../../src-main/emr/demo/index';
import { tempDir } from '../support/ledger';

const milanBundle = loadDemoBundles().find((b) => b.name.startsWith('Milan'))!.bundle as { entry: { resource: Record<string, unknown> }[] };
const milanPatient = milanBundle.entry.map((e) => e.resource).find((r) => r.resourceType === 'Patient')!;
const MR = (value: string) => ({ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, value });

describe('MRN', () => {
  let node: TrichainNode;
  afterAll(() => node?.close());

  it('is the value of the "MR" identifier, not the SSN or the driver licence', () => {
    expect(mrnOf(milanPatient)).toBe('e78d0ed2-1b54-4c30-90ae-f7405af1e402');
    expect(mrnOf({ identifier: [{ type: { coding: [{ code: 'SS' }] }, value: '999-93-8359' }] })).toBeNull();
    expect(mrnOf({ identifier: [MR('  ')] })).toBeNull();
    expect(mrnOf({})).toBeNull();
  });

  it('is stored on import, found by the search, and filled in for a patient registered without one', async () => {
    node = await TrichainNode.init(tempDir('mrn-'), { role: 'hospital', name: 'St Mary Hospital', passphrase: 'pw', found: true, network: 'Test', scrypt: { N: 2 ** 10 } });
    await importBundle(node, {
      resourceType: 'Bundle', type: 'collection', entry: [
        { resource: { resourceType: 'Patient', id: 'p1', name: [{ given: ['Ada'], family: 'Lovelace' }], identifier: [MR('MRN-000123')] } },
        { resource: { resourceType: 'Patient', id: 'p2', name: [{ given: ['Bo'], family: 'Brown' }], identifier: [MR('MRN-000456')] } },
      ],
    });
    expect(listPatients(node, '000123').map((p) => [p.display, p.mrn])).toEqual([['Ada Lovelace', 'MRN-000123']]);
    expect(listPatients(node, 'mrn-0004').map((p) => p.display)).toEqual(['Bo Brown']);
    expect(listPatients(node, '%')).toEqual([]);
    expect(listPatients(node, '_')).toEqual([]);
    expect(listPatients(node, '').map((p) => p.display)).toEqual(['Ada Lovelace', 'Bo Brown']);

    const before = registerPatient(node, { fhirId: 'p3', display: 'Cy Old', birthYear: null });
    expect(before.mrn).toBeNull();
    expect(registerPatient(node, { fhirId: 'p3', display: 'Cy Old', birthYear: null, mrn: 'MRN-789' }).mrn).toBe('MRN-789');
    expect(listPatients(node, '789').map((p) => p.fhirId)).toEqual(['p3']);
  });
});
