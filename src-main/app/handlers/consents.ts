/**
 * The consents area (src-shared/api/consents.ts): the entities a consent may name, a patient's
 * consents, (signed) granting and revoking one, and the audit trail of what they allowed.
 */
import { ApiError, purposeLabel } from '../../../src-shared/api';
import { toHex } from '../../codec/hex';
import { patientAudit } from '../../emr/audit';
import { consentOf } from '../../ledger/rules/patient';
import { grantConsent, listConsents, revokeConsent } from '../../emr/consent';
import { dateMs } from '../checks';
import { pkOf, wrapTx, type AppSession } from '../session';
import { alreadyShared } from '../summaries';
import { auditView, consentView, day, iso } from '../views';
import type { Handlers, SignedHandlers } from './types';

export function consentsHandlers(s: AppSession): Handlers<'entities.list' | 'consents.list' | 'audit.list'> {
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
      return { consents: st ? listConsents(st, pk).map((c) => consentView(c, s.entities())) : [], alreadyShared: alreadyShared(s, pk) };
    },
    async 'audit.list'(i) {
      const pk = patientOf(i.patientId);
      const names = new Map(s.entities().map((e) => [e.id, e.name]));
      const node = s.current().node;
      const pst = node.ledger.hasGenesis('patient') ? node.ledger.state('patient') : null;
      const consentWords = (consentId: string) => {
        const c = pst && consentOf(pst, consentId);
        if (!c) return undefined;
        const g = c.grantee as { entity?: Uint8Array; kind?: string };
        return ` for ${purposeLabel(c.purpose)}, to ${g.entity ? names.get(toHex(g.entity)) ?? 'an organization' : `any ${g.kind ?? 'organization'}`}`;
      };
      const all = patientAudit(node, pk).map((e, n) => auditView(e, toHex(pk), n, names, consentWords));
      const start = i.before ? all.findIndex((e) => e.id === i.before) + 1 : 0;
      const page = all.slice(start, start + i.limit);
      return { entries: page, nextBefore: start + i.limit < all.length ? page[page.length - 1]?.id : undefined };
    },
  };
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
        await s.settle();
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
        await s.settle();
        const c = listConsents(node.ledger.state('patient'), node.identity.blsPublicKey).find((x) => x.consentId === i.consentId);
        if (!c) throw new ApiError('NOT_FOUND', `no consent ${i.consentId}`);
        return { consent: consentView(c, s.entities()), alreadyShared: alreadyShared(s, node.identity.blsPublicKey) };
      },
    },
  };
}
