/**
 * The external sharing algorithm, provider side (DESIGN.md §6):
 *  1. read the entity's request from the social chain;
 *  2. check the patient's consents on the patient chain; no consent, expired, revoked, wrong
 *     purpose: refuse on the social chain with a reason the entity can read, audited;
 *  3. select this hospital's records of the patient whose labels the consent allows (a sensitive
 *     code leaves only when the consent names it) and whose date falls in the requested period;
 *     de-identify them for the entity (Safe Harbor; a pseudonym per entity) and check the result;
 *  4. commit to each released resource with a fresh salt (ledger/release.ts), put the openings
 *     beside the Bundle in the package, encrypt it for the entity; release the record list on the
 *     hospital chain (its validators check every record's labels against the consent), attest its
 *     constant-size root once the release is committed, and once the attestation is committed
 *     publish on the social chain with the evidence of the cross-chain proof. Revocation stops
 *     every later share at once: the consent is re-checked just before publishing, and the
 *     validators of both chains check it too.
 */
import { randomBytes } from 'node:crypto';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex, utf8 } from '../../codec/hex';
import { getMember } from '../../ledger/rules/members';
import { answerOf, requestOf, type ShareRequestState } from '../../ledger/rules/social';
import { releaseCommitment, releaseLeafHash, releaseRoot, SALT_BYTES, sourceTag } from '../../ledger/release';
import type { TrichainNode } from '../../node/node';
import { consentsSignedWith, decideConsent, labelsAllowed, type ConsentDecision } from '../consent';
import { ownerOfGranteeKey, recordHolders } from '../../ledger/rules/patient';
import { assertSafeHarbor, deidentify, DROPPED_RESOURCE_TYPES } from '../deid/index';
import { toBundle } from '../fhir/index';
import type { Category } from '../labels';
import { packageAad, sealBlob, wrapFor } from '../record-crypto';
import { mirrorAudit } from '../audit';
import { patientRecordIds, readRecord, recordInfo, type FhirResource } from '../records';
import type { LabelsBody } from '../../ledger/rules/hospital';
import { releasedHash, type PackageOpening, type PackagePayload } from './package';
import { buildShareEvidence, encodeEvidence } from './proof';
import { addAttesting, attestingShares, markPublished, markRefused, saveWork, type ShareWork } from './store';
import { NotFound } from '../../ledger/errors';

export class ShareError extends Error {}

/** The provider's secret for pseudonyms: derived from its identity, never leaves the node. */
export function pseudonymKey(node: TrichainNode): Uint8Array {
  return hkdf(sha256, node.identity.x25519SecretKey, undefined, utf8('trichain/pseudonym-key/v1'), 32);
}

export type ShareOutcome =
  | { status: 'refused'; reason: string }
  | { status: 'attesting'; resources: number }
  | { status: 'published'; resources: number; packageHash: string };

function refuse(node: TrichainNode, req: ShareRequestState, requestId: string, reason: string, holders?: Uint8Array[]): ShareOutcome {
  node.submit('social', 'share.refuse', { requestId, reason, ...(holders ? { holders } : {}) });
  const owner = requestPatient(node, req);
  if (owner) mirrorAudit(node, owner, 'share.refused', { requestId, entity: toHex(req.entity), reason });
  markRefused(node, requestId, reason);
  return { status: 'refused', reason };
}

export interface Selection {
  resources: FhirResource[];
  records: { recordId: string; version: number; contentHash: Uint8Array; labels: LabelsBody }[];
  labelsSummary: Record<string, number>;
  excluded: { recordId: string; why: string }[];
}

/** Step 3's selection: this hospital's records of the patient that the consent and period allow. */
export function selectRecords(node: TrichainNode, req: Pick<ShareRequestState, 'patient' | 'period'>, consent: { sensitivity: readonly string[] }, categories: Category[]): Selection {
  const out: Selection = { resources: [], records: [], labelsSummary: {}, excluded: [] };
  const local = node.db.prepare('SELECT effective FROM emr_records WHERE record_id = ?').pluck();
  for (const recordId of patientRecordIds(node, req.patient)) {
    const info = recordInfo(node, recordId);
    if (info.erased) continue;
    if (toHex(info.org) !== node.publicKeyHex) continue;
    if (!labelsAllowed(info.labels, { sensitivity: consent.sensitivity as never }, categories)) {
      const why = categories.includes(info.labels.category) ? `sensitive (${info.labels.sensitivity.join(', ')}) and not named by the consent` : `category ${info.labels.category} not requested or not consented`;
      out.excluded.push({ recordId, why });
      continue;
    }
    const eff = local.get(recordId) as string | null | undefined;
    const t = eff ? Date.parse(eff) : NaN;
    if (info.labels.category !== 'demographics' && Number.isFinite(t) && (t < req.period.start || t > req.period.end)) {
      out.excluded.push({ recordId, why: 'outside the requested period' });
      continue;
    }
    const { resource } = readRecord(node, recordId);
    if (DROPPED_RESOURCE_TYPES.has(resource.resourceType)) {
      out.excluded.push({ recordId, why: `de-identification never releases a ${resource.resourceType}` });
      continue;
    }
    out.resources.push(resource);
    out.records.push({ recordId, version: info.version, contentHash: info.meta.contentHash, labels: info.labels });
    out.labelsSummary[info.labels.category] = (out.labelsSummary[info.labels.category] ?? 0) + 1;
  }
  return out;
}

/**
 * The patient behind a request: the request names the patient only by their key for a grantee;
 * the patient chain (providers only) says whose key it is.
 */
export function requestPatient(node: TrichainNode, req: Pick<ShareRequestState, 'patient'>): Uint8Array | undefined {
  return ownerOfGranteeKey(node.ledger.state('patient'), req.patient);
}

/**
 * The hospitals holding records of the patient (from the patient chain's record index), as an
 * answer states them so that the entity sees who has not answered yet; only hospitals of the
 * social chain. Stated only where the patient's consent covers the entity: a refusal for want of
 * consent tells the entity nothing of where the patient is treated.
 */
export function holdersFor(node: TrichainNode, owner: Uint8Array): Uint8Array[] {
  const social = node.ledger.state('social');
  return recordHolders(node.ledger.state('patient'), owner).filter((h) => getMember(social, h)?.role === 'hospital');
}

/** Whether this hospital's own answer to the request is on the social chain. */
export const answeredHere = (node: TrichainNode, req: ShareRequestState): boolean => !!answerOf(node.ledger.state('social'), req, node.identity.blsPublicKey);

/** Step 2: what the patient's consents signed with the request's key say about this request now. */
function decide(node: TrichainNode, req: ShareRequestState, now: number) {
  const entity = getMember(node.ledger.state('social'), req.entity);
  const owner = requestPatient(node, req);
  const consents = consentsSignedWith(node.ledger.state('patient'), req.patient);
  const decision: ConsentDecision = owner
    ? decideConsent(consents, { entity: req.entity, kind: entity?.kind }, req.purpose, req.categories as Category[], now)
    : { ok: false, reason: 'the request names no patient key registered on the patient chain' };
  return { entity, decision, owner };
}

/** A de-identified preview of what a request would release (nothing is signed or published). */
export function previewShare(node: TrichainNode, requestId: string, now = Date.now()) {
  const req = requestOf(node.ledger.state('social'), requestId);
  if (!req) throw new NotFound(`request ${requestId} is not on the social chain`);
  const { decision } = decide(node, req, now);
  if (!decision.ok) return { allowed: false as const, reason: decision.reason, resources: [], excluded: [] };
  const sel = selectRecords(node, { patient: decision.consent.owner, period: req.period }, decision.consent, decision.categories);
  const { resources, report } = deidentify(sel.resources as never, { pseudonymKey: pseudonymKey(node), entityId: toHex(req.entity), purpose: req.purpose });
  return { allowed: true as const, consentId: decision.consent.consentId, resources, report, labelsSummary: sel.labelsSummary, excluded: sel.excluded };
}

/**
 * Steps 1 to 4 for one request. Where this node is the hospital chain's sole validator the
 * attestation commits at once and the package is published in the same call; otherwise the
 * share waits in 'attesting' until continueShares sees the attestation committed.
 */
export function processShareRequest(node: TrichainNode, requestId: string, now = Date.now()): ShareOutcome {
  if (node.config.role !== 'hospital') throw new ShareError('only a hospital node answers share requests');
  const req = requestOf(node.ledger.state('social'), requestId);
  if (!req) throw new NotFound(`request ${requestId} is not on the social chain`);
  if (answeredHere(node, req)) throw new ShareError(`this hospital has already answered request ${requestId}`);
  const { entity, decision } = decide(node, req, now);
  if (!entity || entity.role !== 'entity') return refuse(node, req, requestId, 'requester is not a registered entity');
  if (!decision.ok) return refuse(node, req, requestId, decision.reason);

  const sel = selectRecords(node, { patient: decision.consent.owner, period: req.period }, decision.consent, decision.categories);
  if (sel.resources.length === 0) return refuse(node, req, requestId, 'no records of this hospital match the consent and the request', holdersFor(node, decision.consent.owner));
  const { resources } = deidentify(sel.resources as never, { pseudonymKey: pseudonymKey(node), entityId: toHex(req.entity), purpose: req.purpose });
  const findings = assertSafeHarbor(resources, sel.resources as never);
  if (findings.length > 0) throw new ShareError(`de-identification left identifiers (${findings.map((f) => f.kind).join(', ')}); nothing was published`);

  if (resources.length !== sel.records.length) throw new ShareError('de-identification changed the number of resources; nothing was published');

  // One salted commitment per released resource; the openings travel inside the encrypted package.
  const c = decision.consent;
  const openings: PackageOpening[] = [];
  const released = sel.records.map((r, i) => {
    const salt = new Uint8Array(randomBytes(SALT_BYTES));
    const hash = releasedHash(resources[i]);
    const source = sourceTag(salt, r.contentHash);
    openings.push({ salt: toHex(salt), source: toHex(source), labels: r.labels, version: r.version, patient: toHex(c.patient) });
    return { recordId: r.recordId, version: r.version, salt, released: hash, leaf: releaseLeafHash({ commitment: releaseCommitment(salt, hash, source), labels: r.labels, version: r.version, patient: c.patient }) };
  });
  const root = releaseRoot(released.map((r) => r.leaf));
  const payload: PackagePayload = { bundle: toBundle(resources, 'collection') as PackagePayload['bundle'], openings };
  const aad = packageAad(requestId);
  const sealed = sealBlob(utf8(JSON.stringify(payload)), aad);
  const packageHash = node.blobs.put(sealed.blob);
  const key = wrapFor(entity.x25519Pk, sealed.dataKey, aad);
  sealed.dataKey.fill(0);
  const release = node.submit('hospital', 'records.release', {
    requestId, packageHash, root,
    consent: { consentId: c.consentId, grantTx: c.grantTx, patient: c.patient, owner: c.owner, categories: c.categories, sensitivity: c.sensitivity, period: c.period },
    records: released.map(({ recordId, version, salt, released: r }) => ({ recordId, version, salt, released: r })),
  });
  const work: ShareWork = {
    requestId, packageHash, releaseTx: release.id, root, consentTx: c.grantTx, consentId: c.consentId,
    key, resourceCount: resources.length, labelsSummary: sel.labelsSummary,
  };
  addAttesting(node, work);
  const done = continueShares(node, now).find((p) => p.requestId === requestId);
  return done?.outcome ?? { status: 'attesting', resources: resources.length };
}

/** Nodes whose continueShares is running, and whether a block committed meanwhile (run again). */
const advancing = new WeakMap<TrichainNode, { again: boolean }>();

/**
 * Publishes every share whose attestation has committed, re-checking its consent first (and
 * attests every release that has committed). The share workflow (./workflow.ts) runs it after
 * each committed block. A call made while it runs (a sole validator's own submission commits a
 * block at once, whose step calls it again) only asks the running one for another pass.
 */
export function continueShares(node: TrichainNode, now = Date.now()): { requestId: string; outcome: ShareOutcome }[] {
  const running = advancing.get(node);
  if (running) {
    running.again = true;
    return [];
  }
  const state = { again: false };
  advancing.set(node, state);
  const out: { requestId: string; outcome: ShareOutcome }[] = [];
  try {
    do {
      state.again = false;
      out.push(...advanceOnce(node, now));
    } while (state.again);
  } finally {
    advancing.delete(node);
  }
  return out;
}

function advanceOnce(node: TrichainNode, now: number): { requestId: string; outcome: ShareOutcome }[] {
  const out: { requestId: string; outcome: ShareOutcome }[] = [];
  for (const w of attestingShares(node)) {
    if (!w.attestTx) {
      // The release is committed: attest its root (constant size; this is what the proof carries).
      if (!node.ledger.txLocation('hospital', w.releaseTx)) continue;
      w.attestTx = node.submit('hospital', 'records.attest', { requestId: w.requestId, packageHash: w.packageHash, consentTx: w.consentTx, root: w.root, count: w.resourceCount }).id;
      saveWork(node, w);
    }
    if (!node.ledger.txLocation('hospital', w.attestTx)) continue;
    const req = requestOf(node.ledger.state('social'), w.requestId)!;
    if (answeredHere(node, req)) continue;
    const { decision } = decide(node, req, now);
    if (!decision.ok || decision.consent.consentId !== w.consentId) {
      node.blobs.delete(w.packageHash);
      out.push({ requestId: w.requestId, outcome: refuse(node, req, w.requestId, decision.ok ? 'the consent changed before publication' : decision.reason) });
      continue;
    }
    const evidence = buildShareEvidence(node.ledger, w.consentTx, w.attestTx);
    node.submit('social', 'share.publish', {
      requestId: w.requestId, packageHash: w.packageHash, resourceCount: w.resourceCount, key: w.key, evidence: encodeEvidence(evidence),
      holders: holdersFor(node, decision.consent.owner),
    });
    markPublished(node, w.requestId);
    mirrorAudit(node, requestPatient(node, req)!, 'share.published', { requestId: w.requestId, entity: toHex(req.entity), resources: w.resourceCount, purpose: req.purpose });
    out.push({ requestId: w.requestId, outcome: { status: 'published', resources: w.resourceCount, packageHash: toHex(w.packageHash) } });
  }
  return out;
}
