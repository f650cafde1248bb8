/**
 * Issue 11: many records per transaction. An import stores a patient's records in batches, one
 * record.anchorBatch (hospital chain) and one record.linkBatch (patient chain) per batch, each
 * record with its own data key; every entry passes every check a single record.anchor passes, and
 * one bad entry refuses the whole transaction with the entry named, storing nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { toHex } from '../../src-main/codec/hex';
import type { Identity } from '../../src-main/crypto/identity';
import { txId } from '../../src-main/ledger/encoding';
import type { TxBody } from '../../src-main/ledger/rules/index';
import { MAX_RECORD_BATCH } from '../../src-main/ledger/rules/schemas';
import type { SignedTx } from '../../src-main/ledger/types';
import { heldSteps } from '../../src-main/node/acts';
import { TrichainNode } from '../../src-main/node/node';
import { classifyResource } from '../../src-main/emr/classify/index';
import { findPatientByFhirId } from '../../src-main/emr/patients';
import { recordAad, unwrapWith } from '../../src-main/emr/record-crypto';
import { importBundle, patientRecordIds, readRecord, recordIdFor, recordInfo, toLabelsBody, type FhirResource } from '../../src-main/emr/records';
import { storeRecords } from '../../src-main/emr/store-batch';
import { smallBundle } from '../support/bundles';
import { tempDir } from '../support/ledger';
import { enrolBundlePatient, splitRecords } from '../support/records';

const rnd = (n: number) => new Uint8Array(randomBytes(n));
const obs = (id: string, patient = 'bp'): FhirResource => ({ resourceType: 'Observation', id, status: 'final', code: { text: 'Heart rate' }, subject: { reference: `Patient/${patient}` }, valueQuantity: { value: 60, unit: '/min' } });

function txsOf(node: TrichainNode, chain: 'hospital' | 'patient'): SignedTx[] {
  const out: SignedTx[] = [];
  for (let h = 1; h <= node.ledger.height(chain); h++) out.push(...node.ledger.block(chain, h)!.txs);
  return out;
}

/** A well-formed anchor entry (the rules check no ciphertext). */
function entry(node: TrichainNode, r: FhirResource, version = 1): TxBody<'hospital', 'record.anchorBatch'>['entries'][number] {
  const wk = () => ({ epk: rnd(32), nonce: rnd(12), ct: rnd(48) });
  return { recordId: recordIdFor(node.identity.blsPublicKey, r), version, resourceType: r.resourceType, contentHash: rnd(32), blobHash: rnd(32), size: 10, labels: toLabelsBody(classifyResource(r)), keys: { org: wk(), patient: wk() } };
}

describe('batched record transactions', () => {
  let node: TrichainNode;
  let laptop: Identity;
  beforeEach(async () => {
    node = await TrichainNode.init(tempDir('batch-'), { role: 'hospital', name: 'Batch General', passphrase: 'pw', found: true, scrypt: { N: 2 ** 10 } });
    laptop = await enrolBundlePatient(node, smallBundle('bp', 0));
  });
  afterEach(() => node.close());

  it('an import of 31 records in batches of 12 is three anchor batches and three link batches; every record anchored, linked, indexed, readable', async () => {
    const r = await importBundle(node, smallBundle('bp', 30), { batch: 12 });
    expect(r.records + r.skipped).toBe(31);
    const hospital = txsOf(node, 'hospital').map((t) => t.type);
    const patient = txsOf(node, 'patient').map((t) => t.type);
    expect(hospital.filter((t) => t === 'record.anchorBatch')).toHaveLength(3);
    expect(patient.filter((t) => t === 'record.linkBatch')).toHaveLength(3);
    expect(hospital).not.toContain('record.anchor');
    expect(patient).not.toContain('record.link');
    expect(splitRecords(node)).toEqual([]);
    const ids = patientRecordIds(node, laptop.blsPublicKey);
    expect(ids).toHaveLength(31);
    const anchors = new Map(txsOf(node, 'hospital').filter((t) => t.type === 'record.anchorBatch').map((t) => [toHex(txId(t)), t]));
    const keys: string[] = [];
    for (const id of ids) {
      const info = recordInfo(node, id);
      // the version names its batch, and the batch carries it
      const batch = anchors.get(toHex(info.meta.tx))!;
      expect((batch.body.entries as { recordId: string }[]).map((e) => e.recordId)).toContain(id);
      const link = node.ledger.state('patient').get(`link/${toHex(laptop.blsPublicKey)}/${id}`) as { anchorTx: Uint8Array; version: number; patientKey: unknown };
      expect(toHex(link.anchorTx)).toBe(toHex(info.meta.tx));
      expect(readRecord(node, id).resource.id).toBe(id.split('.').slice(2).join('.'));
      // each record its own data key, the same for the organization and the patient
      const aad = recordAad(id, 1);
      const mine = unwrapWith(node.identity.x25519SecretKey, node.ledger.state('hospital').get(`record/${id}/v/1/key/${node.publicKeyHex}`), aad);
      expect(toHex(unwrapWith(laptop.x25519SecretKey, link.patientKey, aad))).toBe(toHex(mine));
      keys.push(toHex(mine));
    }
    expect(new Set(keys).size).toBe(31);
    // a batch's wrapped keys share one ephemeral key, and each opens only for its own record
    const [a, b] = (anchors.values().next().value!.body.entries as { recordId: string; keys: { org: { epk: Uint8Array; nonce: Uint8Array } } }[]);
    expect(toHex(a.keys.org.epk)).toBe(toHex(b.keys.org.epk));
    expect(toHex(a.keys.org.nonce)).not.toBe(toHex(b.keys.org.nonce));
    expect(() => unwrapWith(node.identity.x25519SecretKey, a.keys.org, recordAad(b.recordId, 1))).toThrow(/cannot unwrap/);
    expect(node.db.prepare('SELECT COUNT(*) FROM emr_records').pluck().get()).toBe(31);
  });

  it('one bad entry refuses the whole batch, naming it, and stores nothing', async () => {
    await importBundle(node, smallBundle('bp', 2));
    const patient = findPatientByFhirId(node, 'bp')!;
    const count = (sql: string) => node.db.prepare(sql).pluck().get();
    const before = { blobs: count('SELECT COUNT(*) FROM blobs'), index: count('SELECT COUNT(*) FROM emr_records'), outbox: node.outbox().length, height: node.ledger.height('hospital') };
    const items = [obs('bp-new-1'), obs('bp-obs-1'), obs('bp-new-2')].map((resource) => ({ resource, labels: toLabelsBody(classifyResource(resource)) }));
    const existing = recordIdFor(node.identity.blsPublicKey, obs('bp-obs-1'));
    expect(() => storeRecords(node, { items, patient })).toThrow(`entry 1 (${existing}): record ${existing} already exists; amend it with version 2`);
    expect(() => storeRecords(node, { items: [items[0], items[2], items[0]], patient })).toThrow(/entry 2 \(.*bp-new-1\): record .* appears twice in the batch/);
    expect({ blobs: count('SELECT COUNT(*) FROM blobs'), index: count('SELECT COUNT(*) FROM emr_records'), outbox: node.outbox().length, height: node.ledger.height('hospital') }).toEqual(before);
    expect(node.mempool('hospital')).toEqual([]);
    expect(heldSteps(node)).toEqual([]);
    expect(node.ledger.state('hospital').get(`record/${recordIdFor(node.identity.blsPublicKey, obs('bp-new-1'))}`)).toBeUndefined();
  });

  it('every per-record check applies to each entry; the schema bounds the batch', () => {
    const org = node.identity.blsPublicKey;
    const pk = laptop.blsPublicKey;
    const anchor = (entries: TxBody<'hospital', 'record.anchorBatch'>['entries'], over: Partial<TxBody<'hospital', 'record.anchorBatch'>> = {}) => () => node.submit('hospital', 'record.anchorBatch', { org, patient: pk, entries, ...over }, { defer: true });
    const good = entry(node, obs('c-1'));
    expect(anchor([good, { ...entry(node, obs('c-2')), blobHash: rnd(31) }])).toThrow(/malformed record\.anchorBatch: entries\.1\.blobHash: expected 32 bytes/);
    expect(anchor([])).toThrow(/entries/);
    expect(anchor(Array.from({ length: MAX_RECORD_BATCH + 1 }, (_, i) => entry(node, obs(`m-${i}`))))).toThrow(/malformed record\.anchorBatch: entries/);
    expect(anchor([good, entry(node, obs('c-3'), 2)])).toThrow(/entry 1 \(.*c-3\): record .* does not exist/);
    expect(anchor([good], { org: rnd(48) })).toThrow(/anchor record: author does not act for that organization/);
    // a sensitivity label cannot be dropped by an amendment inside a batch either
    node.submit('hospital', 'record.anchorBatch', { org, patient: pk, entries: [{ ...good, labels: { ...good.labels, sensitivity: ['PSY'], confidentiality: 'R' } }] });
    expect(anchor([{ ...good, version: 2 }])).toThrow(/entry 0 \(.*c-1\): labels can only be raised/);
    // links: only for a registered patient, only by someone acting for the organization
    const link = { recordId: good.recordId, version: 1, anchorTx: rnd(32), resourceType: 'Observation', blobHash: rnd(32), contentHash: rnd(32), patientKey: good.keys.patient!, category: 'observation' };
    expect(() => node.submit('patient', 'record.linkBatch', { patient: rnd(48), org, entries: [link] })).toThrow(/link records: patient is not registered/);
    expect(() => node.submit('patient', 'record.linkBatch', { patient: pk, org: rnd(48), entries: [link] })).toThrow(/does not act for that organization/);
    expect(() => node.submit('patient', 'record.linkBatch', { patient: pk, org, entries: [link, link] })).toThrow(/entry 1 .* appears twice/);
    expect(node.submit('patient', 'record.linkBatch', { patient: pk, org, entries: [link] }).status).toBe('committed');
    expect(node.ledger.state('patient').get(`link/${toHex(pk)}/${good.recordId}`)).toMatchObject({ recordId: good.recordId, patient: pk, org, category: 'observation' });
  });

  it('a patient who has not enrolled gets anchor batches only, wrapped for the organization; enrolment links them', async () => {
    const r = await importBundle(node, smallBundle('later', 5));
    expect(r.records).toBe(6);
    const pk = findPatientByFhirId(node, 'later')!.pk;
    expect(txsOf(node, 'patient').filter((t) => t.type === 'record.linkBatch')).toHaveLength(0);
    for (const id of patientRecordIds(node, pk)) expect(node.ledger.state('hospital').get(`record/${id}/v/1/key/patient`)).toBeUndefined();
    const later = await enrolBundlePatient(node, smallBundle('later', 0));
    expect(splitRecords(node)).toEqual([]);
    expect(node.ledger.state('patient').scan(`link/${toHex(later.blsPublicKey)}/`)).toHaveLength(6);
  });
});
