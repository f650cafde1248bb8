/**
 * Writes the chains of a hospital that stored its records one transaction per record (record.anchor,
 * record.link, an enrolment's patient.bind and links, an amendment, an erasure with its unlink, an
 * access log), as JSON: each chain's genesis and blocks in canonical CBOR, hex. Replayed by
 * test/ledger/replay.test.ts: blocks made before batched records and the apply-once ledger
 * (issue 11) must replay to the state roots their headers commit.
 *
 *   npx tsx scripts/make-replay-fixture.ts OUT.json
 *
 * The committed fixture (test/ledger/fixtures/single-record-chains.json) was made by this script
 * run over the code of main at 23733cf, before batches existed (`git archive 23733cf src-main
 * src-shared` beside this script).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalEncode, type Canonical } from '../src-main/codec/canonical';
import { toHex } from '../src-main/codec/hex';
import { createIdentity } from '../src-main/crypto/identity';
import { classifyResource } from '../src-main/emr/classify/index';
import { enrolPatient, makeEnrolmentRequest } from '../src-main/emr/enrol';
import { findPatientByFhirId, registerPatient } from '../src-main/emr/patients';
import { amendRecord, eraseRecord, storeRecord, toLabelsBody, type FhirResource } from '../src-main/emr/records';
import { TrichainNode } from '../src-main/node/node';
import { CHAINS } from '../src-shared/vocabulary';

const out = process.argv[2];
if (!out) throw new Error('usage: tsx scripts/make-replay-fixture.ts OUT.json');

const obs = (i: number): FhirResource => ({
  resourceType: 'Observation', id: `rp-obs-${i}`, status: 'final', subject: { reference: 'Patient/rp' }, effectiveDateTime: `2024-02-${String(1 + i).padStart(2, '0')}`,
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }], text: 'Heart rate' }, valueQuantity: { value: 60 + i, unit: '/min' },
});
const psy: FhirResource = {
  resourceType: 'Condition', id: 'rp-dep', subject: { reference: 'Patient/rp' }, recordedDate: '2023-05-01',
  code: { coding: [{ system: 'http://snomed.info/sct', code: '35489007', display: 'Depressive disorder' }], text: 'Depressive disorder' },
};
const store = (node: TrichainNode, resource: FhirResource, patient: { pk: Uint8Array; x25519: Uint8Array | null }, defer = false) =>
  storeRecord(node, { resource, labels: toLabelsBody(classifyResource(resource)), patient, defer });

const node = await TrichainNode.init(mkdtempSync(join(tmpdir(), 'replay-fixture-')), { role: 'hospital', name: 'Replay General', passphrase: 'replay', found: true, network: 'Replay', scrypt: { N: 2 ** 10 } });
try {
  // before enrolment: anchored under a provisional id, wrapped for the hospital only
  const early = registerPatient(node, { fhirId: 'rp', display: 'Replay Patient', birthYear: 1970 });
  const first = [0, 1, 2].map((i) => store(node, obs(i), early));
  // enrolment: the key registered, the records bound to it and linked
  await enrolPatient(node, { fhirId: 'rp', request: makeEnrolmentRequest(createIdentity({ name: 'patient', role: 'patient' }, node.bls)) });
  const patient = findPatientByFhirId(node, 'rp')!;
  // enrolled: an anchor and a link per record, one record per block and then several per block
  store(node, obs(3), patient);
  store(node, psy, patient);
  for (const i of [4, 5, 6]) store(node, obs(i), patient, true);
  node.commitPending('hospital');
  node.commitPending('patient');
  amendRecord(node, first[0].recordId, { ...obs(0), valueQuantity: { value: 99, unit: '/min' } });
  eraseRecord(node, first[1].recordId, 'entered in error');
  node.submit('hospital', 'access.log', { recordId: first[2].recordId, purpose: 'TREAT' });
  const chains: Record<string, { genesis: string; blocks: string[] }> = {};
  for (const chain of CHAINS) {
    const blocks: string[] = [];
    for (let h = 1; h <= node.ledger.height(chain); h++) blocks.push(toHex(node.ledger.blockBytes(chain, h)!));
    chains[chain] = { genesis: toHex(canonicalEncode(node.ledger.genesis(chain) as unknown as Canonical)), blocks };
  }
  writeFileSync(out, JSON.stringify({ made: 'scripts/make-replay-fixture.ts', chains }, null, 1) + '\n');
  console.log(`wrote ${out}: ${CHAINS.map((c) => `${c} ${chains[c].blocks.length} blocks`).join(', ')}`);
} finally {
  node.close();
}
