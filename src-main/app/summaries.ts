/**
 * The summaries several areas answer with: a patient's, a published package's, the packages
 * already shared from a patient's records, and an entity's own reference.
 */
import type { Category, EntityRef, PackageSummary, PatientSummary } from '../../src-shared/api';
import { toHex } from '../codec/hex';
import { allRequests } from '../ledger/rules/social';
import { getMember } from '../ledger/rules/members';
import { findPackage, packageIdOf, packagesOf } from '../emr/share/answers';
import { canonicalDecode } from '../codec/canonical';
import type { TrichainNode } from '../node/node';
import { myRecords } from '../emr/patient-view';
import { findPatient } from '../emr/patients';
import { patientRecordIds } from '../emr/records';
import { finalizeProof } from '../emr/share/proof';
import type { AppSession } from './session';
import { iso, requestView } from './views';

export function patientSummary(s: AppSession, node: TrichainNode, pk: Uint8Array, name?: string, birthYear?: number | null): PatientSummary {
  return {
    id: toHex(pk), name: name ?? s.patientName(pk) ?? `Patient ${toHex(pk).slice(0, 8)}`, birthDate: birthYear ? String(birthYear) : undefined,
    mrn: node.config.role === 'hospital' ? findPatient(node, pk)?.mrn ?? undefined : undefined,
    recordCount: node.ledger.hasGenesis('hospital') ? patientRecordIds(node, pk).length : myRecords(node, pk).length,
    consentStatus: s.consentStatus(node, pk),
  };
}

/** A published package (`packageId`: its request and the hospital that shared it, ../emr/share/answers). */
export function packageSummary(s: AppSession, node: TrichainNode, packageId: string): PackageSummary {
  const { req: r, answer } = findPackage(node.ledger.state('social'), packageId);
  const requestId = r.requestId;
  const proof = finalizeProof(node.ledger, answer.publishTx);
  const body = proof.publish.tx.body as { resourceCount: number; labelsSummary?: Record<string, number> };
  // The categories the request asked for that the consent allows (the counts per category stay inside the package).
  const consented = (proof.consent.tx.body as { categories: string[] }).categories;
  const categories = body.labelsSummary ? Object.keys(body.labelsSummary) : r.categories.filter((x) => consented.includes(x));
  return {
    id: packageIdOf(requestId, answer.hospital), requestId, hospitalName: getMember(node.ledger.state('social'), answer.hospital)?.name, entity: requestView(r, s.entities()).entity,
    // The package's own pseudonym (an HMAC only the provider can compute) is inside the package.
    patientPseudonym: `pseudonymous patient of request ${requestId.slice(0, 12)}`,
    purpose: r.purpose, categories: categories as Category[], resourceCount: body.resourceCount,
    publishedAt: iso(node.ledger.block('social', answer.publishHeight)?.header.time ?? answer.time), packageHash: toHex(answer.packageHash),
    socialHeight: answer.publishHeight, verification: s.verified.get(packageIdOf(requestId, answer.hospital)) ?? ('unverified' as const),
  };
}

/**
 * The packages already published from this patient's records (what a revocation cannot call back),
 * one per (request, hospital that shared), each with its record count, consent and hospital.
 */
export function alreadyShared(s: AppSession, pk: Uint8Array) {
  const social = s.holder('social');
  if (!social) return [];
  const state = social.ledger.state('social');
  return allRequests(state)
    .filter((r) => toHex(s.ownerOf(r.patient) ?? r.patient) === toHex(pk))
    .flatMap((r) => packagesOf(state, r))
    .map(({ id, req: r, answer }) => {
      const published = publication(social, answer.publishTx);
      return {
        packageId: id, entityName: requestView(r, s.entities()).entity.name, hospitalName: getMember(state, answer.hospital)?.name ?? 'a hospital', sharedAt: iso(published?.time ?? r.filedAt),
        categories: r.categories as Category[], resourceCount: published?.resourceCount ?? 0, consentId: published?.consentId,
      };
    });
}

/** What a committed share.publish says: how many records went out, when, under which consent. */
function publication(node: TrichainNode, publishTx: Uint8Array | undefined): { resourceCount: number; time: number; consentId?: string } | null {
  const at = publishTx && node.ledger.txLocation('social', publishTx);
  const tx = at ? node.ledger.block('social', at.height)?.txs[at.index] : undefined;
  if (!tx || tx.type !== 'share.publish') return null;
  const body = tx.body as { resourceCount: number; evidence: Uint8Array };
  let consentId: string | undefined;
  try {
    const ev = canonicalDecode(body.evidence) as { consent?: { tx?: { body?: { consentId?: unknown } } } };
    if (typeof ev.consent?.tx?.body?.consentId === 'string') consentId = ev.consent.tx.body.consentId;
  } catch {
    /* a package without readable evidence is still counted */
  }
  return { resourceCount: body.resourceCount, time: tx.time, consentId };
}

export const identityEntity = (node: TrichainNode): EntityRef => ({ id: node.publicKeyHex, name: node.config.name, kind: (node.config.kind ?? 'other') as EntityRef['kind'] });
