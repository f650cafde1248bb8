/**
 * Patient chain rules (DESIGN.md §3): the record index that links a patient's records across
 * hospitals, consents granted and revoked (signed by the patient and nobody else), and the
 * audit entries a patient's laptop can read without holding any other chain.
 *
 * State:
 *   link/<patient>/<recordId>      -> RecordLink
 *   grantee-key/<key>              -> { patient, height }: a per-grantee key the patient registered
 *   consent/<id>                   -> ConsentState (its `patient` is the per-grantee key that signed it)
 *   patient-consents/<patient>/<id> -> 1 (indexed under the patient's main key)
 *   audit/<patient>/<time>/<tx>    -> AuditEntry
 */
import { z } from 'zod';
import type { Canonical } from '../../codec/canonical';
import { toHex } from '../../codec/hex';
import { CATEGORIES, PURPOSE_CODES, SENSITIVITY_CODES } from '../../../src-shared/vocabulary';
import { checkEntries, commonRules, recordAudit } from './common';
import { getMember, requireMember } from './members';
import { blsPk, blsSig, hash32, id, MAX_DETAIL_FIELDS, MAX_RECORD_BATCH, period, wrappedKey } from './schemas';
import { reject, type StateReader, type TxContext, type TxRule } from './types';

export const recordLinkBody = z
  .object({
    patient: blsPk,
    recordId: id,
    version: z.number().int().positive(),
    org: blsPk,
    anchorTx: hash32,
    resourceType: z.string().min(1).max(64),
    blobHash: hash32,
    contentHash: hash32,
    /** The data key wrapped for the patient: a laptop holding only the patient chain can decrypt. */
    patientKey: wrappedKey,
    category: z.string().max(32),
  })
  .strict();
export type RecordLink = z.infer<typeof recordLinkBody> & { height: number; time: number };

/** A record's entry in its patient's index, as record.link and record.linkBatch both store it. */
function putLink(ctx: TxContext, link: z.infer<typeof recordLinkBody>): void {
  ctx.state.put(`link/${toHex(link.patient)}/${link.recordId}`, { ...link, height: ctx.height, time: ctx.time } as unknown as Canonical);
}

const recordLink: TxRule<z.infer<typeof recordLinkBody>> = {
  body: recordLinkBody,
  check(tx, b, ctx) {
    requireMember(ctx.state, tx.author, ['hospital', 'clinician'], 'link record');
    if (getMember(ctx.state, b.patient)?.role !== 'patient') reject('link record: patient is not registered on the patient chain');
  },
  apply(_tx, b, ctx) {
    putLink(ctx, b);
  },
};

/** The organizations holding records of a patient (main key): the authors in the patient's record index, each once, in key order. */
export function recordHolders(s: StateReader, patient: Uint8Array): Uint8Array[] {
  const out = new Map<string, Uint8Array>();
  for (const [, v] of s.scan(`link/${toHex(patient)}/`)) {
    const org = (v as unknown as { org: Uint8Array }).org;
    out.set(toHex(org), org);
  }
  return [...out.keys()].sort().map((k) => out.get(k)!);
}

/**
 * Many records of one patient, authored by one organization, linked in one transaction (issue 11:
 * an import's batch). Each entry is what a record.link body carries without the shared `patient`
 * and `org`, and is stored exactly as a record.link stores it, so every reader (the patient's
 * views, a light client) sees the same link. The author must act for `org` (record.link asks only
 * that it be a hospital or clinician). A record named twice refuses the whole transaction,
 * naming the entry. One patient per batch: a patient laptop, a light client, receives its own
 * transactions only (ledger/light.ts), never another patient's links.
 */
export const recordLinkBatchBody = z
  .object({ patient: blsPk, org: blsPk, entries: z.array(recordLinkBody.omit({ patient: true, org: true }).strict()).min(1).max(MAX_RECORD_BATCH) })
  .strict();
export type RecordLinkBatchBody = z.infer<typeof recordLinkBatchBody>;

const recordLinkBatch: TxRule<RecordLinkBatchBody> = {
  body: recordLinkBatchBody,
  check(tx, b, ctx) {
    const m = requireMember(ctx.state, tx.author, ['hospital', 'clinician'], 'link records');
    if ((m.role === 'hospital' ? toHex(m.blsPk) : m.org) !== toHex(b.org)) reject('link records: author does not act for that organization');
    if (getMember(ctx.state, b.patient)?.role !== 'patient') reject('link records: patient is not registered on the patient chain');
    checkEntries(b.entries, () => {});
  },
  apply(_tx, b, ctx) {
    for (const e of b.entries) putLink(ctx, { ...e, patient: b.patient, org: b.org });
  },
};

/**
 * A patient registers a key derived for one grantee (signed by the patient's main key, with the
 * new key's proof of possession). Consents are signed with such keys only, so the social chain,
 * share requests and proofs never show the main key, and two grantees' keys cannot be linked.
 */
export const consentKeyBody = z.object({ key: blsPk, pop: blsSig }).strict();

export interface GranteeKeyState {
  patient: Uint8Array;
  height: number;
}

export const granteeKeyOf = (s: StateReader, key: Uint8Array) => s.get(`grantee-key/${toHex(key)}`) as GranteeKeyState | undefined;

/** The patient (main key) behind a per-grantee key, or undefined when it is not registered. */
export const ownerOfGranteeKey = (s: StateReader, key: Uint8Array): Uint8Array | undefined => granteeKeyOf(s, key)?.patient;

const consentKey: TxRule<z.infer<typeof consentKeyBody>> = {
  body: consentKeyBody,
  check(tx, b, ctx) {
    requireMember(ctx.state, tx.author, ['patient'], 'register grantee key');
    if (granteeKeyOf(ctx.state, b.key) || getMember(ctx.state, b.key)) reject('register grantee key: key is already registered');
    if (!ctx.bls.popVerify(b.key, b.pop)) reject('register grantee key: proof of possession does not verify');
  },
  apply(tx, b, ctx) {
    ctx.state.put(`grantee-key/${toHex(b.key)}`, { patient: tx.author, height: ctx.height } as unknown as Canonical);
  },
};

export const consentGrantBody = z
  .object({
    consentId: id,
    /** The per-grantee key that signs the consent (registered with consent.key), never the main key. */
    patient: blsPk,
    grantee: z.union([z.object({ entity: blsPk }).strict(), z.object({ kind: z.enum(['insurer', 'research', 'public-health', 'hospital']) }).strict()]),
    purpose: z.enum(PURPOSE_CODES),
    categories: z.array(z.enum(CATEGORIES)).min(1).max(CATEGORIES.length),
    /** Sensitive codes the patient names explicitly; none by default (DESIGN.md §6). */
    sensitivity: z.array(z.enum(SENSITIVITY_CODES)).max(SENSITIVITY_CODES.length),
    period,
  })
  .strict()
  .refine((b) => b.period.end > b.period.start, 'consent period must end after it starts');
export type ConsentGrantBody = z.infer<typeof consentGrantBody>;

export interface ConsentState extends ConsentGrantBody {
  /** The patient's main key (the owner of the signing key); on the patient chain only. */
  owner: Uint8Array;
  status: 'active' | 'revoked';
  grantedAt: number;
  grantTx: Uint8Array;
  grantHeight: number;
  revokedAt?: number;
}

export const consentOf = (s: StateReader, consentId: string) => s.get(`consent/${consentId}`) as ConsentState | undefined;

function requirePatientAuthor(author: Uint8Array, patient: Uint8Array, what: string): void {
  if (toHex(author) !== toHex(patient)) reject(`${what}: only the patient may sign this`);
}

const consentGrant: TxRule<ConsentGrantBody> = {
  body: consentGrantBody,
  check(tx, b, ctx) {
    requirePatientAuthor(tx.author, b.patient, 'grant consent');
    const owner = ownerOfGranteeKey(ctx.state, tx.author);
    if (!owner) reject('grant consent: a consent is signed with a key the patient registered for the grantee (consent.key), not with the main key');
    if (getMember(ctx.state, owner)?.role !== 'patient') reject('grant consent: the key belongs to no registered patient');
    if (consentOf(ctx.state, b.consentId)) reject(`consent ${b.consentId} already exists`);
  },
  apply(tx, b, ctx) {
    const owner = ownerOfGranteeKey(ctx.state, tx.author)!;
    const c: ConsentState = { ...b, owner, status: 'active', grantedAt: ctx.time, grantTx: ctx.txId, grantHeight: ctx.height };
    ctx.state.put(`consent/${b.consentId}`, c as unknown as Canonical);
    ctx.state.put(`patient-consents/${toHex(owner)}/${b.consentId}`, 1);
    recordAudit(ctx, owner, 'consent.granted', tx.author, { consentId: b.consentId, purpose: b.purpose });
  },
};

export const consentRevokeBody = z.object({ consentId: id }).strict();

const consentRevoke: TxRule<z.infer<typeof consentRevokeBody>> = {
  body: consentRevokeBody,
  check(tx, b, ctx) {
    const c = consentOf(ctx.state, b.consentId);
    if (!c) reject(`consent ${b.consentId} does not exist`);
    // The per-grantee key that signed it, or the patient's main key.
    if (!c.owner || toHex(tx.author) !== toHex(c.owner)) requirePatientAuthor(tx.author, c.patient, 'revoke consent');
    if (c.status === 'revoked') reject(`consent ${b.consentId} is already revoked`);
  },
  apply(tx, b, ctx) {
    const c = consentOf(ctx.state, b.consentId)!;
    ctx.state.put(`consent/${b.consentId}`, { ...c, status: 'revoked', revokedAt: ctx.time } as unknown as Canonical);
    recordAudit(ctx, c.owner, 'consent.revoked', tx.author, { consentId: b.consentId });
  },
};

/** A provider mirrors an event about the patient (a share, a refusal, a read) onto the patient's own chain. */
export const auditLogBody = z
  .object({
    patient: blsPk,
    kind: z.string().min(1).max(64),
    detail: z.record(z.string().max(64), z.union([z.string().max(2000), z.number().int()])).refine((d) => Object.keys(d).length <= MAX_DETAIL_FIELDS, `detail has at most ${MAX_DETAIL_FIELDS} fields`),
  })
  .strict();

const auditLog: TxRule<z.infer<typeof auditLogBody>> = {
  body: auditLogBody,
  check(tx, b, ctx) {
    requireMember(ctx.state, tx.author, ['hospital', 'clinician'], 'audit');
    if (getMember(ctx.state, b.patient)?.role !== 'patient') reject('audit: patient is not registered');
  },
  apply(tx, b, ctx) {
    recordAudit(ctx, b.patient, b.kind, tx.author, b.detail);
  },
};

/**
 * The patient-chain half of crypto-shredding: the authoring organization removes an erased record
 * from the patient's index (and with it the key wrapped for the patient), so a laptop that holds
 * only this chain forgets it too and deletes its ciphertext.
 */
export const recordUnlinkBody = z.object({ patient: blsPk, recordId: id, reason: z.string().max(500) }).strict();

const recordUnlink: TxRule<z.infer<typeof recordUnlinkBody>> = {
  body: recordUnlinkBody,
  check(tx, b, ctx) {
    const m = requireMember(ctx.state, tx.author, ['hospital', 'clinician'], 'unlink record');
    const link = ctx.state.get(`link/${toHex(b.patient)}/${b.recordId}`) as { org: Uint8Array } | undefined;
    if (!link) reject(`record ${b.recordId} is not in this patient's index`);
    const actsFor = m.role === 'hospital' ? toHex(m.blsPk) : m.org;
    if (actsFor !== toHex(link.org)) reject('only the authoring organization removes a record from the index');
  },
  apply(tx, b, ctx) {
    ctx.state.del(`link/${toHex(b.patient)}/${b.recordId}`);
    recordAudit(ctx, b.patient, 'record.erased', tx.author, { recordId: b.recordId, reason: b.reason });
  },
};

export const patientRules = {
  ...commonRules,
  'record.link': recordLink,
  'record.linkBatch': recordLinkBatch,
  'consent.key': consentKey,
  'consent.grant': consentGrant,
  'consent.revoke': consentRevoke,
  'audit.log': auditLog,
  'record.unlink': recordUnlink,
};
