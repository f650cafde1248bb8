/**
 * Why a resource carries a label, in a sentence: turns one classifier reason (rule id, code, matched
 * text, JSON path) into words a patient or clinician can read ("the procedure's reason mentions
 * “depression”"). Pure functions over data, no imports beyond the shared vocabulary, so the renderer,
 * the FHIR export and the audit trail say the same thing. The rule id stays available (`reason.rule`)
 * as a detail for staff.
 */
import { CATEGORY_WORDS, CONFIDENTIALITY_WORDS, SENSITIVITY_WORDS, type CodeWords } from './vocabulary';

/** Why a label was given (the node's LabelReason, src-main/emr/labels.ts, is this type). */
export interface ReasonLike {
  /** The label this reason supports, e.g. "HIV", "R", or "category:medication". */
  label: string;
  /** Rule id from the versioned rule table, or "clinician-raise" / "reference" / "default". */
  rule: string;
  /** What fired: the code system and code, or the matched text, and where it was found. */
  system?: string;
  code?: string;
  text?: string;
  path?: string;
  /** The coding's display (or the rule's display for the code), so the reason can be said in words. */
  display?: string;
}

export interface ExplainContext {
  /** The FHIR resource type the reason belongs to ("Procedure"), to say "the procedure's reason". */
  resourceType?: string;
}

/** Plain words for a sensitivity code, confidentiality code or category; the code itself if unknown. */
export function labelWords(code: string): string {
  const c = code.startsWith('category:') ? code.slice('category:'.length) : code;
  return (SENSITIVITY_WORDS as Record<string, CodeWords>)[c]?.words
    ?? (CONFIDENTIALITY_WORDS as Record<string, CodeWords>)[c]?.words
    ?? (CATEGORY_WORDS as Record<string, string>)[c]
    ?? c;
}

/** "Mental health (PSY)": the words with the code beside them. */
export function labelWithCode(code: string): string {
  const c = code.startsWith('category:') ? code.slice('category:'.length) : code;
  const w = labelWords(c);
  return w === c ? c : `${w} (${c})`;
}

/** "Conditions and diagnoses (condition), Medications (medication)": a list of codes in words, codes beside. */
export function labelsInWords(codes: readonly string[]): string {
  return codes.map(labelWithCode).join(', ');
}

const SYSTEM_NAMES: Record<string, string> = {
  'http://snomed.info/sct': 'SNOMED CT',
  'http://loinc.org': 'LOINC',
  'http://www.nlm.nih.gov/research/umls/rxnorm': 'RxNorm',
  'http://hl7.org/fhir/sid/icd-10-cm': 'ICD-10-CM',
  'http://hl7.org/fhir/sid/icd-10': 'ICD-10',
  'http://www.ama-assn.org/go/cpt': 'CPT',
  'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets': 'HCPCS',
  'http://terminology.hl7.org/CodeSystem/v2-0074': 'HL7 diagnostic service section',
  'http://terminology.hl7.org/CodeSystem/observation-category': 'HL7 observation category',
};

/** A readable name for a code system URL ("SNOMED CT"); the URL's last segment otherwise. */
export function systemName(system: string | undefined): string {
  if (!system) return 'a code';
  const known = SYSTEM_NAMES[system.replace(/\/+$/, '')];
  if (known) return known;
  const last = system.replace(/\/+$/, '').split(/[/:]/).pop();
  return last || system;
}

/** Element names (the first step of a reason's path) in words. */
const ELEMENT_WORDS: Record<string, string> = {
  code: 'code', reasonCode: 'reason', reasonReference: 'reason', diagnosis: 'diagnosis', category: 'category',
  type: 'type', note: 'note', text: 'summary text', description: 'description', conclusion: 'conclusion',
  conclusionCode: 'conclusion', component: 'result component', item: 'line item', activity: 'planned activity',
  content: 'attached document', presentedForm: 'attached report', medicationCodeableConcept: 'medication',
  medicationReference: 'medication', contained: 'embedded record', addresses: 'goal', interpretation: 'interpretation',
  outcome: 'outcome', bodySite: 'body site', evidence: 'evidence', stage: 'stage', focus: 'focus', partOf: 'parent record',
  derivedFrom: 'source record', hasMember: 'member result', result: 'result', claim: 'claim', supportingInfo: 'supporting information',
  encounter: 'visit', basedOn: 'order', title: 'title', summary: 'summary', comment: 'comment', patientInstruction: 'instructions',
  dosageInstruction: 'dosage instructions', condition: 'family history entry', indication: 'indication', procedure: 'procedure',
  valueCodeableConcept: 'result', valueString: 'result', valueQuantity: 'result', valueInteger: 'result', valueBoolean: 'result',
  valueMarkdown: 'result', answer: 'answer', section: 'section', goal: 'goal', detail: 'detail', problem: 'problem',
};

/** Resource types in words ("the visit's"). */
const TYPE_WORDS: Record<string, string> = {
  Encounter: 'visit', DocumentReference: 'document', DiagnosticReport: 'report', ExplanationOfBenefit: 'explanation of benefit',
  QuestionnaireResponse: 'questionnaire answers', MedicationRequest: 'prescription', MedicationStatement: 'medication record',
  MedicationAdministration: 'medication given', MedicationDispense: 'medication dispensed', AllergyIntolerance: 'allergy',
  CarePlan: 'care plan', CareTeam: 'care team', ServiceRequest: 'order', FamilyMemberHistory: 'family history',
};

function splitWords(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** "the procedure" for a resource type; "the record" without one. */
export function typeWords(resourceType: string | undefined): string {
  if (!resourceType) return 'the record';
  return `the ${TYPE_WORDS[resourceType] ?? splitWords(resourceType)}`;
}

/** Where in the record the evidence was: "the procedure's reason", "the document's attached document". */
export function whereWords(path: string | undefined, ctx: ExplainContext = {}): string {
  const owner = typeWords(ctx.resourceType);
  if (!path) return owner;
  if (/^text\.div\b/.test(path)) return `${owner}'s summary text`;
  if (/data\(decoded\)/.test(path)) return `${owner}'s attached text`;
  const first = path.match(/^[A-Za-z]+/)?.[0] ?? '';
  const el = ELEMENT_WORDS[first] ?? (first.startsWith('value') ? 'result' : splitWords(first));
  return el ? `${owner}'s ${el}` : owner;
}

function codeWords(r: ReasonLike): string {
  const name = systemName(r.system);
  return `${name} ${r.code}${r.display ? ` “${r.display}”` : ''}`;
}

/** Lower-cases the first letter unless the word is an acronym ("Mental health" → "mental health", "HIV" stays). */
function lower(w: string): string {
  return /^[A-Z][A-Z0-9]/.test(w) ? w : w.charAt(0).toLowerCase() + w.slice(1);
}

function sensitivityList(codes: string[]): string {
  const words = codes.map((c) => lower(labelWords(c)));
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

function capitalise(s: string): string {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

/**
 * One reason as a sentence, e.g. "The procedure's reason mentions “depression”." or
 * "The condition's code is SNOMED CT 370143000 “Major depression disorder”, a code for mental health."
 */
export function explainReason(r: ReasonLike, ctx: ExplainContext = {}): string {
  const topic = lower(labelWords(r.label));
  switch (r.rule) {
    case 'category-by-type':
      return `It is ${/^[AEIOU]/.test(r.text ?? '') ? 'an' : 'a'} ${r.text ?? 'FHIR'} record, filed under ${topic}.`;
    case 'category-social-risk':
      return `It records a social risk, so it is filed under ${topic}: it leaves only under a consent that names them.`;
    case 'category-by-observation-category':
    case 'category-by-report-category':
      return `Its category${r.code ? ` “${r.code}”` : ''} files it under ${topic}.`;
    case 'reference': {
      const [type] = (r.text ?? '').split('/');
      return capitalise(`${whereWords(r.path, ctx)} points to ${type ? typeWords(type).replace(/^the /, 'a ') : 'another record'} that holds ${topic} information.`);
    }
    case 'screening-result': {
      const [type] = (r.text ?? '').split('/');
      return `A positive screening result (${type ? typeWords(type).replace(/^the /, 'a ') : 'another record'}) refers to it, so it holds ${topic} information.`;
    }
    case 'stored-label':
      return `Labelled ${topic} when the record was stored, from a record it refers to or by a clinician.`;
    case 'clinician-raise':
      return r.text ? `Raised by ${r.text}.` : 'Raised by a clinician.';
    case 'confidentiality-from-sensitivity':
      return `${capitalise(topic)}, because it holds ${sensitivityList((r.text ?? '').split(',').filter(Boolean)) || 'sensitive'} information.`;
    case 'confidentiality-from-rule':
      return `${capitalise(topic)}, because ${r.text ?? 'a rule marks it restricted'}.`;
    case 'confidentiality-psychotherapy-note':
      return `${capitalise(topic)}, because it is a psychotherapy note.`;
    case 'default':
      return `${capitalise(topic)}: nothing sensitive was found in it.`;
  }
  const where = whereWords(r.path, ctx);
  if (r.rule.startsWith('scr-')) {
    return capitalise(`${where} is a positive ${r.display ?? 'screening'}${r.text ? ` (${r.text})` : ''}, so it holds ${topic} information.`);
  }
  const about = r.label === 'R' || r.label === 'V' ? `${topic} information` : topic;
  if (r.code) return capitalise(`${where} is ${codeWords(r)}, a code for ${about}.`);
  if (r.text) return capitalise(`${where} mentions “${r.text}”.`);
  return `Rule ${r.rule} marked it as ${topic}.`;
}

/** "Mental health (PSY): The procedure's reason mentions “depression”." */
export function explainLabel(r: ReasonLike, ctx: ExplainContext = {}): string {
  return `${labelWithCode(r.label)}: ${explainReason(r, ctx)}`;
}
