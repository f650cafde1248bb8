/** Checks over a hospital node's records for tests: none split between its chains and its local index. */
import { toHex } from '../../src-main/codec/hex';
import type { TrichainNode } from '../../src-main/node/node';
import { createIdentity, type Identity } from '../../src-main/crypto/identity';
import { enrolPatient, makeEnrolmentRequest } from '../../src-main/emr/enrol';
import { groupByPatient, parseBundle } from '../../src-main/emr/fhir/index';

/** Records anchored by this node that lack their patient-chain link (at the anchored version) or their index row. */
export function splitRecords(node: TrichainNode): string[] {
  const split: string[] = [];
  const hasIndex = node.db.prepare('SELECT 1 FROM emr_records WHERE record_id = ?').pluck();
  for (const [key, v] of node.ledger.state('hospital').scan('record/')) {
    if (key.split('/').length !== 2) continue;
    const head = v as unknown as { patient: Uint8Array; version: number; erased: boolean };
    const id = key.slice('record/'.length);
    const link = node.ledger.state('patient').get(`link/${toHex(head.patient)}/${id}`) as { version?: number } | undefined;
    // A record of a patient who has not enrolled yet carries no patient key and is linked at enrolment.
    const forPatient = node.ledger.state('hospital').get(`record/${id}/v/${head.version}/key/patient`) !== undefined;
    if (forPatient && (!link || link.version !== head.version)) split.push(`${id}: no link`);
    if (!hasIndex.get(id)) split.push(`${id}: no index row`);
  }
  return split;
}

/** Enrols the patient of a one-patient bundle at `node`, with keys made as on the patient's laptop: their records are then anchored and linked. */
export async function enrolBundlePatient(node: TrichainNode, bundle: unknown, display = 'Enrolled patient'): Promise<Identity> {
  const fhirId = [...groupByPatient(parseBundle(bundle).resources).byPatient.keys()][0];
  const laptop = createIdentity({ name: 'patient', role: 'patient' }, node.bls);
  await enrolPatient(node, { fhirId, request: makeEnrolmentRequest(laptop), display });
  return laptop;
}
