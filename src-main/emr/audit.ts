/**
 * The patient's audit trail (DESIGN.md §6): every access, share, refusal and revocation about a
 * patient, from the chains this node holds, newest first, each said in a sentence (no internal
 * names, no ids); exportable as FHIR R4 AuditEvent with the same sentence.
 */
import { randomBytes } from 'node:crypto';
import { fromHex, toHex } from '../codec/hex';
import { listAudit, type AuditEntry } from '../ledger/rules/common';
import { getMember } from '../ledger/rules/members';
import type { TrichainNode } from '../node/node';
import { findPatient } from './patients';
import { purposeLabel } from '../../src-shared/vocabulary';

export interface AuditView extends AuditEntry {
  actorName: string;
  /** The actor's member role on the chains ('hospital', 'patient', 'entity', …), when known. */
  actorRole?: string;
  /** Who wrote the entry, when not the actor (a hospital writes an entity's request into the patient's trail). */
  recordedBy?: string;
  /** Kept on this hospital's node for a patient who has not enrolled yet: not on a chain until they do. */
  kept?: true;
}

export function patientAudit(node: TrichainNode, patient: Uint8Array): AuditView[] {
  const out: AuditView[] = [];
  for (const chain of node.chains()) {
    const st = node.ledger.state(chain);
    for (const e of listAudit(st, patient)) {
      // A consent is signed with the patient's per-grantee consent key (not a member key): its actor is the patient.
      const signer = e.kind.startsWith('consent.') && !getMember(st, e.actor) ? patient : e.actor;
      const m = getMember(st, signer) ?? node.chains().map((c) => getMember(node.ledger.state(c), signer)).find(Boolean);
      const d = e.detail as Record<string, unknown>;
      if (e.kind === 'share.requested' && typeof d.entity === 'string' && typeof d.entityName === 'string') {
        // Written by a hospital (./share/request-audit.ts): the one who asked is the entity it names.
        out.push({ ...e, actor: fromHex(d.entity), actorName: d.entityName, actorRole: 'entity', recordedBy: m?.name });
        continue;
      }
      out.push({ ...e, actorName: m?.name ?? 'an unknown organization', actorRole: m?.role });
    }
  }
  return [...out, ...keptAudit(node, patient)].sort((a, b) => b.time - a.time);
}

/**
 * Mirrors an act on a patient's records onto the patient chain, so that their own laptop lists it.
 * The detail names kinds and counts, never a record's content: every patient-chain validator
 * replicates it. A patient registered at this hospital who has not enrolled yet has no place on the
 * patient chain: the entry is kept on this node (its `meta` table: kinds and counts, no content)
 * and written when they enrol (`writeKeptAudit`). False: the patient is unknown here.
 */
export function mirrorAudit(node: TrichainNode, patient: Uint8Array, kind: string, detail: Record<string, string | number>): boolean {
  if (getMember(node.ledger.state('patient'), patient)?.role === 'patient') {
    node.submit('patient', 'audit.log', { patient, kind, detail });
    return true;
  }
  if (!findPatient(node, patient)) return false;
  const time = Date.now();
  const kept: KeptAudit = { kind, detail: { ...detail, recordedAt: new Date(time).toISOString() } };
  node.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(`${KEPT}${toHex(patient)}/${String(time).padStart(15, '0')}-${randomBytes(4).toString('hex')}`, Buffer.from(JSON.stringify(kept)));
  return true;
}

const KEPT = 'audit-kept/';
interface KeptAudit {
  kind: string;
  detail: Record<string, string | number>;
}

const keptRows = (node: TrichainNode, pk: Uint8Array) => {
  const prefix = `${KEPT}${toHex(pk)}/`;
  return node.db.prepare('SELECT key, value FROM meta WHERE key >= ? AND key < ? ORDER BY key').all(prefix, `${prefix}~`) as { key: string; value: Buffer }[];
};
const keptOf = (r: { value: Buffer }) => JSON.parse(Buffer.from(r.value).toString('utf8')) as KeptAudit;

/** The entries this node keeps for a patient who has not enrolled yet, as this hospital's staff see them in the trail. */
function keptAudit(node: TrichainNode, patient: Uint8Array): AuditView[] {
  return keptRows(node, patient).map((r) => {
    const e = keptOf(r);
    const time = Date.parse(String(e.detail.recordedAt));
    return { kind: e.kind, actor: node.identity.blsPublicKey, chain: '', height: 0, time, detail: e.detail, actorName: node.config.name, actorRole: node.config.role, kept: true };
  });
}

/**
 * Writes onto the patient chain the entries kept for a patient before they enrolled (under the
 * provisional id they had here, or their key), oldest first, and forgets them; answers how many.
 */
export function writeKeptAudit(node: TrichainNode, keptUnder: Uint8Array[], patient: Uint8Array): number {
  if (getMember(node.ledger.state('patient'), patient)?.role !== 'patient') return 0;
  let n = 0;
  for (const pk of keptUnder) {
    for (const r of keptRows(node, pk)) {
      const e = keptOf(r);
      node.submit('patient', 'audit.log', { patient, kind: e.kind, detail: e.detail });
      node.db.prepare('DELETE FROM meta WHERE key = ?').run(r.key);
      n++;
    }
  }
  return n;
}

/** The entries of an import: for each patient, "imported N records" in their audit trail (now, or when they enrol). */
export function auditImport(node: TrichainNode, r: { patients: { pk: Uint8Array }[]; recordsByPatient: number[] }): void {
  r.patients.forEach((p, n) => {
    if (!r.recordsByPatient[n]) return;
    try {
      mirrorAudit(node, p.pk, 'records.imported', { organization: node.config.name, records: r.recordsByPatient[n] });
    } catch {
      // auditing must not undo an import that happened; the failure shows as no entry
    }
  });
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
  // An entry kept before the patient enrolled says when the act happened.
  const when = typeof d.recordedAt === 'string' ? ` (on ${d.recordedAt.slice(0, 10)}, before enrolment)` : '';
  return sentenceOf(e, d, who, purpose, consent, reason, nameOf) + when;
}

function sentenceOf(e: AuditView, d: Record<string, unknown>, who: string, purpose: string, consent: string | undefined, reason: string | undefined, nameOf: NameOf): string {
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

/** FHIR AuditEvent.action: C create, R read, U update, D delete, E execute. */
const ACTION: Record<string, string> = {
  'record.accessed': 'R', 'chart.viewed': 'R', 'share.published': 'E', 'share.refused': 'E', 'share.accessed': 'R', 'consent.revoked': 'U', 'consent.granted': 'C',
  'record.added': 'C', 'records.imported': 'C', 'record.amended': 'U', 'record.erased': 'D', 'share.requested': 'E', 'record.shared-for-care': 'E',
};

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
    source: { observer: { display: `trichain ${e.chain} chain, block ${e.height}${e.recordedBy ? `, recorded by ${e.recordedBy}` : ''}` } },
    entity: [{ what: { reference: patientRef }, detail: Object.entries(e.detail).map(([type, v]) => ({ type, valueString: v instanceof Uint8Array ? toHex(v) : String(v) })) }],
  };
}
