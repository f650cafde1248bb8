/**
 * The shares area (src-shared/api/shares.ts): share requests, (signed) filing one and answering
 * one, the preview of what approving would publish, and the packages received or published: their
 * cross-chain proof checked, and their export.
 */
import { ApiError, purposeLabel, type Category } from '../../../src-shared/api';
import { toHex } from '../../codec/hex';
import { getMember } from '../../ledger/rules/members';
import { allRequests, answerOf, requestOf } from '../../ledger/rules/social';
import { bytesEqual } from '../../codec/canonical';
import { findPackage, packageIdOf, packagesOf } from '../../emr/share/answers';
import { classifyResource } from '../../emr/classify/index';
import { recordInfo, summarize, type FhirResource } from '../../emr/records';
import { fileShareRequest, myRequests, openPackage, packageFileOf, trustOf, verifyPackageAs } from '../../emr/share/entity';
import { finalizeProof, verifyCrossChainProof } from '../../emr/share/proof';
import { previewShare, processShareRequest } from '../../emr/share/provider';
import { publishedShares, shareStage } from '../../emr/share/store';
import { answerSummary, assertRequestable, dateMs, pseudonymousLabel } from '../checks';
import { pkOf, wrapTx, type AppSession } from '../session';
import { identityEntity, packageSummary } from '../summaries';
import { iso, requestView } from '../views';
import type { Handlers, SignedHandlers } from './types';
import { NotFound } from '../../ledger/errors';

export function sharesHandlers(s: AppSession): Handlers<'shares.requests' | 'shares.preview' | 'packages.list' | 'packages.verify' | 'packages.export'> {
  return {
    async 'shares.requests'(i) {
      const node = s.current().node;
      const want = i.status;
      // An entity never sees a patient's name: only the pseudonymous label its patient picker shows.
      const nameFor = (pk: Uint8Array) => (node.config.role === 'entity' ? pseudonymousLabel(toHex(pk)) : s.patientName(pk));
      const hospital = node.config.role === 'hospital';
      const social = node.ledger.state('social');
      // Per hospital (issue 11); a hospital's status is its own answer, so it can answer a request another hospital already answered.
      const views = (node.config.role === 'entity' ? myRequests(node) : hospital ? allRequests(social) : []).map((r) =>
        requestView(r, s.entities(), nameFor(r.patient), hospital ? { social, me: node.identity.blsPublicKey, local: shareStage(node, r.requestId) } : { social }),
      );
      return { requests: views.filter((r) => want === 'all' || r.status === want).sort((a, b) => b.filedAt.localeCompare(a.filedAt)) };
    },
    async 'shares.preview'(i) {
      const node = s.nodeAs('clinician');
      const p = previewShare(node, i.requestId);
      if (!p.allowed) return { requestId: i.requestId, decision: 'refused' as const, reason: p.reason, pseudonym: '', confidentiality: 'L' as const, included: [], excluded: [] };
      const patient = p.resources.find((r) => r.resourceType === 'Patient');
      return {
        requestId: i.requestId, decision: 'allowed' as const, reason: `consent ${p.consentId} permits it`, consentId: p.consentId, pseudonym: String(patient?.id ?? ''), confidentiality: 'L' as const,
        included: p.resources.slice(0, 200).map((r) => ({ resourceType: r.resourceType, category: classifyResource(r).category, summary: summarize(r as FhirResource), deidentified: r as unknown as Record<string, unknown> })),
        excluded: p.excluded.slice(0, 200).map((e) => {
          const info = recordInfo(node, e.recordId);
          return { resourceType: info.resourceType, category: info.labels.category as Category, reason: e.why };
        }),
      };
    },
    async 'packages.list'() {
      const node = s.current().node;
      // An entity lists a package once it can open it: published, and its ciphertext fetched.
      // One package per (request, hospital that shared): ./emr/share/answers.
      const social = node.ledger.state('social');
      if (node.config.role === 'entity') return { packages: myRequests(node).flatMap((r) => packagesOf(social, r)).filter((p) => node.blobs.has(p.answer.packageHash)).map((p) => packageSummary(s, node, p.id)) };
      if (node.config.role === 'hospital') {
        const mine = (id: string) => packagesOf(social, requestOf(social, id)!).filter((p) => bytesEqual(p.answer.hospital, node.identity.blsPublicKey));
        return { packages: publishedShares(node).filter((id) => requestOf(social, id)).flatMap(mine).map((p) => packageSummary(s, node, p.id)) };
      }
      return { packages: [] };
    },
    async 'packages.verify'(i) {
      const node = s.current().node;
      const { req: r, answer } = findPackage(node.ledger.state('social'), i.packageId);
      const proof = finalizeProof(node.ledger, answer.publishTx);
      const entity = getMember(node.ledger.state('social'), r.entity);
      const res = verifyCrossChainProof(node.bls, proof, trustOf(node), { requestId: r.requestId, packageHash: answer.packageHash, entity: r.entity, entityKind: entity?.kind, purpose: r.purpose, patient: r.patient });
      // The receiving entity also checks every record it holds against the attested root and the consent.
      const full = res.ok && node.config.role === 'entity' && toHex(r.entity) === node.publicKeyHex && node.blobs.has(answer.packageHash) ? verifyPackageAs(node, packageFileOf(node, i.packageId)) : null;
      const ok = res.ok && (full?.ok ?? true);
      s.verified.set(packageIdOf(r.requestId, answer.hospital), ok ? 'verified' : 'failed');
      const checks = full ? full.checks : res.ok ? res.details.checks : [{ name: 'Cross-chain proof', ok: false, detail: res.reason }];
      return {
        packageId: i.packageId, status: ok ? ('verified' as const) : ('failed' as const), checks,
        signers: [
          { party: 'patient (consent)', chain: 'patient' as const, publicKey: toHex(proof.consent.tx.author) },
          { party: 'hospital (attestation)', chain: 'hospital' as const, publicKey: toHex(proof.attestation.tx.author) },
          { party: 'social chain validators', chain: 'social' as const, publicKey: toHex(proof.publish.tx.author) },
        ],
        aggregateSignature: toHex(proof.signature), verifiedAt: iso(Date.now()),
      };
    },
    async 'packages.export'(i) {
      const node = s.nodeAs('entity');
      let opened;
      try {
        opened = openPackage(node, i.packageId);
      } catch (e) {
        if (e instanceof NotFound) throw e;
        throw new ApiError('FORBIDDEN', (e as Error).message);
      }
      s.verified.set(findPackage(node.ledger.state('social'), i.packageId).id, 'verified');
      const content = i.format === 'fhir' ? JSON.stringify(opened.bundle, null, 2) : opened.csv;
      return { filename: `${i.packageId.replace('@', '-from-')}.${i.format === 'fhir' ? 'json' : 'csv'}`, mediaType: i.format === 'fhir' ? 'application/fhir+json' : 'text/csv', content, bytes: Buffer.byteLength(content) };
    },
  };
}

export function sharesSigned(s: AppSession): SignedHandlers<'shares.request' | 'shares.approve'> {
  return {
    'shares.request': {
      summary: (i, who) => ({ who, what: `Request ${i.categories.join(', ')} of patient ${i.patientId.slice(0, 8)}… for ${purposeLabel(i.purpose)} (${i.period.from} to ${i.period.to})`, chain: ['social'], details: [] }),
      async run(i) {
        const node = s.nodeAs('entity');
        assertRequestable(s.holder('patient')?.ledger.state('patient'), pkOf(i.patientId), node);
        const { requestId } = wrapTx(() => fileShareRequest(node, { patient: pkOf(i.patientId), purpose: i.purpose, categories: i.categories, period: { start: dateMs(i.period.from), end: dateMs(i.period.to, true) } }));
        const r = requestOf(node.ledger.state('social'), requestId);
        return { request: r ? requestView(r, s.entities(), pseudonymousLabel(i.patientId)) : { id: requestId, entity: identityEntity(node), patientId: i.patientId, purpose: i.purpose, categories: i.categories, period: i.period, status: 'pending' as const, filedAt: iso(Date.now()) } };
      },
    },
    'shares.approve': {
      summary: (i, who) => answerSummary(s.current().node, i.requestId, who, (pk) => s.entities().find((e) => e.id === toHex(pk))?.name ?? 'the requester'),
      async run(i) {
        const node = s.nodeAs('clinician');
        const social = node.ledger.state('social');
        const before = shareStage(node, i.requestId);
        if (before) throw new ApiError('CONFLICT', `this hospital has already answered request ${i.requestId} (${before.stage === 'attesting' ? 'approved, being published' : before.stage})`);
        const pending = requestOf(social, i.requestId);
        if (pending && answerOf(social, pending, node.identity.blsPublicKey)) throw new ApiError('CONFLICT', `this hospital has already answered request ${i.requestId}`);
        const outcome = wrapTx(() => processShareRequest(node, i.requestId));
        // Publication follows the attestation's block (emr/share/workflow.ts), not this request:
        // the answer is back at once and the request shows approved until the package is published.
        const r = requestOf(social, i.requestId)!;
        const view = requestView(r, s.entities(), s.patientName(r.patient), { social, me: node.identity.blsPublicKey, local: shareStage(node, i.requestId) });
        return { request: view, package: outcome.status === 'published' ? packageSummary(s, node, packageIdOf(i.requestId, node.identity.blsPublicKey)) : undefined };
      },
    },
  };
}
