/**
 * The summaries several areas answer with: a patient's, a published package's, the packages
 * already shared from a patient's records, and an entity's own reference.
 */
import type { Category, EntityRef, PackageSummary, PatientSummary } from '../../src-shared/api';
import { toHex } from '../codec/hex';
import { allRequests, requestOf } from '../ledger/rules/social';
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

export function packageSummary(s: AppSession, node: TrichainNode, requestId: string): PackageSummary {
  const st = node.ledger.state('social');
  const r = requestOf(st, requestId)!;
  const proof = r.publishTx ? finalizeProof(node.ledger, r.publishTx) : null;
  const body = proof ? (proof.publish.tx.body as { resourceCount: number; labelsSummary?: Record<string, number> }) : { resourceCount: 0 };
  // The categories the request asked for that the consent allows (the counts per category stay inside the package).
  const consented = proof ? (proof.consent.tx.body as { categories: string[] }).categories : [];
  const categories = body.labelsSummary ? Object.keys(body.labelsSummary) : r.categories.filter((x) => consented.includes(x));
  return {
    id: requestId, requestId, entity: requestView(r, s.entities()).entity,
    // The package's own pseudonym (an HMAC only the provider can compute) is inside the package.
    patientPseudonym: `pseudonymous patient of request ${requestId.slice(0, 12)}`,
    purpose: r.purpose, categories: categories as Category[], resourceCount: body.resourceCount,
    publishedAt: iso(r.publishHeight ? node.ledger.block('social', r.publishHeight)!.header.time : r.filedAt), packageHash: toHex(r.packageHash!),
    socialHeight: r.publishHeight, verification: s.verified.get(requestId) ?? ('unverified' as const),
  };
}

/** The packages already published from this patient's records (what a revocation cannot call back), each with its record count and consent. */
export function alreadyShared(s: AppSession, pk: Uint8Array) {
  const social = s.holder('social');
  if (!social) return [];
  return allRequests(social.ledger.state('social'))
    .filter((r) => r.status === 'published' && toHex(s.ownerOf(r.patient) ?? r.patient) === toHex(pk))
    .map((r) => {
      const published = publication(social, r.publishTx);
      return {
        packageId: r.requestId, entityName: requestView(r, s.entities()).entity.name, sharedAt: iso(published?.time ?? r.filedAt),
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
