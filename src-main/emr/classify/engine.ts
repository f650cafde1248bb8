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
  SENSITIVITY_CODES,
  type Category, type Confidentiality, type LabelReason, type Labels, type SensitivityCode,
} from '../labels';
import { categorise } from './category';
import { extractEvidence, type Evidence } from './extract';
import { effectOf, getDefaultRules, prefixRuleMatches, type CompiledRules, type LabelKey } from './rules';
import { SCREENED_TOPICS, screeningLabels, screeningOf, type Screening } from './screening';

import type { FhirResource } from '../../../src-shared/vocabulary';
export type { FhirResource };

export interface ClassifiedEntry {
  resourceType: string;
  id: string | undefined;
  fullUrl?: string;
  labels: Labels;
}

/** Labels earned so far with their reasons; the key "R" is a restricted-confidentiality floor set by a rule. */
type SensMap = Map<LabelKey, LabelReason[]>;

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
const NOT_INHERITED: ReadonlySet<LabelKey> = new Set<LabelKey>(['PSYTHPN']);
/** References along which a positive screening result passes its labels back to the screening it reports on. */
const SCREENING_RESULT_PATH = /^(?:focus|partOf|derivedFrom)\b/;
const MAX_REASONS_PER_LABEL = 8;
const NEGATION_CUE = /\b(?:no|not|denies|denied|deny|negative for|without|never|free of|ruled out|rules out|r\/o)\b/i;

export function isResource(x: unknown): x is FhirResource {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && typeof (x as { resourceType?: unknown }).resourceType === 'string';
}

function addReason(m: SensMap, code: LabelKey, reason: LabelReason): void {
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

type Keep = (label: LabelKey, path: string) => boolean;

interface TextHit { rule: string; labels: LabelKey[]; text: string }
/**
 * Text-rule hits per string. The same short strings (displays, "Body Weight", "Encounter for check up")
 * recur thousands of times in a chart, so their scan is remembered per compiled rule table; the cache is
 * dropped whole when it grows past MAX_CACHED so memory stays bounded. Long texts (notes) are not cached.
 */
const textCaches = new WeakMap<CompiledRules, Map<string, TextHit[]>>();
const MAX_CACHED = 20_000;
const MAX_CACHED_LENGTH = 400;
const NO_HITS: TextHit[] = [];

function textHits(rules: CompiledRules, text: string): TextHit[] {
  const cacheable = text.length <= MAX_CACHED_LENGTH;
  let cache = textCaches.get(rules);
  if (cacheable && cache) {
    const hit = cache.get(text);
    if (hit) return hit;
  }
  let out = NO_HITS;
  if (rules.textPrefilter.test(text)) {
    out = [];
    for (const r of rules.textRules) {
      r.re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = r.re.exec(text)) !== null) {
        if (m[0].length === 0) { r.re.lastIndex++; continue; }
        if (isNegated(text, m.index)) continue;
        out.push({ rule: r.id, labels: r.labels, text: m[0] });
        break;
      }
    }
  }
  if (cacheable) {
    if (!cache) textCaches.set(rules, (cache = new Map()));
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(text, out);
  }
  return out;
}


function scanText(rules: CompiledRules, text: string, path: string, out: SensMap, keep: Keep): void {
  for (const h of textHits(rules, text)) {
    for (const label of h.labels) if (keep(label, path)) addReason(out, label, { label, rule: h.rule, text: h.text, path });
  }
}

/**
 * Labels a resource earns from its own codes and text. For a screening (see screening.ts) the words and
 * codes that only name it count for the screened topics only when an answer is positive; a positive
 * answer also adds the instrument's own labels.
 */
export function directSensitivity(
  resource: FhirResource, rules: CompiledRules = getDefaultRules(), ev: Evidence = extractEvidence(resource),
  screening: Screening | undefined = screeningOf(resource, rules),
): SensMap {
  const out: SensMap = new Map();
  if (DIRECTORY_TYPES.has(resource.resourceType)) return out;
  const held = screening && screening.positive.length === 0;
  const keep: Keep = held ? (label, path) => !(SCREENED_TOPICS.has(label) && screening.isNamePath(path)) : () => true;
  for (const c of ev.codings) {
    const system = rules.canonicalSystem(c.system);
    const code = c.code.trim();
    const hits = rules.codeIndex.get(`${system}|${code}`);
    if (hits) {
      for (const r of hits) {
        const display = c.display ?? r.display;
        for (const label of effectOf(r)) {
          if (keep(label, c.path)) addReason(out, label, { label, rule: r.id, system, code, path: c.path, ...(display ? { display } : {}) });
        }
      }
    }
    for (const { rule, system: ps } of rules.prefixRules) {
      if (ps === system && prefixRuleMatches(rule, code)) {
        for (const label of effectOf(rule)) {
          if (keep(label, c.path)) addReason(out, label, { label, rule: rule.id, system, code, path: c.path, ...(c.display ? { display: c.display } : {}) });
        }
      }
    }
  }
  for (const t of ev.texts) scanText(rules, t.text, t.path, out, keep);
  if (screening) {
    for (const { label, answer } of screeningLabels(screening)) {
      addReason(out, label, { label, rule: answer.rule!.id, text: answer.answer, path: answer.path, display: answer.rule!.name });
    }
  }
  return out;
}

/** Sensitivity codes in the vocabulary's order, each once. */
export function orderCodes(codes: Iterable<LabelKey>): SensitivityCode[] {
  const set = new Set<string>(codes);
  return SENSITIVITY_CODES.filter((c) => set.has(c));
}

/** Confidentiality implied by sensitivity codes: V for psychotherapy notes, R for any sensitivity, else N. */
export function confidentialityFor(sensitivity: readonly SensitivityCode[]): Confidentiality {
  if (sensitivity.includes('PSYTHPN')) return 'V';
  return sensitivity.length > 0 ? 'R' : 'N';
}

/**
 * The sharing decision for social risks (food, housing and financial insecurity, unemployment):
 * HL7's SHIFT examples mark them restricted (R) without a sensitivity code, so no code in a consent
 * can name them. They are filed under their own category, `social-needs`, whatever their resource
 * type (a Condition, a positive screening, a claim for it): they leave the care network only under
 * a consent that names that category in words ("Social needs"), checked by the provider, by the
 * hospital chain's validators (ledger/release.ts labelsMisfit) and by the entity, like any category.
 * A patient's own details (demographics) keep their category.
 */
function socialNeedsCategory(category: Category, categoryReason: LabelReason, restricted: boolean): [Category, LabelReason] {
  if (!restricted || category === 'demographics') return [category, categoryReason];
  return ['social-needs', { label: 'category:social-needs', rule: 'category-social-risk', text: categoryReason.text }];
}

function buildLabels(typeCategory: Category, typeReason: LabelReason, sens: SensMap): Labels {
  const sensitivity = orderCodes(sens.keys());
  const restricted = sens.get('R');
  const [category, categoryReason] = socialNeedsCategory(typeCategory, typeReason, !!restricted);
  const confidentiality = confidentialityFor(sensitivity) === 'N' && restricted ? 'R' : confidentialityFor(sensitivity);
  const reasons: LabelReason[] = [categoryReason];
  for (const code of sensitivity) reasons.push(...(sens.get(code) ?? []));
  if (restricted) reasons.push(...restricted);
  if (confidentiality === 'V') {
    reasons.push({ label: 'V', rule: 'confidentiality-psychotherapy-note', text: 'PSYTHPN' });
  } else if (confidentiality === 'R' && sensitivity.length > 0) {
    reasons.push({ label: 'R', rule: 'confidentiality-from-sensitivity', text: sensitivity.join(',') });
  } else if (confidentiality === 'R') {
    reasons.push({ label: 'R', rule: 'confidentiality-from-rule', text: 'it records a social risk' });
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
  private readonly screenings = new Map<FhirResource, Screening | undefined>();
  private readonly all: FhirResource[];
  private back?: Map<FhirResource, SensMap>;

  constructor(entries: { resource: FhirResource; fullUrl?: string }[], readonly rules: CompiledRules = getDefaultRules()) {
    this.all = entries.map((e) => e.resource);
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

  screeningOf(r: FhirResource): Screening | undefined {
    if (!this.screenings.has(r)) this.screenings.set(r, screeningOf(r, this.rules));
    return this.screenings.get(r);
  }

  directOf(r: FhirResource): SensMap {
    let d = this.direct.get(r);
    if (!d) this.direct.set(r, (d = directSensitivity(r, this.rules, this.evidenceOf(r), this.screeningOf(r))));
    return d;
  }

  /**
   * Labels that positive screening results pass back to what they report on (Observation.focus / partOf /
   * derivedFrom): a PHQ-9 score of 15 makes the questionnaire it was derived from sensitive too.
   */
  private screeningBack(): Map<FhirResource, SensMap> {
    if (this.back) return this.back;
    const back = new Map<FhirResource, SensMap>();
    for (const r of this.all) {
      const refs = this.evidenceOf(r).refs.filter((x) => SCREENING_RESULT_PATH.test(x.path));
      if (refs.length === 0 || !this.screeningOf(r)?.positive.length) continue;
      const d = this.directOf(r);
      for (const ref of refs) {
        const target = this.resolve(ref.reference);
        if (!target || target === r) continue;
        let m = back.get(target);
        if (!m) back.set(target, (m = new Map()));
        for (const code of d.keys()) {
          if (SCREENED_TOPICS.has(code)) addReason(m, code, { label: code, rule: 'screening-result', text: `${r.resourceType}/${r.id ?? ref.reference}`, path: ref.path });
        }
      }
    }
    return (this.back = back);
  }

  /** Direct labels plus those inherited along references (see the module comment for the policy). */
  effectiveOf(r: FhirResource): SensMap {
    const memo = this.effective.get(r);
    if (memo) return memo;
    if (this.visiting.has(r)) return this.directOf(r); // reference cycle: stop here
    this.visiting.add(r);
    const out: SensMap = new Map();
    for (const [k, v] of this.directOf(r)) out.set(k, [...v]);
    for (const [k, v] of this.screeningBack().get(r) ?? []) if (!out.has(k)) out.set(k, [...v]);
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
