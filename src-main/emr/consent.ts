/**
 * Consent (DESIGN.md §6, issue: patient chain): signed by the patient and nobody else, naming a
 * grantee (an entity, or a class of entities), a purpose of use (HL7 PurposeOfUse), permitted
 * categories, explicitly permitted sensitivity codes (none by default), a period and a status.
 * Revocation is a patient-signed transaction that takes effect on every node once committed.
 */
import { randomBytes } from 'node:crypto';
import { toHex } from '../codec/hex';
import type { LabelsBody } from '../ledger/rules/hospital';
import { deriveGranteeKey, type DerivedKey } from '../crypto/identity';
import { consentOf, granteeKeyOf, ownerOfGranteeKey, type ConsentGrantBody, type ConsentState } from '../ledger/rules/patient';
import type { StateReader } from '../ledger/rules/types';
import type { TrichainNode } from '../node/node';
import { purposeDisplay } from '../../src-shared/vocabulary';
import type { Category, SensitivityCode } from './labels';
import { CATEGORY_WORDS, SENSITIVITY_WORDS } from '../../src-shared/vocabulary';
import { NotFound } from '../ledger/errors';

export type Grantee = { entity: Uint8Array } | { kind: 'insurer' | 'research' | 'public-health' | 'hospital' };

export interface ConsentInput {
  grantee: Grantee;
  purpose: ConsentGrantBody['purpose'];
  categories: Category[];
  sensitivity?: SensitivityCode[];
  period: { start: number; end: number };
}


/** The grantee's id in the derivation of the patient's key for it: `entity:<BLS key hex>` or `kind:<kind>`. */
export function granteeId(g: Grantee): string {
  if ('entity' in g) return `entity:${toHex(g.entity)}`;
  return `kind:${g.kind}`;
}

/**
 * The patient's key for one grantee (derived from the seed on the patient's device). A consent that
 * names a kind of entity is signed with the key for that kind, which every entity of the kind sees:
 * a consent naming one entity keeps the patient unlinkable across entities.
 */
export function granteeKey(node: TrichainNode, g: Grantee): DerivedKey {
  if (node.config.role !== 'patient') throw new Error('only the patient holds keys for grantees');
  return deriveGranteeKey(node.identity, granteeId(g), node.bls);
}

/** True when this node has a registration of `key` queued but not yet committed. */
function registrationQueued(node: TrichainNode, key: Uint8Array): boolean {
  return [...node.outboxTxs('pending'), ...node.outboxTxs('submitted')].some(
    (e) => e.tx.type === 'consent.key' && toHex((e.tx.body as { key: Uint8Array }).key) === toHex(key),
  );
}

/**
 * The patient grants a consent from their own node, signed with their key for that grantee
 * (registered first on the patient chain under the main key, with its proof of possession).
 */
export function grantConsent(node: TrichainNode, c: ConsentInput): { consentId: string; status: 'committed' | 'pending'; key: string } {
  if (node.config.role !== 'patient') throw new Error('only the patient signs a consent');
  const key = granteeKey(node, c.grantee);
  const reg = granteeKeyOf(node.ledger.state('patient'), key.pk);
  if (reg && toHex(reg.patient) !== node.publicKeyHex) throw new Error('the key for this grantee is registered to another patient');
  let afterPending = false;
  if (!reg) {
    afterPending = registrationQueued(node, key.pk) || node.submit('patient', 'consent.key', { key: key.pk, pop: key.proofOfPossession() }).status === 'pending';
  }
  const consentId = `consent-${toHex(randomBytes(12))}`;
  const r = node.submitAs(
    key,
    'patient',
    'consent.grant',
    { consentId, patient: key.pk, grantee: c.grantee as never, purpose: c.purpose, categories: c.categories, sensitivity: c.sensitivity ?? [], period: c.period },
    { afterPending },
  );
  return { consentId, status: r.status, key: toHex(key.pk) };
}

/** Revoked with the patient's main key (the patient chain only: entities never see it). */
export function revokeConsent(node: TrichainNode, consentId: string): { status: 'committed' | 'pending' } {
  if (node.ledger.hasGenesis('patient') && !consentOf(node.ledger.state('patient'), consentId)) throw new NotFound(`no consent ${consentId} on the patient chain`);
  return { status: node.submit('patient', 'consent.revoke', { consentId }).status };
}

export function listConsents(state: StateReader, patient: Uint8Array): ConsentState[] {
  return state
    .scan(`patient-consents/${toHex(patient)}/`)
    .map(([k]) => consentOf(state, k.slice(k.lastIndexOf('/') + 1)))
    .filter((c): c is ConsentState => !!c);
}

/**
 * The consents signed with one of a patient's per-grantee keys (what a share request names): the
 * patient chain says whose key it is. Empty when the key is registered to nobody.
 */
export function consentsSignedWith(state: StateReader, key: Uint8Array): ConsentState[] {
  const owner = ownerOfGranteeKey(state, key);
  return owner ? listConsents(state, owner).filter((c) => toHex(c.patient) === toHex(key)) : [];
}

export interface Requester {
  entity: Uint8Array;
  kind?: string;
}

export type ConsentDecision = { ok: true; consent: ConsentState; categories: Category[] } | { ok: false; reason: string };

/**
 * Which of the patient's consents lets `who` receive `categories` for `purpose` at time `now`.
 * When none does, the reason names the closest miss (revoked, expired, wrong purpose...), so the
 * entity can read why it was refused.
 */
export function decideConsent(consents: ConsentState[], who: Requester, purpose: string, categories: Category[], now: number): ConsentDecision {
  const forWho = consents.filter((c) => {
    const g = c.grantee as { entity?: Uint8Array; kind?: string };
    return (g.entity && toHex(g.entity) === toHex(who.entity)) || (g.kind !== undefined && g.kind === who.kind);
  });
  if (forWho.length === 0) return { ok: false, reason: 'no consent from the patient names this organization' };
  const reasons: string[] = [];
  for (const c of forWho) {
    if (c.status === 'revoked') reasons.push(`consent ${c.consentId} was revoked`);
    else if (now < c.period.start) reasons.push(`consent ${c.consentId} is not yet in force`);
    else if (now > c.period.end) reasons.push(`consent ${c.consentId} has expired`);
    else if (c.purpose !== purpose) reasons.push(`consent ${c.consentId} is for ${purposeDisplay(c.purpose) ?? c.purpose}, not ${purposeDisplay(purpose) ?? purpose}`);
    else {
      const allowed = categories.filter((x) => c.categories.includes(x));
      if (allowed.length === 0) reasons.push(`consent ${c.consentId} covers none of the requested categories`);
      else return { ok: true, consent: c, categories: allowed };
    }
  }
  return { ok: false, reason: reasons.join('; ') };
}

/** A resource may leave under a consent when its category is allowed and each of its sensitivity codes is named explicitly. */
export function labelsAllowed(labels: LabelsBody, consent: Pick<ConsentState, 'sensitivity'>, categories: readonly string[]): boolean {
  if (!categories.includes(labels.category)) return false;
  return labels.sensitivity.every((s) => (consent.sensitivity as string[]).includes(s));
}

/** The consent as a FHIR R4 Consent resource. */
export function consentToFhir(c: ConsentState, opts: { patientRef?: string; granteeRef?: string } = {}) {
  const g = c.grantee as { entity?: Uint8Array; kind?: string };
  const iso = (t: number) => new Date(t).toISOString();
  return {
    resourceType: 'Consent',
    id: c.consentId,
    status: c.status === 'active' ? 'active' : 'inactive',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy', display: 'Privacy Consent' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
    patient: { reference: opts.patientRef ?? `Patient/${toHex(c.patient).slice(0, 16)}` },
    dateTime: iso(c.grantedAt),
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
    provision: {
      type: 'permit',
      period: { start: iso(c.period.start), end: iso(c.period.end) },
      actor: [
        {
          role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' }] },
          reference: g.entity ? { reference: opts.granteeRef ?? `Organization/${toHex(g.entity).slice(0, 16)}` } : { display: `any ${g.kind}` },
        },
      ],
      purpose: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: c.purpose, display: purposeDisplay(c.purpose) }],
      class: c.categories.map((cat) => ({ system: 'https://trichain.invalid/fhir/CodeSystem/category', code: cat, display: CATEGORY_WORDS[cat as Category] ?? cat })),
      securityLabel: (c.sensitivity as string[]).map((s) => ({ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: s, display: SENSITIVITY_WORDS[s as SensitivityCode]?.display ?? s })),
    },
  };
}
