/**
 * The consents area (src-shared/api/consents.ts): the entities a consent may name, a patient's
 * consents, (signed) granting and revoking one, and the audit trail of what they allowed.
 */
import { ApiError, purposeLabel } from '../../../src-shared/api';
import type { Consent, EntityRef } from '../../../src-shared/api';
import { fromHex, toHex } from '../../codec/hex';
import type { ConsentState } from '../../ledger/rules/patient';
import type { TrichainNode } from '../../node/node';
import { auditToFhir, patientAudit } from '../../emr/audit';
import { consentOf } from '../../ledger/rules/patient';
import { grantConsent, listConsents, revokeConsent } from '../../emr/consent';
import { dateMs } from '../checks';
import { pkOf, wrapTx, type AppSession } from '../session';
import { alreadyShared } from '../summaries';
import { auditView, consentView, day, iso } from '../views';
import type { Handlers, SignedHandlers } from './types';

export function consentsHandlers(s: AppSession): Handlers<'entities.list' | 'consents.list' | 'audit.list' | 'audit.export'> {
  /** The patient a read is about: a patient reads their own; others name one. */
  const patientOf = (patientId: string | undefined): Uint8Array => {
    const node = s.current().node;
    const pk = node.config.role === 'patient' ? node.identity.blsPublicKey : patientId ? pkOf(patientId) : null;
    if (!pk) throw new ApiError('BAD_REQUEST', 'which patient? (patientId)');
    return pk;
  };
  return {
    async 'entities.list'() {
      return { entities: s.entities() };
    },
    async 'consents.list'(i) {
      const pk = patientOf(i.patientId);
      const st = s.holder('patient')?.ledger.state('patient');
      const node = s.current().node;
      // The patient's own grants and revocations not yet committed show as pending.
      const revoking = node.config.role === 'patient' ? pendingRevokes(node) : new Set<string>();
      const consents = st ? listConsents(st, pk).map((c) => consentView(c, s.entities())).map((c) => (revoking.has(c.id) && c.status === 'active' ? { ...c, pending: true } : c)) : [];
      if (node.config.role === 'patient') consents.push(...pendingGrants(node, s.entities()).filter((p) => !consents.some((c) => c.id === p.id)));
      return { consents, alreadyShared: alreadyShared(s, pk) };
    },
    async 'audit.list'(i) {
      const pk = patientOf(i.patientId);
      const all = trail(pk).entries;
      const start = i.before ? all.findIndex((e) => e.id === i.before) + 1 : 0;
      const page = all.slice(start, start + i.limit);
      return { entries: page, nextBefore: start + i.limit < all.length ? page[page.length - 1]?.id : undefined };
    },
    async 'audit.export'(i) {
      const pk = patientOf(i.patientId);
      const { views, entries } = trail(pk);
      const ref = `urn:trichain:patient:${toHex(pk)}`;
      // The same entries as the trail, each with the same sentence.
      const bundle = { resourceType: 'Bundle', type: 'collection', timestamp: new Date().toISOString(), entry: views.map((e, n) => ({ resource: auditToFhir(e, ref, entries[n].subject) })) };
      return { filename: `audit-${toHex(pk).slice(0, 12)}.json`, mediaType: 'application/fhir+json', content: JSON.stringify(bundle, null, 2), entries: views.length };
    },
  };
  /** A patient's audit trail, newest first: the entries as read from the chains and as a person reads them. */
  function trail(pk: Uint8Array) {
    const names = new Map(s.entities().map((e) => [e.id, e.name]));
    const node = s.current().node;
    const pst = node.ledger.hasGenesis('patient') ? node.ledger.state('patient') : null;
    const consentWords = (consentId: string) => {
      const c = pst && consentOf(pst, consentId);
      if (!c) return undefined;
      const g = c.grantee as { entity?: Uint8Array; kind?: string };
      return ` for ${purposeLabel(c.purpose)}, to ${g.entity ? names.get(toHex(g.entity)) ?? 'an organization' : `any ${g.kind ?? 'organization'}`}`;
    };
    const views = patientAudit(node, pk);
    return { views, entries: views.map((e, n) => auditView(e, toHex(pk), n, names, consentWords)) };
  }
}

/** A patient's consent grants still in its offline queue (signed, not yet committed), as pending consents. */
function pendingGrants(node: TrichainNode, entities: EntityRef[]): Consent[] {
  const out: Consent[] = [];
  for (const status of ['pending', 'submitted'] as const) {
    for (const e of node.outboxTxs(status)) {
      if (e.chain !== 'patient' || e.tx.type !== 'consent.grant') continue;
      const b = e.tx.body as unknown as ConsentState;
      out.push({ ...consentView({ ...b, patient: node.identity.blsPublicKey, status: 'active', grantedAt: e.created, grantTx: fromHex(e.id) } as ConsentState, entities), pending: true });
    }
  }
  return out;
}

/** Consents whose revocation this patient signed and the chain has not committed yet. */
function pendingRevokes(node: TrichainNode): Set<string> {
  const ids = new Set<string>();
  for (const status of ['pending', 'submitted'] as const) {
    for (const e of node.outboxTxs(status)) if (e.chain === 'patient' && e.tx.type === 'consent.revoke') ids.add((e.tx.body as { consentId: string }).consentId);
  }
  return ids;
}

export function consentsSigned(s: AppSession): SignedHandlers<'consents.grant' | 'consents.revoke'> {
  return {
    'consents.grant': {
      summary(i, who) {
        const e = s.entities().find((x) => x.id === i.entityId);
        return {
          who, what: `Grant ${e?.name ?? i.entityId} access to ${i.categories.join(', ')} for ${purposeLabel(i.purpose)} until ${i.validUntil}`, chain: ['patient'],
          details: [{ label: 'Sensitive data included', value: i.includeSensitive.length ? i.includeSensitive.join(', ') : 'none' }, ...(i.replaces ? [{ label: 'Replaces', value: i.replaces }] : [])],
        };
      },
      async run(i) {
        const node = s.nodeAs('patient');
        if (i.patientId && i.patientId !== node.publicKeyHex) throw new ApiError('FORBIDDEN', 'a patient grants consents for themself only');
        const grantee = i.entityId.startsWith('kind:') ? { kind: i.entityId.slice(5) as 'insurer' } : { entity: pkOf(i.entityId) };
        if (i.replaces) wrapTx(() => revokeConsent(node, i.replaces!));
        const { consentId } = wrapTx(() => grantConsent(node, { grantee, purpose: i.purpose, categories: i.categories, sensitivity: i.includeSensitive, period: { start: Date.now() - 60_000, end: dateMs(i.validUntil, true) } }));
        const c = listConsents(node.ledger.state('patient'), node.identity.blsPublicKey).find((x) => x.consentId === consentId);
        if (!c) return { consent: { id: consentId, patientId: node.publicKeyHex, entity: s.entities().find((e) => e.id === i.entityId) ?? { id: i.entityId, name: i.entityId, kind: 'other' as const }, purpose: i.purpose, categories: i.categories, includeSensitive: i.includeSensitive, validFrom: day(Date.now()), validUntil: i.validUntil, status: 'active' as const, grantedAt: iso(Date.now()), pending: true } };
        return { consent: consentView(c, s.entities()) };
      },
    },
    'consents.revoke': {
      summary: (i, who) => ({ who, what: `Revoke consent ${i.consentId}: every later share stops at once`, chain: ['patient'], details: [] }),
      async run(i) {
        const node = s.nodeAs('patient');
        wrapTx(() => revokeConsent(node, i.consentId));
        const c = listConsents(node.ledger.state('patient'), node.identity.blsPublicKey).find((x) => x.consentId === i.consentId);
        if (!c) throw new ApiError('NOT_FOUND', `no consent ${i.consentId}`);
        // Answered at once: the revocation shows pending until its block commits.
        const v = consentView(c, s.entities());
        return { consent: c.status === 'revoked' ? v : { ...v, pending: true }, alreadyShared: alreadyShared(s, node.identity.blsPublicKey) };
      },
    },
  };
}
