/**
 * A share request for a patient with records at both hospitals of the consortium: a small bundle
 * imported at St Mary, one observation written at Riverside, a research consent from the patient's
 * own laptop, and the institute's request under it (share-workflow and share-per-hospital tests).
 */
import { fromHex } from '../../src-main/codec/hex';
import { classifyResource } from '../../src-main/emr/classify/index';
import { grantConsent } from '../../src-main/emr/consent';
import { importBundle, storeRecord, toLabelsBody } from '../../src-main/emr/records';
import { fileShareRequest } from '../../src-main/emr/share/entity';
import { getMember } from '../../src-main/ledger/rules/members';
import type { Category } from '../../src-main/emr/labels';
import type { Consortium } from './consortium';
import { smallBundle } from './bundles';

const ALL_TIME = { start: 0, end: Date.now() + 365 * 24 * 3600 * 1000 };

/** Files the request (committed and synced everywhere); answers its id. */
export async function requestAtTwoHospitals(c: Consortium, fhirId: string, o: { observations: number; categories: readonly Category[] }): Promise<string> {
  const { patients } = await importBundle(c.stMary, smallBundle(fhirId, o.observations));
  const patient = patients[0];
  await c.sync();
  const laptop = await c.addPatientLaptop(patient, c.stMary);
  const x25519 = getMember(c.riverside.ledger.state('patient'), patient.pk)!.x25519Pk;
  const obs = { resourceType: 'Observation', id: `${fhirId}-riverside-bp`, status: 'final', code: { text: 'Blood pressure' }, subject: { reference: 'Patient/x' }, effectiveDateTime: '2024-03-01' };
  storeRecord(c.riverside, { resource: obs, labels: toLabelsBody(classifyResource(obs)), patient: { pk: patient.pk, x25519 } });
  const granted = grantConsent(laptop, { grantee: { entity: c.research.identity.blsPublicKey }, purpose: 'HRESCH', categories: [...o.categories], period: ALL_TIME });
  await c.sync();
  const { requestId } = fileShareRequest(c.research, { patient: fromHex(granted.key, 48), purpose: 'HRESCH', categories: [...o.categories], period: ALL_TIME });
  await c.sync();
  return requestId;
}
