/**
 * Many records of one patient stored as one act (issue 11: an import of ≥ 1,000 resources/s).
 * Each record is what storeRecord (emr/records.ts) makes of it, with its own fresh data key and its
 * own ciphertext; what a batch shares is the work around them:
 *   - one `record.anchorBatch` on the hospital chain for up to MAX_RECORD_BATCH records, one
 *     `record.linkBatch` on the patient chain for the same records (held until the anchor
 *     commits, node/acts.ts): two signatures, two checks and two transactions per batch instead of
 *     per record;
 *   - each recipient's wrapped keys made with one ephemeral key (crypto/envelope.ts wrapKeys: one
 *     X25519 agreement per recipient and batch instead of per record).
 * One act, one outcome, as for one record: every ciphertext, the signed anchor, the held link and
 * the local index rows are written in one SQLite transaction, so a crash leaves the whole batch or
 * none of it, and a batch the hospital chain refuses (one bad entry refuses it all, named) stores
 * nothing.
 */
import { toHex } from '../codec/hex';
import { contentHash } from '../crypto/hash';
import { txId } from '../ledger/encoding';
import type { LabelsBody } from '../ledger/rules/hospital';
import type { TxBody } from '../ledger/rules/index';
import { MAX_RECORD_BATCH } from '../ledger/rules/schemas';
import type { ActStep } from '../node/acts';
import type { TrichainNode } from '../node/node';
import type { FhirResource } from '../../src-shared/vocabulary';
import { seedEntry } from './chart/cache';
import { makeEntry } from './chart/entry';
import type { PatientEntry } from './patients';
import { recordAad, resourceBytes, sealBlob, wrapAllFor } from './record-crypto';
import { indexRecord, RecordError, recordIdFor, requireHospital, type StoreResult } from './record-index';

export interface BatchItem {
  resource: FhirResource;
  labels: LabelsBody;
}

/**
 * Encrypts, anchors and links up to MAX_RECORD_BATCH new records (version 1) of one patient in one
 * act. `patient.x25519` null (not enrolled yet): the data keys are wrapped for this organization
 * only and there is no link (it is made at enrolment). Throws TxRejected (nothing stored) when a
 * chain's rules refuse the batch, naming the entry.
 */
export function storeRecords(node: TrichainNode, a: { items: BatchItem[]; patient: Pick<PatientEntry, 'pk' | 'x25519'>; defer?: boolean }): StoreResult[] {
  requireHospital(node);
  if (a.items.length === 0) return [];
  if (a.items.length > MAX_RECORD_BATCH) throw new RecordError(`a batch holds at most ${MAX_RECORD_BATCH} records, not ${a.items.length}`);
  const org = node.identity.blsPublicKey;
  const sealed = a.items.map((it) => {
    const recordId = recordIdFor(org, it.resource);
    const aad = recordAad(recordId, 1);
    const plain = resourceBytes(it.resource);
    const s = sealBlob(plain, aad);
    return { ...it, recordId, aad, plain, blob: s.blob, dataKey: s.dataKey, contentHash: s.contentHash, blobHash: contentHash(s.blob) };
  });
  let orgKeys, patientKeys;
  try {
    orgKeys = wrapAllFor(node.identity.x25519PublicKey, sealed);
    patientKeys = a.patient.x25519 ? wrapAllFor(a.patient.x25519, sealed) : null;
  } finally {
    for (const s of sealed) s.dataKey.fill(0);
  }
  const entries: TxBody<'hospital', 'record.anchorBatch'>['entries'] = sealed.map((s, i) => ({
    recordId: s.recordId, version: 1, resourceType: s.resource.resourceType, contentHash: s.contentHash, blobHash: s.blobHash, size: s.blob.length, labels: s.labels,
    keys: { ...(patientKeys ? { patient: patientKeys[i] } : {}), org: orgKeys[i] },
  }));
  const steps: ActStep[] = [{ chain: 'hospital', type: 'record.anchorBatch', body: { org, patient: a.patient.pk, entries } }];
  if (patientKeys) {
    const keys = patientKeys;
    steps.push({
      chain: 'patient',
      type: 'record.linkBatch',
      body: ([anchorTx]) => ({
        patient: a.patient.pk, org,
        entries: sealed.map((s, i) => ({ recordId: s.recordId, version: 1, anchorTx, resourceType: s.resource.resourceType, blobHash: s.blobHash, contentHash: s.contentHash, patientKey: keys[i], category: s.labels.category })),
      }),
    });
  }
  const [anchor] = node.submitAct(steps, {
    defer: a.defer,
    local: () => {
      for (const s of sealed) {
        node.blobs.put(s.blob);
        indexRecord(node, s.recordId, a.patient.pk, s.resource, 1);
      }
    },
  });
  const anchorTx = txId(anchor);
  // This node holds the plaintexts now: its chart opens without decrypting them again (the same
  // objects a read would give: the stored bytes parsed back).
  for (const s of sealed) seedEntry(node, { recordId: s.recordId, version: 1, contentHash: toHex(s.contentHash) }, makeEntry(JSON.parse(new TextDecoder().decode(s.plain)) as FhirResource, s.labels));
  return sealed.map((s) => ({ recordId: s.recordId, version: 1, anchorTx }));
}
