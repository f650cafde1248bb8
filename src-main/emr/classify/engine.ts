/**
 * The classification engine: direct labels from a resource's own codes and text (rule table), then
 * labels inherited along references inside a bundle, then confidentiality from the sensitivity codes.
 *
 * Text matching and negation: text rules are case-insensitive word-boundary regexes. A match is ignored
 * when a negation cue (no, not, denies, negative for, without, never, free of, ruled out) appears among the
 * five words before it in the same clause ("denies alcohol abuse", "negative for chlamydia"). Cues *after*
 * the term are deliberately not honoured: "HIV screening negative" still labels HIV, because the fact that
 * a person was tested is itself sensitive (the SHIFT-labelled bundles label HIV, STI and PHQ-9 tests
 * regardless of the result). Codes never go through negation: a coded HIV test is always HIV.
 *
 * Propagation: a resource inherits the sensitivity of the clinical facts it references (Condition,
 * Procedure, Observation, Medication(Request), DiagnosticReport, Claim, ...), transitively (EOB → Claim →
 * Condition). An Encounter is special: it only takes labels from its own codes, reasonCode, and the
 * Conditions named in reasonReference / diagnosis (their direct labels), and that is all it passes on, so a
 * wellness visit never becomes sensitive because one of its observations is. Patient, Practitioner,
 * Organization, Location, Coverage, Provenance, CareTeam (and similar) do not pass labels on, and the
 * administrative ones do not inherit them; directory records (Practitioner, Organization, ...) carry none.
 * A CareTeam is read without its participants (a team that includes a psychiatrist says who treats, and
 * SHIFT leaves such teams unlabelled); its reasonCode still counts. PSYTHPN is never inherited: it describes the note itself.
 */
import {
  CONFIDENTIALITY_ORDER, SENSITIVITY_CODES, confidentialityRank,
  type Category, type Confidentiality, type LabelReason, type Labels, type SensitivityCode,
} from '../labels';
import { categorise } from './category';
import { extractEvidence, type Evidence } from './extract';
import { getDefaultRules, prefixRuleMatches, type CompiledRules } from './rules';

import type { FhirResource } from '../../../src-shared/vocabulary';
export type { FhirResource };

export interface ClassifiedEntry {
  resourceType: string;
  id: string | undefined;
  fullUrl?: string;
  labels: Labels;
}

type SensMap = Map<SensitivityCode, LabelReason[]>;

/** Types that never inherit labels from what they reference (administrative / identity records). */
const NON_INHERITING = new Set([
  'Patient', 'Practitioner', 'PractitionerRole', 'Organization', 'Location', 'RelatedPerson', 'Person',
  'Provenance', 'AuditEvent', 'HealthcareService', 'Endpoint', 'Group', 'Consent', 'Coverage', 'Medication',
]);
/** Types whose labels are never passed on to resources that reference them. */
const NON_CONTRIBUTING = new Set([
  'CareTeam', 'Patient', 'Practitioner', 'PractitionerRole', 'Organization', 'Location', 'RelatedPerson', 'Person',
  'Provenance', 'AuditEvent', 'HealthcareService', 'Endpoint', 'Group', 'Consent', 'Coverage',
]);
/**
 * Directory records: who and where, not facts about the patient. A psychiatrist's PractitionerRole or a
 * clinic's name is not the patient's sensitive information, so these get no sensitivity at all.
 */
const DIRECTORY_TYPES = new Set(['Practitioner', 'PractitionerRole', 'Organization', 'Location', 'HealthcareService', 'Endpoint']);
/** Encounter references through which an encounter takes its reason's labels. */
const ENCOUNTER_REASON_PATH = /^(reasonReference|diagnosis)\b/;
const NOT_INHERITED: ReadonlySet<SensitivityCode> = new Set<SensitivityCode>(['PSYTHPN']);
const MAX_REASONS_PER_LABEL = 8;
const NEGATION_CUE = /\b(?:no|not|denies|denied|deny|negative for|without|never|free of|ruled out|rules out|r\/o)\b/i;

export function isResource(x: unknown): x is FhirResource {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && typeof (x as { resourceType?: unknown }).resourceType === 'string';
}

function addReason(m: SensMap, code: SensitivityCode, reason: LabelReason): void {
  let list = m.get(code);
  if (!list) m.set(code, (list = []));
  if (list.length >= MAX_REASONS_PER_LABEL) return;
  const key = `${reason.rule}|${reason.system ?? ''}|${reason.code ?? ''}|${(reason.text ?? '').toLowerCase()}`;
  if (list.some((r) => `${r.rule}|${r.system ?? ''}|${r.code ?? ''}|${(r.text ?? '').toLowerCase()}` === key)) return;
  list.push(reason);
}

function isNegated(text: string, index: number): boolean {
  let pre = text.slice(Math.max(0, index - 80), index);
  const cut = Math.max(pre.lastIndexOf('.'), pre.lastIndexOf(';'), pre.lastIndexOf('\n'), pre.lastIndexOf(':'), pre.lastIndexOf('|'));
  if (cut >= 0) pre = pre.slice(cut + 1);
  const words = pre.trim().split(/\s+/).slice(-5).join(' ');
  return NEGATION_CUE.test(words);
}

function scanText(rules: CompiledRules, text: string, path: string, out: SensMap): void {
  if (!rules.textPrefilter.test(text)) return;
  for (const r of rules.textRules) {
    r.re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = r.re.exec(text)) !== null) {
      if (m[0].length === 0) { r.re.lastIndex++; continue; }
      if (isNegated(text, m.index)) continue;
      for (const label of r.labels) addReason(out, label, { label, rule: r.id, text: m[0], path });
      break;
    }
  }
}

/** Labels a resource earns from its own codes and text. */
export function directSensitivity(resource: FhirResource, rules: CompiledRules = getDefaultRules(), ev: Evidence = extractEvidence(resource)): SensMap {
  const out: SensMap = new Map();
  if (DIRECTORY_TYPES.has(resource.resourceType)) return out;
  for (const c of ev.codings) {
    const system = rules.canonicalSystem(c.system);
    const code = c.code.trim();
    const hits = rules.codeIndex.get(`${system}|${code}`);
    if (hits) {
      for (const r of hits) for (const label of r.labels) addReason(out, label, { label, rule: r.id, system, code, path: c.path });
    }
    for (const { rule, system: ps } of rules.prefixRules) {
      if (ps === system && prefixRuleMatches(rule, code)) {
        for (const label of rule.labels) addReason(out, label, { label, rule: rule.id, system, code, path: c.path });
      }
    }
  }
  for (const t of ev.texts) scanText(rules, t.text, t.path, out);
  return out;
}

function orderCodes(codes: Iterable<SensitivityCode>): SensitivityCode[] {
  const set = new Set(codes);
  return SENSITIVITY_CODES.filter((c) => set.has(c));
}

/** Confidentiality implied by sensitivity codes: V for psychotherapy notes, R for any sensitivity, else N. */
export function confidentialityFor(sensitivity: readonly SensitivityCode[]): Confidentiality {
  if (sensitivity.includes('PSYTHPN')) return 'V';
  return sensitivity.length > 0 ? 'R' : 'N';
}

function buildLabels(category: Category, categoryReason: LabelReason, sens: SensMap): Labels {
  const sensitivity = orderCodes(sens.keys());
  const confidentiality = confidentialityFor(sensitivity);
  const reasons: LabelReason[] = [categoryReason];
  for (const code of sensitivity) reasons.push(...(sens.get(code) ?? []));
  if (confidentiality === 'V') {
    reasons.push({ label: 'V', rule: 'confidentiality-psychotherapy-note', text: 'PSYTHPN' });
  } else if (confidentiality === 'R') {
    reasons.push({ label: 'R', rule: 'confidentiality-from-sensitivity', text: sensitivity.join(',') });
  } else {
    reasons.push({ label: 'N', rule: 'default', text: 'no sensitivity code' });
  }
  return { category, sensitivity, confidentiality, reasons };
}

/** Resolves references among a set of resources (urn:uuid: fullUrls, Type/id, absolute URLs). */
export class ClassifyContext {
  private readonly byKey = new Map<string, FhirResource>();
  private readonly evidence = new Map<FhirResource, Evidence>();
  private readonly direct = new Map<FhirResource, SensMap>();
  private readonly effective = new Map<FhirResource, SensMap>();
  private readonly visiting = new Set<FhirResource>();

  constructor(entries: { resource: FhirResource; fullUrl?: string }[], readonly rules: CompiledRules = getDefaultRules()) {
    for (const { resource, fullUrl } of entries) {
      if (fullUrl) this.byKey.set(fullUrl, resource);
      if (typeof resource.id === 'string') {
        const k = `${resource.resourceType}/${resource.id}`;
        if (!this.byKey.has(k)) this.byKey.set(k, resource);
      }
    }
  }

  resolve(reference: string): FhirResource | undefined {
    if (!reference || reference.startsWith('#') || reference.includes('?')) return undefined;
    const exact = this.byKey.get(reference);
    if (exact) return exact;
    const m = reference.replace(/\/_history\/[^/]+$/, '').match(/([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/);
    return m ? this.byKey.get(`${m[1]}/${m[2]}`) : undefined;
  }

  evidenceOf(r: FhirResource): Evidence {
    let ev = this.evidence.get(r);
    if (!ev) this.evidence.set(r, (ev = extractEvidence(r)));
    return ev;
  }

  directOf(r: FhirResource): SensMap {
    let d = this.direct.get(r);
    if (!d) this.direct.set(r, (d = directSensitivity(r, this.rules, this.evidenceOf(r))));
    return d;
  }

  /** Direct labels plus those inherited along references (see the module comment for the policy). */
  effectiveOf(r: FhirResource): SensMap {
    const memo = this.effective.get(r);
    if (memo) return memo;
    if (this.visiting.has(r)) return this.directOf(r); // reference cycle: stop here
    this.visiting.add(r);
    const out: SensMap = new Map();
    for (const [k, v] of this.directOf(r)) out.set(k, [...v]);
    const type = r.resourceType;
    if (!NON_INHERITING.has(type)) {
      for (const ref of this.evidenceOf(r).refs) {
        if (type === 'Encounter' && !ENCOUNTER_REASON_PATH.test(ref.path)) continue;
        const target = this.resolve(ref.reference);
        if (!target || target === r || NON_CONTRIBUTING.has(target.resourceType)) continue;
        // An encounter passes on only its own (direct + reason) labels; the condition behind an
        // encounter's reasonReference contributes its direct labels (no cycles through encounters).
        const contrib = type === 'Encounter' ? this.directOf(target) : this.effectiveOf(target);
        for (const [code, reasons] of contrib) {
          if (NOT_INHERITED.has(code)) continue;
          const own = out.get(code);
          if (own && own.some((x) => x.rule !== 'reference')) continue; // already justified directly
          const src = reasons[0];
          addReason(out, code, {
            label: code,
            rule: 'reference',
            text: `${target.resourceType}/${target.id ?? ref.reference}`,
            path: ref.path,
            ...(src?.system ? { system: src.system } : {}),
            ...(src?.code ? { code: src.code } : {}),
          });
        }
      }
    }
    this.visiting.delete(r);
    this.effective.set(r, out);
    return out;
  }

  labelsOf(r: FhirResource): Labels {
    const { category, reason } = categorise(r);
    return buildLabels(category, reason, this.effectiveOf(r));
  }
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x === 'object' ? `an object without a resourceType` : `a ${typeof x}`;
}

function assertResource(x: unknown, where: string): FhirResource {
  if (!isResource(x)) throw new Error(`${where}: expected a FHIR resource (an object with a string resourceType), got ${describe(x)}`);
  return x;
}

/** Labels one resource. With a context (from the same bundle) references are followed; without, only its own content counts. */
export function classifyResource(resource: unknown, context?: ClassifyContext): Labels {
  const r = assertResource(resource, 'classifyResource');
  if (context) return context.labelsOf(r);
  return new ClassifyContext([{ resource: r }]).labelsOf(r);
}

export function classifyResources(resources: unknown[], rules?: CompiledRules): ClassifiedEntry[] {
  if (!Array.isArray(resources)) throw new Error(`classifyResources: expected an array of FHIR resources, got ${describe(resources)}`);
  const list = resources.map((r, i) => assertResource(r, `classifyResources[${i}]`));
  const ctx = new ClassifyContext(list.map((resource) => ({ resource })), rules);
  return list.map((r) => ({ resourceType: r.resourceType, id: r.id, labels: ctx.labelsOf(r) }));
}

export function classifyBundle(bundle: unknown, rules?: CompiledRules): ClassifiedEntry[] {
  if (!isResource(bundle)) throw new Error(`classifyBundle: expected a FHIR Bundle, got ${describe(bundle)}`);
  if (bundle.resourceType !== 'Bundle') throw new Error(`classifyBundle: expected a FHIR Bundle, got a ${bundle.resourceType} resource`);
  const rawEntries = bundle.entry ?? [];
  if (!Array.isArray(rawEntries)) throw new Error('classifyBundle: Bundle.entry must be an array');
  const entries: { resource: FhirResource; fullUrl?: string }[] = [];
  rawEntries.forEach((e, i) => {
    if (typeof e !== 'object' || e === null) throw new Error(`classifyBundle: entry[${i}] is not an object`);
    const { resource, fullUrl } = e as { resource?: unknown; fullUrl?: unknown };
    if (resource === undefined) return; // e.g. a DELETE request entry: nothing to label
    entries.push({ resource: assertResource(resource, `classifyBundle: entry[${i}].resource`), fullUrl: typeof fullUrl === 'string' ? fullUrl : undefined });
  });
  const ctx = new ClassifyContext(entries, rules);
  return entries.map(({ resource, fullUrl }) => ({
    resourceType: resource.resourceType,
    id: resource.id,
    ...(fullUrl ? { fullUrl } : {}),
    labels: ctx.labelsOf(resource),
  }));
}

export interface RaiseRequest {
  sensitivity?: SensitivityCode[];
  confidentiality?: Confidentiality;
  /** Present only so that a caller trying to drop codes gets a clear error: labels can only be raised. */
  remove?: SensitivityCode[];
}

/**
 * A clinician raises labels: adds sensitivity codes and/or raises confidentiality, each with a
 * "clinician-raise" reason naming `by`. Lowering confidentiality or removing a code throws.
 */
export function raiseLabels(labels: Labels, raise: RaiseRequest, by: string): Labels {
  if (!by || typeof by !== 'string') throw new Error('raiseLabels: who raised the labels (by) is required');
  if (raise.remove && raise.remove.length > 0) {
    throw new Error(`labels can only be raised: cannot remove ${raise.remove.join(', ')}`);
  }
  for (const c of raise.sensitivity ?? []) {
    if (!(SENSITIVITY_CODES as readonly string[]).includes(c)) throw new Error(`raiseLabels: unknown sensitivity code "${c}"`);
  }
  if (raise.confidentiality !== undefined && !(CONFIDENTIALITY_ORDER as readonly string[]).includes(raise.confidentiality)) {
    throw new Error(`raiseLabels: unknown confidentiality "${raise.confidentiality}"`);
  }
  if (raise.confidentiality !== undefined && confidentialityRank(raise.confidentiality) < confidentialityRank(labels.confidentiality)) {
    throw new Error(`labels can only be raised: confidentiality ${labels.confidentiality} cannot be lowered to ${raise.confidentiality}`);
  }
  const reasons = [...labels.reasons];
  const added = (raise.sensitivity ?? []).filter((c) => !labels.sensitivity.includes(c));
  for (const c of new Set(added)) reasons.push({ label: c, rule: 'clinician-raise', text: by });
  const sensitivity = orderCodes([...labels.sensitivity, ...added]);
  let confidentiality = labels.confidentiality;
  const implied = confidentialityFor(sensitivity);
  for (const candidate of [implied, raise.confidentiality]) {
    if (candidate && confidentialityRank(candidate) > confidentialityRank(confidentiality)) confidentiality = candidate;
  }
  if (confidentiality !== labels.confidentiality) reasons.push({ label: confidentiality, rule: 'clinician-raise', text: by });
  const next: Labels = { category: labels.category, sensitivity, confidentiality, reasons };
  assertNotLowered(labels, next);
  return next;
}

/** Throws unless `after` keeps every sensitivity code of `before` and does not lower confidentiality. */
export function assertNotLowered(before: Labels, after: Labels): void {
  const dropped = before.sensitivity.filter((c) => !after.sensitivity.includes(c));
  if (dropped.length) throw new Error(`labels can only be raised: ${dropped.join(', ')} would be removed`);
  if (confidentialityRank(after.confidentiality) < confidentialityRank(before.confidentiality)) {
    throw new Error(`labels can only be raised: confidentiality ${before.confidentiality} would be lowered to ${after.confidentiality}`);
  }
}
