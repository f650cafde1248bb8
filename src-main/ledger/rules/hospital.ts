/**
 * Hospital chain rules (DESIGN.md §3): provider and clinician registration, records anchored and
 * amended (content hash, labels, data key wrapped for the patient and the authoring
 * organization, signed by the author), keys re-wrapped for another provider, erasure by
 * crypto-shredding, and access logged.
 *
 * State:
 *   record/<id>                 -> RecordHead { patient, org, resourceType, version, erased }
 *   record/<id>/v/<n>           -> RecordVersion (content hash, blob hash, labels, author, tx)
 *   record/<id>/v/<n>/key/<org> -> wrapped data key for that organization ("patient" for the patient)
 *   patient-records/<patient>/<id> -> 1
 *   bound/<provisional>         -> the patient's key, once a provisionally registered patient enrolled
 *
 * A patient's keys are made on the patient's own device. Until the patient enrols, the hospital
 * anchors their records under a provisional id of its own (random, not a key) with the data key
 * wrapped for the organization only; at enrolment `patient.bind` moves them to the patient's key.
 */
import { z } from 'zod';
import type { Canonical } from '../../codec/canonical';
import { toHex } from '../../codec/hex';
import { CATEGORIES, CONFIDENTIALITY_ORDER, SENSITIVITY_CODES, confidentialityRank } from '../../../src-shared/vocabulary';
import { checkEntries, commonRules, recordAudit } from './common';
import { getMember, requireMember } from './members';
import { blsPk, hash32, id, MAX_RECORD_BATCH, wrappedKey } from './schemas';
import { reject, type StateReader, type TxContext, type TxRule } from './types';

export const labelsBody = z
  .object({
    category: z.enum(CATEGORIES),
    sensitivity: z.array(z.enum(SENSITIVITY_CODES)).max(SENSITIVITY_CODES.length),
    confidentiality: z.enum(CONFIDENTIALITY_ORDER),
    rulesVersion: z.number().int().nonnegative(),
  })
  .strict();
export type LabelsBody = z.infer<typeof labelsBody>;

export const recordAnchorBody = z
  .object({
    recordId: id,
    version: z.number().int().positive(),
    patient: blsPk,
    org: blsPk,
    resourceType: z.string().min(1).max(64),
    /** SHA-256 of the canonical plaintext (the record's identity, for attestation). */
    contentHash: hash32,
    /** SHA-256 of the ciphertext blob. */
    blobHash: hash32,
    size: z.number().int().nonnegative(),
    labels: labelsBody,
    /** `patient` is absent while the patient has not enrolled (no key of theirs exists yet). */
    keys: z.object({ patient: wrappedKey.optional(), org: wrappedKey }).strict(),
  })
  .strict();
export type RecordAnchorBody = z.infer<typeof recordAnchorBody>;

export interface RecordHead {
  patient: Uint8Array;
  org: Uint8Array;
  resourceType: string;
  version: number;
  erased: boolean;
}

export interface RecordVersion {
  version: number;
  contentHash: Uint8Array;
  blobHash: Uint8Array;
  size: number;
  labels: LabelsBody;
  author: Uint8Array;
  tx: Uint8Array;
  height: number;
  time: number;
}

export const recordHead = (s: StateReader, recordId: string) => s.get(`record/${recordId}`) as RecordHead | undefined;
export const recordVersion = (s: StateReader, recordId: string, v: number) => s.get(`record/${recordId}/v/${v}`) as RecordVersion | undefined;

/** The author must be the organization itself or one of its clinicians. */
function requireOrgAuthor(ctx: TxContext, author: Uint8Array, org: Uint8Array, what: string): void {
  const m = requireMember(ctx.state, author, ['hospital', 'clinician'], what);
  const orgHex = toHex(org);
  if (m.role === 'hospital' ? toHex(m.blsPk) !== orgHex : m.org !== orgHex) reject(`${what}: author does not act for that organization`);
}

function labelsNotLower(prev: LabelsBody, next: LabelsBody): void {
  if (confidentialityRank(next.confidentiality) < confidentialityRank(prev.confidentiality)) reject('labels can only be raised: confidentiality would be lowered');
  for (const c of prev.sensitivity) if (!next.sensitivity.includes(c)) reject(`labels can only be raised: sensitivity ${c} would be removed`);
}

/** Who may anchor records for `org` about `patient` (checked once per transaction). */
function checkAnchorParties(ctx: TxContext, author: Uint8Array, org: Uint8Array, patient: Uint8Array): void {
  requireOrgAuthor(ctx, author, org, 'anchor record');
  if (getMember(ctx.state, org)?.role !== 'hospital') reject('anchor record: org is not a registered hospital');
  if (boundTo(ctx.state, patient)) reject('anchor record: this provisional patient id was bound to the enrolled patient\'s key; use that key');
}

/** A new record (version 1) or the next version of one, by its authoring organization, never lowering its labels. */
function checkAnchorVersion(ctx: TxContext, b: Pick<RecordAnchorBody, 'recordId' | 'version' | 'org' | 'patient' | 'labels'>): void {
  const head = recordHead(ctx.state, b.recordId);
  if (b.version === 1) {
    if (head) reject(`record ${b.recordId} already exists; amend it with version ${head.version + 1}`);
    return;
  }
  if (!head) reject(`record ${b.recordId} does not exist`);
  if (head.erased) reject(`record ${b.recordId} was erased`);
  if (b.version !== head.version + 1) reject(`record ${b.recordId} is at version ${head.version}; an amendment must be version ${head.version + 1}`);
  if (toHex(head.org) !== toHex(b.org)) reject('only the authoring organization may amend a record');
  if (toHex(head.patient) !== toHex(b.patient)) reject('an amendment cannot change the patient');
  labelsNotLower(recordVersion(ctx.state, b.recordId, head.version)!.labels, b.labels);
}

function applyAnchor(author: Uint8Array, ctx: TxContext, b: RecordAnchorBody): void {
  const head: RecordHead = { patient: b.patient, org: b.org, resourceType: b.resourceType, version: b.version, erased: false };
  ctx.state.put(`record/${b.recordId}`, head as unknown as Canonical);
  const v: RecordVersion = {
    version: b.version, contentHash: b.contentHash, blobHash: b.blobHash, size: b.size, labels: b.labels,
    author, tx: ctx.txId, height: ctx.height, time: ctx.time,
  };
  ctx.state.put(`record/${b.recordId}/v/${b.version}`, v as unknown as Canonical);
  if (b.keys.patient) ctx.state.put(`record/${b.recordId}/v/${b.version}/key/patient`, b.keys.patient as unknown as Canonical);
  ctx.state.put(`record/${b.recordId}/v/${b.version}/key/${toHex(b.org)}`, b.keys.org as unknown as Canonical);
  ctx.state.put(`patient-records/${toHex(b.patient)}/${b.recordId}`, 1);
}

const recordAnchor: TxRule<RecordAnchorBody> = {
  body: recordAnchorBody,
  check(tx, b, ctx) {
    checkAnchorParties(ctx, tx.author, b.org, b.patient);
    checkAnchorVersion(ctx, b);
  },
  apply(tx, b, ctx) {
    applyAnchor(tx.author, ctx, b);
  },
};

/**
 * Many records of one patient by one organization in one transaction (issue 11: an import signs,
 * checks and applies one transaction per batch instead of one per record). Each entry is exactly
 * what a record.anchor body carries without the shared `org` and `patient`, passes every check a
 * record.anchor passes and writes the same state; one invalid entry (or a record named twice)
 * refuses the whole transaction, naming the entry. The record versions name this transaction as
 * their anchoring transaction.
 */
export const recordAnchorBatchBody = z
  .object({ org: blsPk, patient: blsPk, entries: z.array(recordAnchorBody.omit({ org: true, patient: true }).strict()).min(1).max(MAX_RECORD_BATCH) })
  .strict();
export type RecordAnchorBatchBody = z.infer<typeof recordAnchorBatchBody>;

const recordAnchorBatch: TxRule<RecordAnchorBatchBody> = {
  body: recordAnchorBatchBody,
  check(tx, b, ctx) {
    checkAnchorParties(ctx, tx.author, b.org, b.patient);
    checkEntries(b.entries, (e) => checkAnchorVersion(ctx, { ...e, org: b.org, patient: b.patient }));
  },
  apply(tx, b, ctx) {
    for (const e of b.entries) applyAnchor(tx.author, ctx, { ...e, org: b.org, patient: b.patient });
  },
};

export const boundTo = (s: StateReader, provisional: Uint8Array) => s.get(`bound/${toHex(provisional)}`) as Uint8Array | undefined;

/**
 * Enrolment, on the hospital chain: the records this organization anchored under a provisional
 * patient id move to the key the patient made on their own device (the patient chain holds its
 * registration with proof of possession; the data keys are wrapped for it in record.link).
 */
export const patientBindBody = z.object({ provisional: blsPk, patient: blsPk }).strict();

const patientBind: TxRule<z.infer<typeof patientBindBody>> = {
  body: patientBindBody,
  check(tx, b, ctx) {
    const m = requireMember(ctx.state, tx.author, ['hospital', 'clinician'], 'bind patient');
    if (toHex(b.provisional) === toHex(b.patient)) reject('bind patient: the provisional id and the key are the same');
    if (boundTo(ctx.state, b.provisional)) reject('bind patient: this provisional id is already bound');
    if (getMember(ctx.state, b.provisional)) reject('bind patient: a member key is not a provisional id');
    const org = m.role === 'hospital' ? toHex(m.blsPk) : m.org;
    const ids = ctx.state.scan(`patient-records/${toHex(b.provisional)}/`);
    if (ids.length === 0) reject('bind patient: no record is anchored under this provisional id');
    for (const [k] of ids) {
      const head = recordHead(ctx.state, k.slice(k.lastIndexOf('/') + 1))!;
      if (toHex(head.org) !== org) reject('bind patient: only the organization that registered the provisional id binds it');
    }
  },
  apply(_tx, b, ctx) {
    for (const [k] of ctx.state.scan(`patient-records/${toHex(b.provisional)}/`)) {
      const recordId = k.slice(k.lastIndexOf('/') + 1);
      const head = recordHead(ctx.state, recordId)!;
      ctx.state.put(`record/${recordId}`, { ...head, patient: b.patient } as unknown as Canonical);
      ctx.state.del(k);
      ctx.state.put(`patient-records/${toHex(b.patient)}/${recordId}`, 1);
    }
    ctx.state.put(`bound/${toHex(b.provisional)}`, b.patient);
  },
};

export const keyRewrapBody = z
  .object({ recordId: id, version: z.number().int().positive(), toOrg: blsPk, key: wrappedKey, consentId: id })
  .strict();

const keyRewrap: TxRule<z.infer<typeof keyRewrapBody>> = {
  body: keyRewrapBody,
  check(tx, b, ctx) {
    const head = recordHead(ctx.state, b.recordId);
    if (!head) reject(`record ${b.recordId} does not exist`);
    if (head.erased) reject(`record ${b.recordId} was erased`);
    if (!recordVersion(ctx.state, b.recordId, b.version)) reject(`record ${b.recordId} has no version ${b.version}`);
    requireOrgAuthor(ctx, tx.author, head.org, 're-wrap key');
    if (getMember(ctx.state, b.toOrg)?.role !== 'hospital') reject('re-wrap key: recipient is not a registered hospital');
  },
  apply(tx, b, ctx) {
    ctx.state.put(`record/${b.recordId}/v/${b.version}/key/${toHex(b.toOrg)}`, b.key as unknown as Canonical);
    const head = recordHead(ctx.state, b.recordId)!;
    recordAudit(ctx, head.patient, 'record.shared-for-care', tx.author, { recordId: b.recordId, toOrg: b.toOrg, consentId: b.consentId });
  },
};

export const recordEraseBody = z.object({ recordId: id, reason: z.string().max(500) }).strict();

/** Crypto-shredding: the wrapped keys leave the state and every node deletes the ciphertext. */
const recordErase: TxRule<z.infer<typeof recordEraseBody>> = {
  body: recordEraseBody,
  check(tx, b, ctx) {
    const head = recordHead(ctx.state, b.recordId);
    if (!head) reject(`record ${b.recordId} does not exist`);
    if (head.erased) reject(`record ${b.recordId} was already erased`);
    requireOrgAuthor(ctx, tx.author, head.org, 'erase record');
  },
  apply(tx, b, ctx) {
    const head = recordHead(ctx.state, b.recordId)!;
    for (let v = 1; v <= head.version; v++) for (const [k] of ctx.state.scan(`record/${b.recordId}/v/${v}/key/`)) ctx.state.del(k);
    ctx.state.put(`record/${b.recordId}`, { ...head, erased: true } as unknown as Canonical);
    recordAudit(ctx, head.patient, 'record.erased', tx.author, { recordId: b.recordId, reason: b.reason });
  },
};

export const accessLogBody = z.object({ recordId: id, purpose: z.string().min(1).max(64) }).strict();

const accessLog: TxRule<z.infer<typeof accessLogBody>> = {
  body: accessLogBody,
  check(tx, b, ctx) {
    requireMember(ctx.state, tx.author, ['hospital', 'clinician'], 'log access');
    if (!recordHead(ctx.state, b.recordId)) reject(`record ${b.recordId} does not exist`);
  },
  apply(tx, b, ctx) {
    const head = recordHead(ctx.state, b.recordId)!;
    recordAudit(ctx, head.patient, 'record.accessed', tx.author, { recordId: b.recordId, purpose: b.purpose });
  },
};

export const hospitalRules = {
  ...commonRules,
  'record.anchor': recordAnchor,
  'record.anchorBatch': recordAnchorBatch,
  'patient.bind': patientBind,
  'key.rewrap': keyRewrap,
  'record.erase': recordErase,
  'access.log': accessLog,
};
