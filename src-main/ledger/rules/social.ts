/**
 * Social chain rules (DESIGN.md §3, §6): entities registered by a provider (with their proof of
 * possession), share requests filed by entities, packages published or requests refused by
 * providers, and package access acknowledged by the receiving entity.
 *
 * Each hospital answers a request for itself (issue 11, finding 6): once, by publishing its package
 * or refusing; a second answer by the same hospital is refused, answers by other hospitals stay
 * possible. The first answer is kept in the request itself, exactly as before answers were per
 * hospital (so old blocks apply to the same state root); its hospital is the actor of its audit
 * entry. Every later answer has its own key. Answers made with the current code also state which
 * hospitals hold records of the patient (`holders`, checked by the validators on their patient
 * chain), so the entity knows who has not answered yet.
 *
 * State:
 *   request/<id> -> ShareRequestState (with the first answer)
 *   answer/<id>@<hospital> -> ShareAnswer (every later answer; '@' never occurs in an id)
 *   holders/<id> -> the hospitals holding records of the request's patient, as the latest answer stated
 *   open-requests/<entity> -> number of the entity's requests no hospital has answered yet
 *   audit/<patient>/<time>/<tx> -> AuditEntry
 *
 * Bounds (issue 13, finding 6): an entity has at most MAX_OPEN_REQUESTS requests open at once (a
 * count in the chain's state, so every validator agrees; it falls when the first hospital publishes
 * or refuses: the limit bounds requests nobody has looked at), and a request must name a patient
 * who is a member: a key a registered patient registered for a grantee (`consent.key`), which
 * validators look up on their patient chain.
 */
import { z } from 'zod';
import { bytesEqual, canonicalDecode, type Canonical } from '../../codec/canonical';
import { toHex } from '../../codec/hex';
import { CATEGORIES, PURPOSE_CODES } from '../../../src-shared/vocabulary';
import { commonRules, listAudit, recordAudit } from './common';
import { getMember, requireMember } from './members';
import { txId } from '../encoding';
import { consentGrantBody, ownerOfGranteeKey, recordHolders } from './patient';
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
  /** 'open' until the first hospital answers; that answer's outcome after (see answersOf for every hospital's). */
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

/** One hospital's answer to a request: its package published, or its refusal. */
export interface ShareAnswer {
  hospital: Uint8Array;
  status: 'published' | 'refused';
  time: number;
  reason?: string;
  packageHash?: Uint8Array;
  publishTx?: Uint8Array;
  publishHeight?: number;
  resourceCount?: number;
}

/** At most this many hospitals named as holders of a patient's records in one answer. */
export const MAX_HOLDERS = 256;
const holdersField = z.array(blsPk).max(MAX_HOLDERS).optional();

const answerKey = (requestId: string, hospital: Uint8Array) => `answer/${requestId}@${toHex(hospital)}`;
const holdersKey = (requestId: string) => `holders/${requestId}`;

/** The first answer, kept in the request itself; its hospital is the actor of its audit entry (the one no later answer accounts for). */
function firstAnswer(s: StateReader, r: ShareRequestState, later: ShareAnswer[]): ShareAnswer | undefined {
  if (r.status === 'open') return undefined;
  const kind = r.status === 'published' ? 'share.published' : 'share.refused';
  const others = new Set(later.map((a) => toHex(a.hospital)));
  const e = listAudit(s, r.patient).find((x) => x.kind === kind && x.detail.requestId === r.requestId && !others.has(toHex(x.actor)));
  if (!e) return undefined;
  if (r.status === 'refused') return { hospital: e.actor, status: 'refused', time: e.time, reason: r.reason ?? 'refused' };
  return { hospital: e.actor, status: 'published', time: e.time, packageHash: r.packageHash, publishTx: r.publishTx, publishHeight: r.publishHeight, resourceCount: Number(e.detail.resources ?? 0) };
}

/** Every hospital's answer to a request, the first one first. */
export function answersOf(s: StateReader, r: ShareRequestState): ShareAnswer[] {
  const later = s.scan(`answer/${r.requestId}@`).map(([, v]) => v as unknown as ShareAnswer);
  const first = firstAnswer(s, r, later);
  return first ? [first, ...later] : later;
}

/** `hospital`'s answer to the request, if it gave one. */
export const answerOf = (s: StateReader, r: ShareRequestState, hospital: Uint8Array): ShareAnswer | undefined =>
  answersOf(s, r).find((a) => bytesEqual(a.hospital, hospital));

/** The hospitals holding records of the request's patient, as the latest answer stated them (empty before any). */
export const holdersOf = (s: StateReader, requestId: string): Uint8Array[] => (s.get(holdersKey(requestId)) as Uint8Array[] | undefined) ?? [];

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
    /** The hospitals holding records of the patient (absent in old blocks; see checkHolders). */
    holders: holdersField,
  })
  .strict();
export type SharePublishBody = z.infer<typeof sharePublishBody>;

/** The request, which this hospital has not answered yet. */
function requireUnanswered(s: StateReader, requestId: string, hospital: Uint8Array, what: string): ShareRequestState {
  const r = requestOf(s, requestId);
  if (!r) reject(`request ${requestId} does not exist`);
  const a = answerOf(s, r, hospital);
  if (a) reject(`${what}: this hospital has already ${a.status === 'published' ? 'published its package for' : 'refused'} request ${requestId}`);
  return r;
}

/**
 * The hospitals an answer names as holding records of the request's patient: hospitals of this
 * chain, each named once, and (a validator's own look at its patient chain, at admission) each
 * holding at least one record of the patient. A lagging replica may not know a new holder yet;
 * it refuses the answer rather than state something it cannot see.
 */
function checkHolders(ctx: TxContext, r: ShareRequestState, holders: Uint8Array[] | undefined, what: string): void {
  if (!holders) return;
  const seen = new Set<string>();
  for (const h of holders) {
    if (seen.has(toHex(h))) reject(`${what}: a holder is named twice`);
    seen.add(toHex(h));
    if (getMember(ctx.state, h)?.role !== 'hospital') reject(`${what}: a named holder is not a hospital of this chain`);
  }
  if (!ctx.peer) return;
  const patients = ctx.peer('patient');
  if (!patients) {
    if (ctx.admission === 'block') reject(`${what}: this validator does not hold the patient chain, so it cannot check the holders`);
    return;
  }
  const owner = ownerOfGranteeKey(patients, r.patient);
  const known = new Set(owner ? recordHolders(patients, owner).map(toHex) : []);
  for (const h of seen) if (!known.has(h)) reject(`${what}: a named holder holds no record of this patient`);
}

/**
 * Records one hospital's answer. The first is written into the request exactly as before answers
 * were per hospital, and the request stops counting as open; later ones get their own key.
 */
function recordAnswer(ctx: TxContext, r: ShareRequestState, a: ShareAnswer, holders: Uint8Array[] | undefined): void {
  if (r.status === 'open') {
    const next = a.status === 'published'
      ? { ...r, status: 'published', packageHash: a.packageHash, publishTx: a.publishTx, publishHeight: a.publishHeight }
      : { ...r, status: 'refused', reason: a.reason };
    ctx.state.put(`request/${r.requestId}`, next as unknown as Canonical);
    countOpen(ctx.state, r.entity, -1);
  } else {
    ctx.state.put(answerKey(r.requestId, a.hospital), Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) as unknown as Canonical);
  }
  if (holders) ctx.state.put(holdersKey(r.requestId), holders as unknown as Canonical);
}

const sharePublish: TxRule<SharePublishBody> = {
  body: sharePublishBody,
  check(tx, b, ctx) {
    requireMember(ctx.state, tx.author, ['hospital'], 'publish share');
    const r = requireUnanswered(ctx.state, b.requestId, tx.author, 'publish share');
    checkEvidence(tx, b, r, ctx);
    checkHolders(ctx, r, b.holders, 'publish share');
  },
  apply(tx, b, ctx) {
    const r = requestOf(ctx.state, b.requestId)!;
    recordAnswer(ctx, r, { hospital: tx.author, status: 'published', time: ctx.time, packageHash: b.packageHash, publishTx: ctx.txId, publishHeight: ctx.height, resourceCount: b.resourceCount }, b.holders);
    recordAudit(ctx, r.patient, 'share.published', tx.author, { requestId: b.requestId, entity: r.entity, resources: b.resourceCount });
  },
};

export const shareRefuseBody = z.object({ requestId: id, reason: z.string().min(1).max(1000), holders: holdersField }).strict();

const shareRefuse: TxRule<z.infer<typeof shareRefuseBody>> = {
  body: shareRefuseBody,
  check(tx, b, ctx) {
    requireMember(ctx.state, tx.author, ['hospital'], 'refuse share');
    const r = requireUnanswered(ctx.state, b.requestId, tx.author, 'refuse share');
    checkHolders(ctx, r, b.holders, 'refuse share');
  },
  apply(tx, b, ctx) {
    const r = requestOf(ctx.state, b.requestId)!;
    recordAnswer(ctx, r, { hospital: tx.author, status: 'refused', time: ctx.time, reason: b.reason }, b.holders);
    recordAudit(ctx, r.patient, 'share.refused', tx.author, { requestId: b.requestId, entity: r.entity, reason: b.reason });
  },
};

/** `hospital`: whose package was accessed (absent in old blocks: the request's only package then). */
export const shareAccessBody = z.object({ requestId: id, hospital: blsPk.optional() }).strict();

const shareAccess: TxRule<z.infer<typeof shareAccessBody>> = {
  body: shareAccessBody,
  check(tx, b, ctx) {
    const r = requestOf(ctx.state, b.requestId);
    if (!r) reject(`request ${b.requestId} does not exist`);
    const published = answersOf(ctx.state, r).filter((a) => a.status === 'published' && (!b.hospital || bytesEqual(a.hospital, b.hospital)));
    if (published.length === 0) reject(`request ${b.requestId} has no package${b.hospital ? ' from that hospital' : ''}`);
    if (toHex(r.entity) !== toHex(tx.author)) reject('only the receiving entity acknowledges access');
    if (getMember(ctx.state, tx.author)?.role !== 'entity') reject('author is not a registered entity');
  },
  apply(tx, b, ctx) {
    const r = requestOf(ctx.state, b.requestId)!;
    recordAudit(ctx, r.patient, 'share.accessed', tx.author, { requestId: b.requestId, ...(b.hospital ? { hospital: b.hospital } : {}) });
  },
};

export const socialRules = {
  ...commonRules,
  'share.request': shareRequest,
  'share.publish': sharePublish,
  'share.refuse': shareRefuse,
  'share.access': shareAccess,
};
