/**
 * Medical records on a hospital node (DESIGN.md §3): each FHIR resource is encrypted under its own
 * data key; the ciphertext goes to the blob store; the hospital chain gets the content hash, the
 * labels and the key wrapped for the patient and the authoring organization, signed by the
 * author; the patient chain gets the link that indexes the patient's records across hospitals.
 * Amendments are new versions linked to the old; erasure is crypto-shredding.
 */
import type { TxBody } from '../ledger/rules/index';
import { canonicalDecode } from '../codec/canonical';
import { toHex } from '../codec/hex';
import { txId } from '../ledger/encoding';
import type { SignedTx } from '../ledger/types';
import type { ActStep } from '../node/acts';
import { contentHash } from '../crypto/hash';
import { BlobCorruptError } from '../storage/blobs';
import { recordHead, recordVersion, type LabelsBody, type RecordHead, type RecordVersion } from '../ledger/rules/hospital';
import { consentOf } from '../ledger/rules/patient';
import { getMember } from '../ledger/rules/members';
import { TxRejected } from '../ledger/rules/types';
import type { TrichainNode } from '../node/node';
import { classifyResource, classifyResources } from './classify/index';
import { groupByPatient, parseBundle } from './fhir/index';
import { mrnOf, registerPatient, type PatientEntry } from './patients';
import { openBlob, recordAad, resourceBytes, sealBlob, unwrapWith, wrapFor } from './record-crypto';
import { confidentialityRank } from './labels';
import { forgetRecord, seedEntry } from './chart/cache';
import { makeEntry } from './chart/entry';

import type { FhirResource } from '../../src-shared/vocabulary';
import { NotFound } from '../ledger/errors';
import { indexRecord, recordIdFor, requireHospital, RecordError, summarize, toLabelsBody, type StoreResult } from './record-index';
import { storeRecords } from './store-batch';
import { MAX_RECORD_BATCH } from '../ledger/rules/schemas';
export type { FhirResource };
export { effectiveDate, recordIdFor, RecordError, summarize, toLabelsBody, type StoreResult } from './record-index';

/** A record this node may read whose ciphertext is missing or was corrupt here (the daemon fetches it from a peer). */
/** The record is known but its content is not on this node (yet): the API answers UNAVAILABLE. */
export class RecordUnavailable extends RecordError {
  readonly code = 'UNAVAILABLE';
}

/**
 * Encrypts and anchors one resource version, links it in the patient's index: one act
 * (node/acts.ts). The ciphertext, the signed anchor, the signed link (held until the anchor
 * commits) and the local index row are written in one SQLite transaction, so a crash at any point
 * leaves the whole record or nothing, and a record interrupted after that resumes when the node
 * opens. Throws TxRejected (nothing stored) when a chain's rules refuse either step.
 *
 * `patient.x25519` is null while the patient has not enrolled: the data key is then wrapped for
 * this organization only, and the record is linked to the patient's index at enrolment.
 */
export function storeRecord(node: TrichainNode, a: { resource: FhirResource; labels: LabelsBody; patient: Pick<PatientEntry, 'pk' | 'x25519'>; version?: number; defer?: boolean }): StoreResult {
  requireHospital(node);
  const org = node.identity.blsPublicKey;
  const recordId = recordIdFor(org, a.resource);
  const version = a.version ?? 1;
  const aad = recordAad(recordId, version);
  const plain = resourceBytes(a.resource);
  const sealed = sealBlob(plain, aad);
  const blobHash = contentHash(sealed.blob);
  const patientKey = a.patient.x25519 ? wrapFor(a.patient.x25519, sealed.dataKey, aad) : null;
  const keys = { ...(patientKey ? { patient: patientKey } : {}), org: wrapFor(node.identity.x25519PublicKey, sealed.dataKey, aad) };
  sealed.dataKey.fill(0);
  const steps: ActStep[] = [
    { chain: 'hospital', type: 'record.anchor', body: { recordId, version, patient: a.patient.pk, org, resourceType: a.resource.resourceType, contentHash: sealed.contentHash, blobHash, size: sealed.blob.length, labels: a.labels, keys } },
  ];
  if (patientKey) {
    steps.push({ chain: 'patient', type: 'record.link', body: ([anchorTx]) => ({ patient: a.patient.pk, recordId, version, org, anchorTx, resourceType: a.resource.resourceType, blobHash, contentHash: sealed.contentHash, patientKey, category: a.labels.category }) });
  }
  const [anchor] = node.submitAct(steps, {
    defer: a.defer,
    local: () => {
      node.blobs.put(sealed.blob);
      indexRecord(node, recordId, a.patient.pk, a.resource, version);
    },
  });
  // This node holds the plaintext now: its chart opens without decrypting it again (the same
  // object a read would give: the stored bytes parsed back).
  seedEntry(node, { recordId, version, contentHash: toHex(sealed.contentHash) }, makeEntry(JSON.parse(new TextDecoder().decode(plain)) as FhirResource, a.labels));
  return { recordId, version, anchorTx: txId(anchor) };
}

/**
 * A record anchored by this node whose patient-chain link or local index row is missing (stored
 * before acts existed, or its link refused): re-links it from what the hospital chain holds and
 * re-indexes it. Idempotent; a link already on the chain, in the mempool or held is not sent again.
 */
export function completeRecord(node: TrichainNode, recordId: string, resource?: FhirResource): 'complete' | 'repaired' {
  const info = recordInfo(node, recordId);
  let repaired = false;
  if (resource && !node.db.prepare('SELECT 1 FROM emr_records WHERE record_id = ?').pluck().get(recordId)) {
    indexRecord(node, recordId, info.patient, resource, info.version);
    repaired = true;
  }
  if (info.erased || !node.ledger.hasGenesis('patient')) return repaired ? 'repaired' : 'complete';
  const link = node.ledger.state('patient').get(`link/${toHex(info.patient)}/${recordId}`) as { version?: number } | undefined;
  if (link && link.version === info.version) return repaired ? 'repaired' : 'complete';
  if (linkPending(node, recordId, info.version)) return repaired ? 'repaired' : 'complete';
  const patientKey = node.ledger.state('hospital').get<TxBody<'patient', 'record.link'>['patientKey']>(`record/${recordId}/v/${info.version}/key/patient`);
  if (!patientKey) return repaired ? 'repaired' : 'complete';
  node.submit('patient', 'record.link', {
    patient: info.patient, recordId, version: info.version, org: info.org, anchorTx: info.meta.tx, resourceType: info.resourceType,
    blobHash: info.meta.blobHash, contentHash: info.meta.contentHash, patientKey, category: info.labels.category,
  }, { defer: true });
  return 'repaired';
}

/** A record.link for this record version waiting in the held steps, the mempool or the outbox. */
function linkPending(node: TrichainNode, recordId: string, version: number): boolean {
  const rows = [
    ...(node.db.prepare("SELECT bytes FROM held_txs WHERE chain = 'patient'").pluck().all() as Buffer[]),
    ...(node.db.prepare("SELECT bytes FROM mempool WHERE chain = 'patient'").pluck().all() as Buffer[]),
    ...(node.db.prepare("SELECT bytes FROM outbox WHERE chain = 'patient' AND status IN ('pending', 'submitted')").pluck().all() as Buffer[]),
  ];
  return rows.some((b) => {
    const tx = canonicalDecode(new Uint8Array(b)) as unknown as SignedTx;
    const entries: { recordId?: unknown; version?: unknown }[] = tx.type === 'record.link' ? [tx.body] : tx.type === 'record.linkBatch' ? (tx.body.entries as { recordId: string; version: number }[]) : [];
    return entries.some((e) => e.recordId === recordId && e.version === version);
  });
}

export interface ImportProgress {
  done: number;
  total: number;
  patient?: string;
}

export interface ImportResult {
  patients: PatientEntry[];
  records: number;
  /** How many records were stored for each of `patients`, in the same order. */
  recordsByPatient: number[];
  sensitive: number;
  skipped: number;
  /** Already anchored records whose missing link or index row this import restored. */
  repaired: number;
}

/**
 * Imports a FHIR Bundle (Synthea's output is the reference case): classifies every resource,
 * registers each new patient and stores each patient's new resources in batches of up to `batch`
 * records (default and most MAX_RECORD_BATCH): one act per batch, a `record.anchorBatch` and a
 * `record.linkBatch` (emr/store-batch.ts), committed batch by batch where this node validates
 * alone. Resources that belong to no patient (organizations, practitioners) are not stored as
 * records; resources already anchored are completed (link, index row) and counted as skipped.
 */
export async function importBundle(
  node: TrichainNode,
  bundle: unknown,
  opts: { onProgress?: (p: ImportProgress) => void; batch?: number; /** Where this node is not its own validator: resolves once its pending transactions have committed. */ waitForCommit?: () => Promise<void> } = {},
): Promise<ImportResult> {
  requireHospital(node);
  const { resources } = parseBundle(bundle);
  const labelled = classifyResources(resources as unknown[]);
  const labelsByKey = new Map(labelled.map((e) => [`${e.resourceType}/${e.id}`, e.labels]));
  const groups = groupByPatient(resources);
  const total = [...groups.byPatient.values()].reduce((n, g) => n + g.length, 0);
  const batch = Math.max(1, Math.min(MAX_RECORD_BATCH, Math.floor(opts.batch ?? MAX_RECORD_BATCH)));
  const out: ImportResult = { patients: [], records: 0, recordsByPatient: [], sensitive: 0, skipped: groups.shared.length, repaired: 0 };
  const flush = () => {
    node.commitPending('hospital');
    node.commitPending('patient');
  };
  // Records an interrupted import left pending commit first, so that the check below sees them.
  flush();
  const org = node.identity.blsPublicKey;
  for (const [patientId, group] of groups.byPatient) {
    const pr = group.find((r) => r.resourceType === 'Patient') as FhirResource | undefined;
    const birthYear = typeof pr?.birthDate === 'string' ? Number(pr.birthDate.slice(0, 4)) : null;
    // A patient not yet enrolled is registered here only (a provisional id, no key of theirs).
    const entry = registerPatient(node, { fhirId: patientId, display: pr ? summarize(pr) : `Patient ${patientId}`, birthYear, mrn: mrnOf(pr) });
    if (entry.x25519 && getMember(node.ledger.state('patient'), entry.pk)?.role !== 'patient') {
      // An enrolled patient's registration must commit before records can be linked to them.
      await opts.waitForCommit?.();
      if (getMember(node.ledger.state('patient'), entry.pk)?.role !== 'patient') throw new RecordError('the patient\'s enrolment is still pending: import again once this node reaches its validators');
    }
    out.patients.push(entry);
    out.recordsByPatient.push(0);
    let pending: { resource: FhirResource; labels: LabelsBody }[] = [];
    const send = () => {
      if (pending.length === 0) return;
      storeRecords(node, { items: pending, patient: entry });
      out.records += pending.length;
      out.recordsByPatient[out.recordsByPatient.length - 1] += pending.length;
      out.sensitive += pending.filter((p) => p.labels.sensitivity.length > 0).length;
      pending = [];
      flush();
      opts.onProgress?.({ done: out.records, total, patient: entry.display });
    };
    for (const r of group as FhirResource[]) {
      const recordId = recordIdFor(org, r);
      if (node.ledger.state('hospital').get(`record/${recordId}`)) {
        // Already anchored: make sure it is also linked and indexed (a record split by a crash
        // before acts existed is completed, not skipped).
        if (completeRecord(node, recordId, r) === 'repaired') out.repaired++;
        out.skipped++;
        continue;
      }
      pending.push({ resource: r, labels: toLabelsBody(labelsByKey.get(`${r.resourceType}/${r.id}`) ?? classifyResource(r)) });
      if (pending.length >= batch) send();
    }
    send();
  }
  flush();
  opts.onProgress?.({ done: out.records, total });
  return out;
}

export interface RecordView {
  recordId: string;
  version: number;
  resourceType: string;
  patient: Uint8Array;
  org: Uint8Array;
  labels: LabelsBody;
  erased: boolean;
  meta: RecordVersion;
}

/** What the hospital chain says about a record (no decryption). */
export function recordInfo(node: TrichainNode, recordId: string, version?: number): RecordView {
  const st = node.ledger.state('hospital');
  const head: RecordHead | undefined = recordHead(st, recordId);
  if (!head) throw new NotFound(`record ${recordId} is not on the hospital chain`);
  const v = version ?? head.version;
  const meta = recordVersion(st, recordId, v);
  if (!meta) throw new NotFound(`record ${recordId} has no version ${v}`);
  return { recordId, version: v, resourceType: head.resourceType, patient: head.patient, org: head.org, labels: meta.labels, erased: head.erased, meta };
}

/** Decrypts a record with this organization's key: its own records, or one re-wrapped for it. */
export function readRecord(node: TrichainNode, recordId: string, version?: number): { resource: FhirResource; info: RecordView } {
  const info = recordInfo(node, recordId, version);
  if (info.erased) throw new RecordError(`record ${recordId} was erased`);
  const wrapped = node.ledger.state('hospital').get(`record/${recordId}/v/${info.version}/key/${node.publicKeyHex}`);
  if (!wrapped) throw new RecordError(`this organization holds no key for ${recordId}`);
  let blob: Uint8Array | null;
  try {
    blob = node.blobs.get(info.meta.blobHash);
  } catch (e) {
    if (e instanceof BlobCorruptError) throw new RecordUnavailable(`the encrypted content of ${recordId} was corrupt on this node: removed, it is fetched again from a peer`);
    throw e;
  }
  if (!blob) throw new RecordUnavailable(`the encrypted content of ${recordId} is not on this node yet: it is fetched from a peer`);
  const aad = recordAad(recordId, info.version);
  const plain = openBlob(blob, unwrapWith(node.identity.x25519SecretKey, wrapped, aad), aad);
  if (toHex(contentHash(plain)) !== toHex(info.meta.contentHash)) throw new RecordError(`content of ${recordId} does not match its anchored hash`);
  return { resource: JSON.parse(new TextDecoder().decode(plain)) as FhirResource, info };
}

/** The record ids the hospital chain holds for a patient. */
/** The records of a patient in this node's own index (stored here, committed or not). */
export function indexedRecordIds(node: TrichainNode, patient: Uint8Array): string[] {
  return node.db.prepare('SELECT record_id FROM emr_records WHERE patient_pk = ?').pluck().all(patient) as string[];
}

export function patientRecordIds(node: TrichainNode, patient: Uint8Array): string[] {
  return node.ledger.state('hospital').scan(`patient-records/${toHex(patient)}/`).map(([k]) => k.slice(k.lastIndexOf('/') + 1));
}

/**
 * Amends a record: a new version, linked to the old, whose labels are the classifier's for the
 * new content but never lower than the previous version's (a raise persists; nothing is lowered
 * silently).
 */
export function amendRecord(node: TrichainNode, recordId: string, resource: FhirResource, raise?: Partial<Pick<LabelsBody, 'sensitivity' | 'confidentiality'>>): StoreResult {
  const prev = recordInfo(node, recordId);
  if (prev.erased) throw new RecordError(`record ${recordId} was erased`);
  if (toHex(prev.org) !== node.publicKeyHex) throw new RecordError('only the authoring organization amends a record');
  if (recordIdFor(node.identity.blsPublicKey, resource) !== recordId) throw new RecordError('an amendment must keep the resource type and id');
  const fresh = toLabelsBody(classifyResource(resource));
  const labels: LabelsBody = {
    ...fresh,
    sensitivity: [...new Set([...prev.labels.sensitivity, ...fresh.sensitivity, ...(raise?.sensitivity ?? [])])],
    confidentiality: [prev.labels.confidentiality, fresh.confidentiality, raise?.confidentiality ?? 'L'].reduce((a, b) => (confidentialityRank(b) > confidentialityRank(a) ? b : a)),
  };
  // Not yet enrolled (a provisional id): wrapped for this organization only.
  const patientX = getMember(node.ledger.state('patient'), prev.patient)?.x25519Pk ?? null;
  forgetRecord(node, recordId);
  return storeRecord(node, { resource, labels, patient: { pk: prev.patient, x25519: patientX }, version: prev.version + 1 });
}

/**
 * Crypto-shredding: the hospital chain drops every wrapped key of the record, the patient chain
 * drops it from the patient's index (with the patient's wrapped key), and this node deletes every
 * version's ciphertext; other nodes delete theirs when they apply either transaction
 * (node/sync-adapter).
 * The chain keeps only hashes, so it still verifies.
 */
export function eraseRecord(node: TrichainNode, recordId: string, reason: string): void {
  const info = recordInfo(node, recordId);
  node.submit('hospital', 'record.erase', { recordId, reason });
  if (node.ledger.state('patient').get(`link/${toHex(info.patient)}/${recordId}`)) {
    node.submit('patient', 'record.unlink', { patient: info.patient, recordId, reason });
  }
  deleteErasedBlobs(node, recordId, info.version);
  forgetRecord(node, recordId);
}

export function deleteErasedBlobs(node: TrichainNode, recordId: string, versions: number): void {
  const st = node.ledger.state('hospital');
  for (let v = 1; v <= versions; v++) {
    const meta = recordVersion(st, recordId, v);
    if (meta) node.blobs.delete(meta.blobHash);
  }
  node.db.prepare('DELETE FROM emr_records WHERE record_id = ?').run(recordId);
}

/**
 * Provider-to-provider sharing for care: with the patient's active treatment consent naming the
 * receiving hospital (or hospitals in general), the record's data key is re-wrapped for it.
 */
export function shareForCare(node: TrichainNode, recordId: string, toOrg: Uint8Array, consentId: string): void {
  const info = recordInfo(node, recordId);
  const consent = consentOf(node.ledger.state('patient'), consentId);
  if (!consent || consent.status !== 'active') throw new TxRejected(`consent ${consentId} is not active`);
  if (!consent.owner || toHex(consent.owner) !== toHex(info.patient)) throw new TxRejected('consent is from another patient');
  if (consent.purpose !== 'TREAT' && consent.purpose !== 'ETREAT') throw new TxRejected('consent does not cover treatment');
  const now = Date.now();
  if (now < consent.period.start || now > consent.period.end) throw new TxRejected('consent is outside its period');
  const g = consent.grantee as { entity?: Uint8Array; kind?: string };
  if (!(g.kind === 'hospital' || (g.entity && toHex(g.entity) === toHex(toOrg)))) throw new TxRejected('consent does not name this provider');
  const to = getMember(node.ledger.state('hospital'), toOrg);
  if (!to || to.role !== 'hospital') throw new TxRejected('recipient is not a registered hospital');
  const aad = recordAad(recordId, info.version);
  const mine = node.ledger.state('hospital').get(`record/${recordId}/v/${info.version}/key/${node.publicKeyHex}`);
  if (!mine) throw new RecordError(`this organization holds no key for ${recordId}`);
  const dataKey = unwrapWith(node.identity.x25519SecretKey, mine, aad);
  node.submit('hospital', 'key.rewrap', { recordId, version: info.version, toOrg, key: wrapFor(to.x25519Pk, dataKey, aad), consentId });
  dataKey.fill(0);
}
