/**
 * Social chain rules (DESIGN.md §3, §6): entities registered by a provider (with their proof of
 * possession), share requests filed by entities, packages published or requests refused by
 * providers, and package access acknowledged by the receiving entity.
 *
 * State:
 *   request/<id> -> ShareRequestState
 *   open-requests/<entity> -> number of the entity's requests no hospital has answered yet
 *   audit/<patient>/<time>/<tx> -> AuditEntry
 *
 * Bounds (issue 13, finding 6): an entity has at most MAX_OPEN_REQUESTS requests open at once (a
 * count in the chain's state, so every validator agrees; it falls when a hospital publishes or
 * refuses), and a request must name a patient who is a member: a key a registered patient
 * registered for a grantee (`consent.key`), which validators look up on their patient chain.
 */
import { z } from 'zod';
import { bytesEqual, canonicalDecode, type Canonical } from '../../codec/canonical';
import { toHex } from '../../codec/hex';
import { CATEGORIES, PURPOSE_CODES } from '../../../src-shared/vocabulary';
import { commonRules, recordAudit } from './common';
import { getMember, requireMember } from './members';
import { txId } from '../encoding';
import { consentGrantBody, ownerOfGranteeKey } from './patient';
import { admitConsent, recordsAttestBody } from './release';
import { blsPk, bytesUpTo, hash32, id, period, wrappedKey } from './schemas';
import { reject, type StateReader, type StateView, type TxContext, type TxRule } from './types';

export const shareRequestBody = z
  .object({
    requestId: id,
    patient: blsPk,
    purpose: z.enum(PURPOSE_CODES),
    categories: z.array(z.enum(CATEGORIES)).min(1).max(CATEGORIES.length),
    period,
    note: z.string().max(1000).optional(),
  })
  .strict();
export type ShareRequestBody = z.infer<typeof shareRequestBody>;

export interface ShareRequestState extends ShareRequestBody {
  entity: Uint8Array;
  status: 'open' | 'published' | 'refused';
  filedAt: number;
  requestTx: Uint8Array;
  reason?: string;
  packageHash?: Uint8Array;
  publishTx?: Uint8Array;
  publishHeight?: number;
}

export const requestOf = (s: StateReader, requestId: string) => s.get(`request/${requestId}`) as ShareRequestState | undefined;
/** Every share request on the social chain, as its rules stored it. */
export const allRequests = (s: StateReader): ShareRequestState[] => s.scan('request/').map(([, v]) => v as unknown as ShareRequestState);

/** How many unanswered requests one entity may have at once. */
export const MAX_OPEN_REQUESTS = 32;

const openKey = (entity: Uint8Array) => `open-requests/${toHex(entity)}`;
export const openRequestsOf = (s: StateReader, entity: Uint8Array): number => (s.get(openKey(entity)) as number | undefined) ?? 0;
function countOpen(s: StateView, entity: Uint8Array, delta: 1 | -1): void {
  const n = Math.max(0, openRequestsOf(s, entity) + delta);
  if (n === 0) s.del(openKey(entity));
  else s.put(openKey(entity), n);
}

/**
 * A validator's own look at its patient chain (admission only, as for consents): the request
 * names a key that a registered patient registered for a grantee. A node without the patient chain
 * (the entity's own) lets it into its mempool unchecked; deciding on a block it refuses it.
 */
function admitPatientKey(ctx: TxContext, key: Uint8Array): void {
  if (!ctx.peer) return;
  const patients = ctx.peer('patient');
  if (!patients) {
    if (ctx.admission === 'block') reject('file share request: this validator does not hold the patient chain, so it cannot check the patient');
    return;
  }
  const owner = ownerOfGranteeKey(patients, key);
  if (!owner || getMember(patients, owner)?.role !== 'patient') reject('file share request: the patient key is not a member of the patient chain (a request names the key the patient registered for you)');
}

const shareRequest: TxRule<ShareRequestBody> = {
  body: shareRequestBody,
  check(tx, b, ctx) {
    requireMember(ctx.state, tx.author, ['entity'], 'file share request');
    if (requestOf(ctx.state, b.requestId)) reject(`request ${b.requestId} already exists`);
    if (b.period.end < b.period.start) reject('request period must end after it starts');
    if (openRequestsOf(ctx.state, tx.author) >= MAX_OPEN_REQUESTS) reject(`file share request: this entity already has ${MAX_OPEN_REQUESTS} unanswered requests; wait for the hospitals to answer`);
    admitPatientKey(ctx, b.patient);
  },
  apply(tx, b, ctx) {
    const r: ShareRequestState = { ...b, entity: tx.author, status: 'open', filedAt: ctx.time, requestTx: ctx.txId };
    ctx.state.put(`request/${b.requestId}`, r as unknown as Canonical);
    countOpen(ctx.state, tx.author, 1);
    recordAudit(ctx, b.patient, 'share.requested', tx.author, { requestId: b.requestId, purpose: b.purpose });
  },
};

/** Constant whatever the record count (two headers, two audit paths, two statements): a few KB at most. */
export const MAX_EVIDENCE_BYTES = 32 * 1024;

const evidenceTx = z.object({ chain: z.string().max(64), type: z.string().max(64), author: blsPk, nonce: z.number(), time: z.number(), body: z.unknown() }).strict();
const evidenceShape = z.object({ consent: z.object({ tx: evidenceTx }).passthrough(), attestation: z.object({ tx: evidenceTx }).passthrough() }).passthrough();

/**
 * What the social chain's validators check of a publication (DESIGN.md §5): the evidence names a
 * consent by this request's patient for this request's entity and purpose, in force at this block's
 * time, and this hospital's attestation of this package under that consent. The certificates and
 * the aggregate signature are the entity's to verify (it trusts the other chains' genesis).
 */
function checkEvidence(tx: { author: Uint8Array }, b: SharePublishBody, r: ShareRequestState, ctx: TxContext): void {
  let ev: z.infer<typeof evidenceShape>;
  try {
    ev = evidenceShape.parse(canonicalDecode(b.evidence));
  } catch {
    reject('publish share: the evidence is malformed');
  }
  const ctx_ = ev.consent.tx;
  const at = ev.attestation.tx;
  if (ctx_.chain !== 'patient' || ctx_.type !== 'consent.grant') reject('publish share: the evidence names no consent');
  if (at.chain !== 'hospital' || at.type !== 'records.attest') reject('publish share: the evidence names no attestation');
  const consent = consentGrantBody.safeParse(ctx_.body);
  const attest = recordsAttestBody.safeParse(at.body);
  if (!consent.success || !attest.success) reject('publish share: the evidence statements are malformed');
  const c = consent.data;
  const a = attest.data;
  if (!bytesEqual(ctx_.author, c.patient)) reject('publish share: the consent is not signed by its patient');
  if (!bytesEqual(c.patient, r.patient)) reject("publish share: the consent is another patient's");
  const g = c.grantee as { entity?: Uint8Array; kind?: string };
  const kind = getMember(ctx.state, r.entity)?.kind;
  if (!((g.entity && bytesEqual(g.entity, r.entity)) || (g.kind !== undefined && g.kind === kind))) reject('publish share: the consent does not name the requesting entity');
  if (c.purpose !== r.purpose) reject(`publish share: the consent is for ${c.purpose}, the request for ${r.purpose}`);
  if (ctx.time < c.period.start) reject(`publish share: consent ${c.consentId} is not yet in force`);
  if (ctx.time > c.period.end) reject(`publish share: consent ${c.consentId} has expired`);
  if (!bytesEqual(at.author, tx.author)) reject('publish share: the records were attested by another hospital');
  if (a.requestId !== b.requestId || !bytesEqual(a.packageHash, b.packageHash)) reject('publish share: the attestation is for another request or package');
  const grantTx = txId(ctx_ as never);
  if (!bytesEqual(a.consentTx, grantTx)) reject('publish share: the attestation names another consent');
  if (b.resourceCount !== a.count) reject('publish share: resource count differs from the attestation');
  // A validator's own look at its patient chain: the consent is still in force (not revoked).
  admitConsent(ctx, { consentId: c.consentId, grantTx }, 'publish share');
}

export const sharePublishBody = z
  .object({
    requestId: id,
    /** SHA-256 of the encrypted package blob. */
    packageHash: hash32,
    resourceCount: z.number().int().nonnegative(),
    /**
     * Counts per category. No longer written: every entity replicates the social chain, so the
     * shape of a patient's record (counts per category) stays inside the package. Accepted in old blocks.
     */
    labelsSummary: z.record(z.string().max(64), z.number().int().nonnegative()).refine((r) => Object.keys(r).length <= CATEGORIES.length, 'at most one count per category').optional(),
    /** The package's data key wrapped for the entity. */
    key: wrappedKey,
    /** Canonical encoding of the cross-chain evidence (consent, attestation; see emr/share). */
    evidence: bytesUpTo(MAX_EVIDENCE_BYTES),
  })
  .strict();
export type SharePublishBody = z.infer<typeof sharePublishBody>;

function requireOpen(s: StateReader, requestId: string): ShareRequestState {
  const r = requestOf(s, requestId);
  if (!r) reject(`request ${requestId} does not exist`);
  if (r.status !== 'open') reject(`request ${requestId} is already ${r.status}`);
  return r;
}

const sharePublish: TxRule<SharePublishBody> = {
  body: sharePublishBody,
  check(tx, b, ctx) {
    requireMember(ctx.state, tx.author, ['hospital'], 'publish share');
    checkEvidence(tx, b, requireOpen(ctx.state, b.requestId), ctx);
  },
  apply(tx, b, ctx) {
    const r = requestOf(ctx.state, b.requestId)!;
    ctx.state.put(`request/${b.requestId}`, { ...r, status: 'published', packageHash: b.packageHash, publishTx: ctx.txId, publishHeight: ctx.height } as unknown as Canonical);
    countOpen(ctx.state, r.entity, -1);
    recordAudit(ctx, r.patient, 'share.published', tx.author, { requestId: b.requestId, entity: r.entity, resources: b.resourceCount });
  },
};

export const shareRefuseBody = z.object({ requestId: id, reason: z.string().min(1).max(1000) }).strict();

const shareRefuse: TxRule<z.infer<typeof shareRefuseBody>> = {
  body: shareRefuseBody,
  check(tx, b, ctx) {
    requireMember(ctx.state, tx.author, ['hospital'], 'refuse share');
    requireOpen(ctx.state, b.requestId);
  },
  apply(tx, b, ctx) {
    const r = requestOf(ctx.state, b.requestId)!;
    ctx.state.put(`request/${b.requestId}`, { ...r, status: 'refused', reason: b.reason } as unknown as Canonical);
    countOpen(ctx.state, r.entity, -1);
    recordAudit(ctx, r.patient, 'share.refused', tx.author, { requestId: b.requestId, entity: r.entity, reason: b.reason });
  },
};

export const shareAccessBody = z.object({ requestId: id }).strict();

const shareAccess: TxRule<z.infer<typeof shareAccessBody>> = {
  body: shareAccessBody,
  check(tx, b, ctx) {
    const r = requestOf(ctx.state, b.requestId);
    if (!r) reject(`request ${b.requestId} does not exist`);
    if (r.status !== 'published') reject(`request ${b.requestId} has no package`);
    if (toHex(r.entity) !== toHex(tx.author)) reject('only the receiving entity acknowledges access');
    if (getMember(ctx.state, tx.author)?.role !== 'entity') reject('author is not a registered entity');
  },
  apply(tx, b, ctx) {
    const r = requestOf(ctx.state, b.requestId)!;
    recordAudit(ctx, r.patient, 'share.accessed', tx.author, { requestId: b.requestId });
  },
};

export const socialRules = {
  ...commonRules,
  'share.request': shareRequest,
  'share.publish': sharePublish,
  'share.refuse': shareRefuse,
  'share.access': shareAccess,
};
