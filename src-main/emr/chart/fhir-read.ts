/**
 * Small readers of FHIR R4 elements a chart needs: a concept's words, a code, the clinical date of
 * each resource type (from the element that type defines for it), a dosage in words, and a note
 * decoded from an attachment. Pure functions over plain JSON (no Node API), tested in
 * test/chart/summary.test.ts.
 */
export type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : undefined);
const firstOf = (v: unknown): Json | undefined => (Array.isArray(v) ? v.find(isObj) : isObj(v) ? v : undefined);

/** A CodeableConcept (or a list of them) in words: its text, else its first coding's display, else its code. */
export function conceptText(cc: unknown): string | undefined {
  const c = firstOf(cc);
  if (!c) return undefined;
  const coding = Array.isArray(c.coding) ? (c.coding as Json[]) : [];
  return str(c.text) ?? coding.map((x) => str(x.display)).find(Boolean) ?? coding.map((x) => str(x.code)).find(Boolean);
}

/** The first code of a CodeableConcept (LOINC for Synthea's observations). */
export function codeOf(cc: unknown): string | undefined {
  const c = firstOf(cc);
  const coding = c && Array.isArray(c.coding) ? (c.coding as Json[]) : [];
  return coding.map((x) => str(x.code)).find(Boolean);
}

/** A Condition's or AllergyIntolerance's clinicalStatus code ("active", "resolved", …). */
export const clinicalStatus = (r: Json): string | undefined => codeOf(r.clinicalStatus);

/**
 * Where each type keeps its clinical date, in FHIR R4's order of meaning (a period or a choice
 * type's start counts). A type not listed uses the generic list. No fallback to when the record was
 * stored: a resource without one is undated.
 */
const DATE_ELEMENTS: Record<string, string[]> = {
  Observation: ['effectiveDateTime', 'effectivePeriod', 'effectiveInstant', 'issued'],
  DiagnosticReport: ['effectiveDateTime', 'effectivePeriod', 'issued'],
  Condition: ['onsetDateTime', 'onsetPeriod', 'recordedDate'],
  AllergyIntolerance: ['onsetDateTime', 'onsetPeriod', 'recordedDate'],
  MedicationRequest: ['authoredOn'],
  MedicationStatement: ['effectiveDateTime', 'effectivePeriod', 'dateAsserted'],
  MedicationAdministration: ['effectiveDateTime', 'effectivePeriod'],
  Immunization: ['occurrenceDateTime', 'recorded'],
  Procedure: ['performedDateTime', 'performedPeriod'],
  Encounter: ['period'],
  CarePlan: ['period', 'created'],
  CareTeam: ['period'],
  Goal: ['startDate', 'statusDate'],
  DocumentReference: ['date', 'context.period'],
  Claim: ['billablePeriod', 'created'],
  ExplanationOfBenefit: ['billablePeriod', 'created'],
  ImagingStudy: ['started'],
  Device: ['manufactureDate'],
  Patient: ['birthDate'],
};
const GENERIC = ['effectiveDateTime', 'effectivePeriod', 'onsetDateTime', 'performedDateTime', 'performedPeriod', 'occurrenceDateTime', 'authoredOn', 'recordedDate', 'issued', 'date', 'period', 'created'];

function dateAt(r: Json, path: string): string | undefined {
  let v: unknown = r;
  for (const k of path.split('.')) v = isObj(v) ? v[k] : undefined;
  if (typeof v === 'string') return str(v);
  return isObj(v) ? str(v.start) ?? str(v.end) : undefined;
}

/** The clinical date of a resource and the element it came from; null when the resource is undated. */
export function clinicalDate(r: Json & { resourceType?: unknown }): { date: string; from: string } | null {
  const elements = DATE_ELEMENTS[String(r.resourceType)] ?? GENERIC;
  for (const from of elements) {
    const date = dateAt(r, from);
    if (date) return { date, from };
  }
  return null;
}

const PERIOD_WORDS: Record<string, string> = { s: 'second', min: 'minute', h: 'hour', d: 'day', wk: 'week', mo: 'month', a: 'year' };

/** A dosage in words: its text, else "1 tablet, once a day, as needed". */
export function dosageText(dosage: unknown): string | undefined {
  const d = firstOf(dosage);
  if (!d) return undefined;
  if (str(d.text)) return str(d.text);
  const parts: string[] = [];
  const dr = firstOf(d.doseAndRate);
  const q = (dr?.doseQuantity ?? d.doseQuantity) as Json | undefined;
  if (q && typeof q.value === 'number') parts.push(`${q.value}${str(q.unit) ? ` ${q.unit}` : q.value === 1 ? ' dose' : ' doses'}`);
  const rep = (d.timing as Json | undefined)?.repeat as Json | undefined;
  if (rep && typeof rep.frequency === 'number' && typeof rep.period === 'number' && typeof rep.periodUnit === 'string') {
    const unit = PERIOD_WORDS[rep.periodUnit] ?? rep.periodUnit;
    const times = rep.frequency === 1 ? 'once' : rep.frequency === 2 ? 'twice' : `${rep.frequency} times`;
    parts.push(rep.period === 1 ? `${times} a ${unit}` : `${times} every ${rep.period} ${unit}s`);
  }
  if (d.asNeededBoolean === true) parts.push('as needed');
  const route = conceptText(d.route);
  if (route) parts.push(route.toLowerCase());
  return parts.length ? parts.join(', ') : undefined;
}

const MAX_NOTE = 4000;
const TEXT_TYPES = /^(text\/(plain|markdown|html|csv)|application\/(xhtml\+xml|json|fhir\+json))\b/i;

/** Base64 → UTF-8 text (no Node Buffer: also runs in a browser); null when it is not base64. */
function fromBase64(b64: string): string | null {
  try {
    const bin = atob(b64.replace(/\s+/g, ''));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  } catch {
    return null;
  }
}

const stripHtml = (s: string) => s.replace(/<br\s*\/?>/gi, '\n').replace(/<\/(p|div|li|h\d)>/gi, '\n').replace(/<[^>]*>/g, '').replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/**
 * The readable text of an attachment: inline data of a text type (plain, markdown, HTML with its
 * tags removed, JSON), decoded from base64; a reference to an outside document is named, not fetched.
 */
export function attachmentText(att: unknown): string | undefined {
  if (!isObj(att)) return undefined;
  const type = str(att.contentType) ?? 'text/plain';
  if (typeof att.data === 'string') {
    if (!TEXT_TYPES.test(type)) return `[${type} attachment${str(att.title) ? ` “${att.title}”` : ''}, not shown as text]`;
    const raw = fromBase64(att.data);
    if (raw === null) return '[attachment not readable: its data is not base64]';
    const text = (/html/i.test(type) ? stripHtml(raw) : raw).replace(/\r\n/g, '\n').trim();
    return text.length > MAX_NOTE ? `${text.slice(0, MAX_NOTE)}…` : text;
  }
  if (str(att.url)) return `[document at ${String(att.url).slice(0, 200)}, not stored in this record]`;
  return str(att.title);
}

/** Annotations (`note`) in one text. */
export const annotations = (r: Json): string | undefined =>
  Array.isArray(r.note) ? (r.note as Json[]).map((n) => str(n.text)).filter(Boolean).join('\n') || undefined : undefined;

/** A note's text: a DocumentReference's content or a DiagnosticReport's presentedForm, else its annotations. */
export function noteText(r: Json): string | undefined {
  const atts: unknown[] = [];
  if (Array.isArray(r.content)) for (const c of r.content as Json[]) atts.push(c.attachment);
  if (Array.isArray(r.presentedForm)) atts.push(...(r.presentedForm as unknown[]));
  const texts = atts.map(attachmentText).filter((t): t is string => !!t);
  return texts.length ? texts.join('\n\n') : annotations(r);
}

export const dateOnly = (d: string | undefined) => (d ? d.slice(0, 10) : undefined);
