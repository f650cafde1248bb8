/**
 * Checks the engine runs when an action is PREPARED, before the sign dialog opens, so a person is
 * never asked to sign something the node would then refuse: amending another organization's record,
 * filing a request under a consent the patient revoked. Also the pseudonymous patient label that
 * every entity-facing answer uses instead of a name, and the words of an approve-or-refuse summary.
 */
import { ApiError, type SignAction, type SignSummary } from '../../src-shared/api';
import { toHex } from '../codec/hex';
import { getMember } from '../ledger/rules/members';
import { requestOf } from '../ledger/rules/social';
import type { ConsentState } from '../ledger/rules/patient';
import type { TrichainNode } from '../node/node';
import { consentsSignedWith, decideConsent, listConsents } from '../emr/consent';
import type { Category } from '../emr/labels';
import { recordInfo } from '../emr/records';
import { day } from './views';
import { ownerOfGranteeKey } from '../ledger/rules/patient';

/** How an insurer or researcher sees a patient: never the name, only a stable pseudonymous label. */
export const pseudonymousLabel = (patientIdHex: string): string => `Patient ${patientIdHex.slice(0, 8)} (pseudonymous)`;

/** The consents signed with the patient's key `patientKey` (the one the entity knows) that name this entity (by key or by its kind). */
export function consentsNaming(patientState: ConsentStateReader, patientKey: Uint8Array, entity: TrichainNode): ConsentState[] {
  return consentsSignedWith(patientState, patientKey).filter((c) => {
    const g = c.grantee as { entity?: Uint8Array; kind?: string };
    return (g.entity && toHex(g.entity) === entity.publicKeyHex) || (g.kind !== undefined && g.kind === entity.config.kind);
  });
}
type ConsentStateReader = Parameters<typeof listConsents>[0];

/** 'active' while a consent naming the entity is in force; 'revoked' once every one is revoked or expired. */
export function consentStatusFor(consents: ConsentState[], now = Date.now()): 'none' | 'active' | 'revoked' {
  if (consents.length === 0) return 'none';
  return consents.some((c) => c.status === 'active' && c.period.end > now) ? 'active' : 'revoked';
}

/** Only the organization that wrote a record amends it: anything else is FORBIDDEN, before signing. */
export function assertMayAmend(node: TrichainNode, recordId: string): void {
  let info;
  try {
    info = recordInfo(node, recordId);
  } catch (e) {
    throw new ApiError('NOT_FOUND', (e as Error).message);
  }
  if (info.erased) throw new ApiError('CONFLICT', `record ${recordId} was erased and cannot be amended`);
  if (toHex(info.org) !== node.publicKeyHex) {
    const owner = getMember(node.ledger.state('hospital'), info.org)?.name ?? 'another organization';
    throw new ApiError('FORBIDDEN', `only ${owner}, which wrote this record, may amend it; add a record of your own instead`);
  }
}

/**
 * A request for a patient whose every consent naming this entity is revoked or expired is refused
 * when it is filed (CONSENT_REFUSED), not left pending for a hospital to refuse later.
 */
export function assertRequestable(patientState: ConsentStateReader | undefined, patient: Uint8Array, entity: TrichainNode, now = Date.now()): void {
  if (!patientState) return;
  if (!ownerOfGranteeKey(patientState, patient)) throw new ApiError('NOT_FOUND', 'no patient on the patient chain has this key: a request names the key the patient registered for you (their consent shows it)');
  const named = consentsNaming(patientState, patient, entity);
  if (consentStatusFor(named, now) !== 'revoked') return;
  const last = named.filter((c) => c.status === 'revoked').sort((a, b) => (b.revokedAt ?? 0) - (a.revokedAt ?? 0))[0];
  const why = last ? `the patient revoked the consent that named you on ${day(last.revokedAt ?? last.grantedAt)}` : 'every consent of the patient that named you has expired';
  throw new ApiError('CONSENT_REFUSED', `request refused: ${why}; a new request needs a new consent from the patient`);
}

/** The sign dialog's words for answering a request: an approval, or a signed refusal with its reason. */
export function answerSummary(node: TrichainNode, requestId: string, who: string, entityName: (pk: Uint8Array) => string, now = Date.now()): SignSummary {
  const req = requestOf(node.ledger.state('social'), requestId);
  if (!req) throw new ApiError('NOT_FOUND', `request ${requestId} is not on the social chain`);
  const kind = getMember(node.ledger.state('social'), req.entity)?.kind;
  const d = decideConsent(consentsSignedWith(node.ledger.state('patient'), req.patient), { entity: req.entity, kind }, req.purpose, req.categories as Category[], now);
  if (d.ok) {
    return { who, what: `Approve request ${requestId}: de-identify, encrypt for the entity and publish with a cross-chain proof`, chain: ['hospital', 'social', 'patient'], details: [] };
  }
  return {
    who,
    what: `Refuse request ${requestId} from ${entityName(req.entity)}: nothing is shared; the refusal and its reason are recorded on the social chain`,
    chain: ['social', 'patient'],
    details: [{ label: 'Reason', value: d.reason }],
  };
}

/** Refusals the node can know before a signature: run at sign.prepare (and again when signing). */
export function precheck(node: TrichainNode, action: SignAction, patientState: ConsentStateReader | undefined): void {
  if (action.method === 'records.amend' && node.config.role === 'hospital') assertMayAmend(node, action.input.recordId);
  if (action.method === 'shares.request' && node.config.role === 'entity') {
    assertRequestable(patientState, Uint8Array.from(Buffer.from(action.input.patientId, 'hex')), node);
  }
}

/** A contract date (YYYY-MM-DD) as the UTC milliseconds of its first (or last) moment. */
export const dateMs = (d: string, endOfDay = false): number => Date.parse(`${d}T${endOfDay ? '23:59:59.999' : '00:00:00'}Z`);
