/**
 * The patient's audit trail (DESIGN.md §6): every access, share, refusal and revocation about a
 * patient, from the chains this node holds, newest first, each said in a sentence (no internal
 * names, no ids); exportable as FHIR R4 AuditEvent with the same sentence.
 */
import { toHex } from '../codec/hex';
import { listAudit, type AuditEntry } from '../ledger/rules/common';
import { getMember } from '../ledger/rules/members';
import type { TrichainNode } from '../node/node';
import { purposeLabel } from '../../src-shared/vocabulary';

export interface AuditView extends AuditEntry {
  actorName: string;
  /** The actor's member role on the chains ('hospital', 'patient', 'entity', …), when known. */
  actorRole?: string;
}

export function patientAudit(node: TrichainNode, patient: Uint8Array): AuditView[] {
  const out: AuditView[] = [];
  for (const chain of node.chains()) {
    const st = node.ledger.state(chain);
    for (const e of listAudit(st, patient)) {
      // A consent is signed with the patient's per-grantee consent key (not a member key): its actor is the patient.
      const signer = e.kind.startsWith('consent.') && !getMember(st, e.actor) ? patient : e.actor;
      const m = getMember(st, signer) ?? node.chains().map((c) => getMember(node.ledger.state(c), signer)).find(Boolean);
      out.push({ ...e, actorName: m?.name ?? 'an unknown organization', actorRole: m?.role });
    }
  }
  return out.sort((a, b) => b.time - a.time);
}

/**
 * Mirrors an event about an enrolled patient onto the patient chain, so that their own laptop lists
 * it (one registered at a hospital only has no trail yet: false). The detail names kinds and counts,
 * never a record's content: every patient-chain validator replicates it.
 */
export function mirrorAudit(node: TrichainNode, patient: Uint8Array, kind: string, detail: Record<string, string | number>): boolean {
  if (getMember(node.ledger.state('patient'), patient)?.role !== 'patient') return false;
  node.submit('patient', 'audit.log', { patient, kind, detail });
  return true;
}

/** Names a member key (hex or bytes) in a detail; anything else as it is. */
export type NameOf = (v: unknown) => string;

const count = (n: unknown, what: string) => `${Number(n).toLocaleString('en')} ${what}${Number(n) === 1 ? '' : 's'}`;
const article = (word: string) => (/^[AEIOU]/i.test(word) ? 'an' : 'a');
const typeWords = (t: unknown) => String(t ?? 'record').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

/**
 * The entry in a sentence: "St Mary Hospital viewed the chart (224 records)". `consentWords`
 * describes a consent by its id ("for Healthcare research (HRESCH), to Institute for …").
 */
export function auditSentence(e: AuditView, nameOf: NameOf, consentWords: (consentId: string) => string | undefined = () => undefined): string {
  const d = e.detail as Record<string, unknown>;
  const who = e.actorName;
  const purpose = typeof d.purpose === 'string' ? ` for ${purposeLabel(d.purpose)}` : '';
  const consent = typeof d.consentId === 'string' ? consentWords(d.consentId) : undefined;
  // A reason written by a node may name a consent by its id: said as "the consent".
  const reason = typeof d.reason === 'string' ? d.reason.replace(/\b(?:the )?consent consent-[0-9a-f]+/gi, 'the consent').replace(/\bconsent-[0-9a-f]{8,}/gi, 'the consent') : undefined;
  switch (e.kind) {
    case 'chart.viewed': return `${who} viewed the chart${d.resources !== undefined ? ` (${count(d.resources, 'record')})` : ''}`;
    case 'record.added': return `${who} added ${article(typeWords(d.resourceType))} ${typeWords(d.resourceType)} record`;
    case 'record.amended': return `${who} amended ${article(typeWords(d.resourceType))} ${typeWords(d.resourceType)} record${d.version ? ` (now version ${d.version})` : ''}`;
    case 'records.imported': return `${who} imported ${count(d.records, 'record')}`;
    case 'record.accessed': return `${who} read a record${purpose}`;
    case 'record.shared-for-care': return `${who} shared a record with ${nameOf(d.toOrg)} for care`;
    case 'record.erased': return `${who} erased a record${reason ? `: ${reason}` : ''}`;
    case 'consent.granted': return `${who} granted a consent${consent ?? purpose}`;
    case 'consent.revoked': return `${who} revoked the consent${consent ?? ''}`;
    case 'share.requested': return `${who} asked for records${purpose}`;
    case 'share.published': return `${who} approved the request and shared ${count(d.resources, 'record')} with ${nameOf(d.entity)}`;
    case 'share.refused': return `${who} refused the request of ${nameOf(d.entity)}${reason ? `: ${reason}` : ''}`;
    case 'share.accessed': return `${who} opened the package it received${d.hospital !== undefined ? ` from ${nameOf(d.hospital)}` : ''}`;
    default: return `${who}: ${e.kind.replace(/[._-]/g, ' ')}`;
  }
}

const ACTION: Record<string, string> = { 'record.accessed': 'R', 'chart.viewed': 'R', 'share.published': 'E', 'share.accessed': 'R', 'consent.revoked': 'U', 'consent.granted': 'C', 'record.added': 'C', 'records.imported': 'C', 'record.amended': 'U', 'record.erased': 'D', 'share.requested': 'E' };

export function auditToFhir(e: AuditView, patientRef: string, sentence = auditSentence(e, (v) => (v instanceof Uint8Array ? 'an organization' : String(v)))) {
  return {
    resourceType: 'AuditEvent',
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
    subtype: [{ system: 'https://trichain.invalid/fhir/CodeSystem/audit', code: e.kind }],
    action: ACTION[e.kind] ?? 'E',
    recorded: new Date(e.time).toISOString(),
    outcome: e.kind.endsWith('refused') ? '4' : '0',
    outcomeDesc: sentence,
    agent: [{ who: { display: e.actorName, identifier: { value: toHex(e.actor) } }, requestor: true }],
    source: { observer: { display: `trichain ${e.chain} chain, block ${e.height}` } },
    entity: [{ what: { reference: patientRef }, detail: Object.entries(e.detail).map(([type, v]) => ({ type, valueString: v instanceof Uint8Array ? toHex(v) : String(v) })) }],
  };
}
