/**
 * The shares area (src-shared/api/shares.ts): share requests, (signed) filing one and answering
 * one, the preview of what approving would publish, and the packages received or published: their
 * cross-chain proof checked, and their export.
 */
import { ApiError, purposeLabel, type Category } from '../../../src-shared/api';
import { toHex } from '../../codec/hex';
import { getMember } from '../../ledger/rules/members';
import { allRequests, requestOf } from '../../ledger/rules/social';
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
      const views = (node.config.role === 'entity' ? myRequests(node) : hospital ? allRequests(node.ledger.state('social')) : []).map((r) =>
        requestView(r, s.entities(), nameFor(r.patient), hospital ? shareStage(node, r.requestId) : undefined),
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
      if (node.config.role === 'entity') return { packages: myRequests(node).filter((r) => r.status === 'published' && r.packageHash && node.blobs.has(r.packageHash)).map((r) => packageSummary(s, node, r.requestId)) };
      if (node.config.role === 'hospital') {
        return { packages: publishedShares(node).filter((id) => requestOf(node.ledger.state('social'), id)?.status === 'published').map((id) => packageSummary(s, node, id)) };
      }
      return { packages: [] };
    },
    async 'packages.verify'(i) {
      const node = s.current().node;
      const r = requestOf(node.ledger.state('social'), i.packageId);
      if (!r || r.status !== 'published' || !r.publishTx) throw new ApiError('NOT_FOUND', `no published package ${i.packageId}`);
      const proof = finalizeProof(node.ledger, r.publishTx);
      const entity = getMember(node.ledger.state('social'), r.entity);
      const res = verifyCrossChainProof(node.bls, proof, trustOf(node), { requestId: i.packageId, packageHash: r.packageHash!, entity: r.entity, entityKind: entity?.kind, purpose: r.purpose, patient: r.patient });
      // The receiving entity also checks every record it holds against the attested root and the consent.
      const full = res.ok && node.config.role === 'entity' && toHex(r.entity) === node.publicKeyHex && node.blobs.has(r.packageHash!) ? verifyPackageAs(node, packageFileOf(node, i.packageId)) : null;
      const ok = res.ok && (full?.ok ?? true);
      s.verified.set(i.packageId, ok ? 'verified' : 'failed');
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
      s.verified.set(i.packageId, 'verified');
      const content = i.format === 'fhir' ? JSON.stringify(opened.bundle, null, 2) : opened.csv;
      return { filename: `${i.packageId}.${i.format === 'fhir' ? 'json' : 'csv'}`, mediaType: i.format === 'fhir' ? 'application/fhir+json' : 'text/csv', content, bytes: Buffer.byteLength(content) };
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
        const before = shareStage(node, i.requestId);
        if (before) throw new ApiError('CONFLICT', `request ${i.requestId} is already answered (${before.stage === 'attesting' ? 'approved, being published' : before.stage})`);
        const outcome = wrapTx(() => processShareRequest(node, i.requestId));
        // Publication follows the attestation's block (emr/share/workflow.ts), not this request:
        // the answer is back at once and the request shows approved until the package is published.
        const r = requestOf(node.ledger.state('social'), i.requestId)!;
        return { request: requestView(r, s.entities(), s.patientName(r.patient), shareStage(node, i.requestId)), package: outcome.status === 'published' ? packageSummary(s, node, i.requestId) : undefined };
      },
    },
  };
}
