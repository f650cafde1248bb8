/**
 * The external sharing algorithm, entity side: file a request on the social chain; when the
 * package is published, verify its cross-chain proof, decrypt it, and export it as a FHIR Bundle
 * or CSV. Acknowledging receipt is itself a transaction (share.access) the patient can see.
 */
import { randomBytes } from 'node:crypto';
import { bytesEqual } from '../../codec/canonical';
import { toHex } from '../../codec/hex';
import { txId } from '../../ledger/encoding';
import { allRequests, answerOf, requestOf, type ShareRequestState } from '../../ledger/rules/social';
import { listAudit } from '../../ledger/rules/common';
import { getMember } from '../../ledger/rules/members';
import type { ChainId } from '../../ledger/types';
import type { TrichainNode } from '../../node/node';
import { packageToCsv } from '../deid/index';
import type { Category } from '../labels';
import { openBlob, packageAad, unwrapWith } from '../record-crypto';
import { checkPackageContents, packageHashOf, parsePayload, type PackageFile, type PackagePayload } from './package';
import { finalizeProof, verifyCrossChainProof, type CheckCovered, type CrossChainProof, type ProofCheck } from './proof';
import { findPackage } from './answers';

export interface RequestInput {
  patient: Uint8Array;
  purpose: ShareRequestState['purpose'];
  categories: Category[];
  period: { start: number; end: number };
  note?: string;
}

export function fileShareRequest(node: TrichainNode, r: RequestInput): { requestId: string; status: 'committed' | 'pending' } {
  if (node.config.role !== 'entity') throw new Error('only an outside entity files share requests');
  const requestId = `req-${toHex(randomBytes(12))}`;
  const res = node.submit('social', 'share.request', { requestId, patient: r.patient, purpose: r.purpose, categories: r.categories, period: r.period, ...(r.note ? { note: r.note } : {}) });
  return { requestId, status: res.status };
}

/** This entity's requests with their status (open, published, refused and the reason). */
export function myRequests(node: TrichainNode): ShareRequestState[] {
  const me = node.publicKeyHex;
  return allRequests(node.ledger.state('social')).filter((r) => toHex(r.entity) === me);
}

export interface OpenedPackage {
  proof: CrossChainProof;
  check: ProofCheck;
  bundle: PackagePayload['bundle'];
  csv: string;
  /** Every check made, what it covered (proof, decryption, records against root and consent). */
  checks: CheckCovered[];
}

/** The trust anchors an entity verifies against: its own social chain and the genesis documents it trusts. */
export function trustOf(node: TrichainNode) {
  return {
    genesis: (c: ChainId) => node.ledger.knownGenesis(c),
    // A chain this node does not hold: the proof's carried validator changes are replayed instead.
    validatorsAt: (c: ChainId, h: number) => (node.ledger.hasGenesis(c) ? node.ledger.validatorsAt(c, h) : null),
  };
}

/**
 * A published package as this node holds it (ciphertext and proof): `packageId` names the request
 * and the hospital that shared (./answers; a bare request id names its first package).
 */
export function packageFileOf(node: TrichainNode, packageId: string): Omit<PackageFile, 'format' | 'version'> {
  const { req, answer } = findPackage(node.ledger.state('social'), packageId);
  const ciphertext = node.blobs.get(answer.packageHash);
  if (!ciphertext) throw new Error('the package has not reached this node yet');
  return { requestId: req.requestId, ciphertext, proof: finalizeProof(node.ledger, answer.publishTx) };
}

export type PackageVerification =
  | { ok: true; checks: CheckCovered[]; proof: CrossChainProof; check: Extract<ProofCheck, { ok: true }>; payload: PackagePayload }
  | { ok: false; checks: CheckCovered[]; failed: string; reason: string };

/**
 * Verifies a received package as this entity, check by check, stopping at the first that fails:
 * the request on this entity's social chain, the cross-chain proof, decryption with this entity's
 * key, and every record against the attested root and the consent.
 */
export function verifyPackageAs(node: TrichainNode, file: Omit<PackageFile, 'format' | 'version'>): PackageVerification {
  const checks: CheckCovered[] = [];
  const fail = (name: string, reason: string): PackageVerification => {
    checks.push({ name, ok: false, detail: reason });
    return { ok: false, checks, failed: name, reason };
  };
  const hash = packageHashOf(file.ciphertext);
  let step = 'request on this entity\'s social chain';
  const req = requestOf(node.ledger.state('social'), file.requestId);
  if (!req) return fail(step, `request ${file.requestId} is not on this node's social chain`);
  if (toHex(req.entity) !== node.publicKeyHex) return fail(step, `request ${file.requestId} was filed by another entity`);
  // The package is one hospital's answer: the hospital that signed the publication the proof names.
  let publishId: Uint8Array;
  let hospital: Uint8Array;
  try {
    publishId = txId(file.proof.publish.tx);
    hospital = file.proof.publish.tx.author;
    if (!(hospital instanceof Uint8Array)) throw new Error('no author');
  } catch {
    return fail(step, 'the proof names no publication');
  }
  const answer = answerOf(node.ledger.state('social'), req, hospital);
  const by = getMember(node.ledger.state('social'), hospital)?.name ?? `hospital ${toHex(hospital).slice(0, 8)}`;
  if (!answer) return fail(step, `${by} has not answered request ${file.requestId} on the social chain`);
  if (answer.status !== 'published' || !answer.publishTx || !answer.packageHash) return fail(step, `${by} refused request ${file.requestId} on the social chain: ${answer.reason ?? 'no reason given'}`);
  if (!bytesEqual(answer.packageHash, hash)) return fail(step, `the package is not the one ${by} published on the social chain (its hash differs)`);
  if (!bytesEqual(answer.publishTx, publishId)) return fail(step, 'the proof names another publication than the social chain holds');
  checks.push({ name: step, ok: true, detail: `${file.requestId}: published by ${by}, package hash ${toHex(hash).slice(0, 16)}…` });

  step = 'cross-chain proof';
  const entityKind = (node.ledger.state('social').get(`member/${node.publicKeyHex}`) as { kind?: string } | undefined)?.kind;
  const check = verifyCrossChainProof(node.bls, file.proof, trustOf(node), { requestId: file.requestId, packageHash: hash, entity: node.identity.blsPublicKey, entityKind, purpose: req.purpose, patient: req.patient });
  if (!check.ok) return fail(step, check.reason);
  checks.push(...check.details.checks);

  step = 'decryption';
  let payload: PackagePayload;
  try {
    const aad = packageAad(file.requestId);
    const body = file.proof.publish.tx.body as { key: unknown };
    payload = parsePayload(openBlob(file.ciphertext, unwrapWith(node.identity.x25519SecretKey, body.key, aad), aad));
  } catch (e) {
    return fail(step, `cannot open the package with this entity's key: ${(e as Error).message}`);
  }
  checks.push({ name: 'Decrypted with this entity\'s key', ok: true, detail: `${payload.bundle.entry?.length ?? 0} de-identified resources` });

  step = 'records against the attested root and the consent';
  const contents = checkPackageContents(file.proof, payload);
  if (!contents.ok) return fail(step, contents.reason);
  checks.push({
    name: 'Every record attested and allowed by the consent', ok: true,
    detail: `${contents.count} records: each one's salted commitment, labels and version recompute the attested Merkle root; each is the consent's patient's, of a consented category, with no sensitivity code the consent does not name`,
  });
  return { ok: true, checks, proof: file.proof, check, payload };
}

/** Verifies the proof and the contents first; hands out only a package where every check holds. */
export function openPackage(node: TrichainNode, packageId: string, opts: { acknowledge?: boolean } = {}): OpenedPackage {
  const file = packageFileOf(node, packageId);
  const v = verifyPackageAs(node, file);
  if (!v.ok) throw new Error(`package ${v.failed === 'cross-chain proof' ? 'proof' : 'check'} failed: ${v.reason}`);
  const bundle = v.payload.bundle;
  const csv = packageToCsv((bundle.entry ?? []).map((e) => e.resource) as never);
  const hospital = v.proof.publish.tx.author;
  if (opts.acknowledge !== false && !acknowledged(node, file.requestId, hospital)) node.submit('social', 'share.access', { requestId: file.requestId, hospital });
  return { proof: v.proof, check: v.check, bundle, csv, checks: v.checks };
}

/**
 * Whether this entity's acknowledgement of one hospital's package is on the social chain (its audit
 * trail of the request's patient key); one without a hospital, from before packages were per
 * hospital, acknowledged the request's only package.
 */
function acknowledged(node: TrichainNode, requestId: string, hospital: Uint8Array): boolean {
  const social = node.ledger.state('social');
  const r = requestOf(social, requestId);
  if (!r) return false;
  return listAudit(social, r.patient).some((e) => {
    if (e.kind !== 'share.accessed' || e.detail.requestId !== requestId || !bytesEqual(e.actor, node.identity.blsPublicKey)) return false;
    const h = e.detail.hospital;
    return h === undefined || (h instanceof Uint8Array && bytesEqual(h, hospital));
  });
}

