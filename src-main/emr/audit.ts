/**
 * The patient's audit trail (DESIGN.md §6): every access, share, refusal and revocation about a
 * patient, from the chains this node holds, newest first; exportable as FHIR R4 AuditEvent.
 */
import { toHex } from '../codec/hex';
import { listAudit, type AuditEntry } from '../ledger/rules/common';
import { getMember } from '../ledger/rules/members';
import type { TrichainNode } from '../node/node';

export interface AuditView extends AuditEntry {
  actorName: string;
}

export function patientAudit(node: TrichainNode, patient: Uint8Array): AuditView[] {
  const out: AuditView[] = [];
  for (const chain of node.chains()) {
    const st = node.ledger.state(chain);
    for (const e of listAudit(st, patient)) {
      const m = getMember(st, e.actor) ?? node.chains().map((c) => getMember(node.ledger.state(c), e.actor)).find(Boolean);
      out.push({ ...e, actorName: m?.name ?? toHex(e.actor).slice(0, 12) });
    }
  }
  return out.sort((a, b) => b.time - a.time);
}

const ACTION: Record<string, string> = { 'record.accessed': 'R', 'chart.viewed': 'R', 'share.published': 'E', 'share.accessed': 'R', 'consent.revoked': 'U', 'consent.granted': 'C' };

export function auditToFhir(e: AuditView, patientRef: string) {
  return {
    resourceType: 'AuditEvent',
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
    subtype: [{ system: 'https://trichain.invalid/fhir/CodeSystem/audit', code: e.kind }],
    action: ACTION[e.kind] ?? 'E',
    recorded: new Date(e.time).toISOString(),
    outcome: e.kind.endsWith('refused') ? '4' : '0',
    agent: [{ who: { display: e.actorName, identifier: { value: toHex(e.actor) } }, requestor: true }],
    source: { observer: { display: `trichain ${e.chain} chain, block ${e.height}` } },
    entity: [{ what: { reference: patientRef }, detail: Object.entries(e.detail).map(([type, v]) => ({ type, valueString: v instanceof Uint8Array ? toHex(v) : String(v) })) }],
  };
}
