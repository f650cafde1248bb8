/**
 * What must not survive de-identification: the identifying values found in the original resources
 * (names, address lines, cities, ZIP codes, phone numbers, e-mails, identifier values, resource
 * ids), the patterns of the Safe Harbor identifiers (SSN, phone, e-mail, URL, IP, full dates), and a
 * free-text scrubber built from both. The de-identifier (safeHarbor.ts) and the checker (check.ts)
 * share this code, so what one removes is exactly what the other looks for.
 */
import { parseReference } from '../fhir/bundle';

export type KnownKind = 'name' | 'address' | 'city' | 'zip' | 'phone' | 'email' | 'ssn' | 'identifier' | 'resource-id';

export interface SensitiveValues {
  /** lower-cased value -> kind */
  values: Map<string, KnownKind>;
}

/** Person types whose names are identifying; display strings of references to them are names. */
export const PERSON_TYPES = new Set(['Patient', 'Practitioner', 'PractitionerRole', 'RelatedPerson', 'Person']);
const NAME_PREFIX_RE = /^(mr|mrs|ms|miss|mx|dr|prof|sr|jr|ii|iii|iv|md|phd|rn|np|do)\.?$/i;

/** Identifier values shorter than this are not searched for in text (e.g. NPI "150"): too many false hits. */
export const MIN_IDENTIFIER_LENGTH = 5;
/** Resource ids shorter than this are not searched for (contained ids like "referral"). */
export const MIN_RESOURCE_ID_LENGTH = 8;

const ADDRESS_KEYS = new Set(['address', 'valueAddress', 'locationAddress']);
const MAIDEN_NAME_URL = 'http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName';

/**
 * Adds the tokens of a name. With `stems`, a Synthea-style numbered token (Bob965) adds its bare
 * stem (Bob) too: used for the patient and relatives, not for practitioners, whose stems are often
 * clinical words (Block661 -> "block").
 */
function addNameText(values: Map<string, KnownKind>, s: string, stems: boolean): void {
  for (const raw of s.split(/[\s,]+/)) {
    const tok = raw.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}.]+$/gu, '');
    if (tok.length < 2 || NAME_PREFIX_RE.test(tok)) continue;
    const t = tok.replace(/\.$/, '');
    if (t.length < 2) continue;
    values.set(t.toLowerCase(), 'name');
    // Synthea appends digits to names (Bob965): the bare name is identifying too.
    const stem = stems ? /^(\p{L}{3,})\d+$/u.exec(t) : null;
    if (stem) values.set(stem[1].toLowerCase(), 'name');
  }
}

function addHumanName(values: Map<string, KnownKind>, n: unknown, stems: boolean): void {
  if (n === null || typeof n !== 'object') return;
  const hn = n as { family?: unknown; given?: unknown; text?: unknown };
  if (typeof hn.family === 'string') addNameText(values, hn.family, stems);
  if (Array.isArray(hn.given)) for (const g of hn.given) if (typeof g === 'string') addNameText(values, g, stems);
  if (typeof hn.text === 'string') addNameText(values, hn.text, stems);
}

/** Types whose names are the patient's own or a relative's (stems are added for them). */
const PATIENT_SIDE_TYPES = new Set(['Patient', 'RelatedPerson', 'Person']);

function isHumanNameArray(v: unknown): boolean {
  return Array.isArray(v) && v.some((x) => x !== null && typeof x === 'object' && ('family' in x || 'given' in x || ('text' in x && !('coding' in x))));
}

/** Collects every identifying value from the original resources (and the resources they contain). */
export function collectSensitive(originals: readonly unknown[]): SensitiveValues {
  const values = new Map<string, KnownKind>();
  const put = (v: unknown, kind: KnownKind, min = 2) => {
    if (typeof v === 'string' && v.trim().length >= min) {
      const k = v.trim().toLowerCase();
      // Never downgrade a name/identifier to a weaker kind; first kind wins.
      if (!values.has(k)) values.set(k, kind);
    }
  };

  const stemsFor = (t: string | undefined) => t === undefined || PATIENT_SIDE_TYPES.has(t);
  const visit = (node: unknown, key: string, parentType: string | undefined): void => {
    if (Array.isArray(node)) {
      if (key === 'name' && isHumanNameArray(node)) for (const n of node) addHumanName(values, n, stemsFor(parentType));
      for (const x of node) visit(x, key, parentType);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (key === 'valueHumanName' || (key === 'name' && !('coding' in o) && ('family' in o || 'given' in o))) addHumanName(values, o, stemsFor(parentType));
    if (ADDRESS_KEYS.has(key)) {
      if (Array.isArray(o.line)) for (const l of o.line) put(l, 'address', 3);
      put(o.text, 'address', 3);
      put(o.city, 'city', 3);
      put(o.district, 'city', 3);
      if (typeof o.postalCode === 'string' && o.postalCode.trim().length >= 5) put(o.postalCode, 'zip', 5);
    }
    if (key === 'telecom' || key === 'valueContactPoint') {
      const sys = o.system;
      put(o.value, sys === 'email' ? 'email' : sys === 'url' || sys === 'other' ? 'identifier' : 'phone', 5);
    }
    if (key === 'identifier' || key === 'masterIdentifier' || key === 'valueIdentifier') {
      const ssn = typeof o.value === 'string' && (/us-ssn/.test(String(o.system)) || /^\d{3}-?\d{2}-?\d{4}$/.test(o.value.trim()));
      put(o.value, ssn ? 'ssn' : 'identifier', MIN_IDENTIFIER_LENGTH);
    }
    if (key === 'extension' && o.url === MAIDEN_NAME_URL && typeof o.valueString === 'string') addNameText(values, o.valueString, true);
    // A top-level resource's id (contained ids such as "referral" are local and not identifying).
    if (parentType === undefined && typeof o.resourceType === 'string' && typeof o.id === 'string' && o.id.length >= MIN_RESOURCE_ID_LENGTH) put(o.id, 'resource-id', MIN_RESOURCE_ID_LENGTH);
    // A reference's display names its target; for a person it is a name (e.g. "Dr. Ronny764 Block661").
    if (typeof o.display === 'string' && typeof o.reference === 'string') {
      const t = referenceTargetType(o.reference);
      if (t && PERSON_TYPES.has(t)) addNameText(values, o.display, PATIENT_SIDE_TYPES.has(t));
    }
    // A person resource's name may also be a plain string (Organization.name is not a person).
    if (typeof o.resourceType === 'string' && PERSON_TYPES.has(o.resourceType) && typeof o.name === 'string') addNameText(values, o.name, stemsFor(o.resourceType));
    const nextType = typeof o.resourceType === 'string' ? o.resourceType : parentType;
    for (const [k, v] of Object.entries(o)) if (v !== null && typeof v === 'object') visit(v, k, nextType);
  };
  for (const r of originals) visit(r, '', undefined);
  return { values };
}

/** Type of a reference's target: `Type/id`, absolute URL, or conditional `Type?query`. */
export function referenceTargetType(ref: string): string | undefined {
  const p = parseReference(ref);
  if (p) return p.type;
  const m = /^([A-Z][A-Za-z]+)\?/.exec(ref);
  return m ? m[1] : undefined;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One case-insensitive regex for all known values, matched on letter/digit boundaries. */
export function knownValuesRegex(sv: SensitiveValues): RegExp | undefined {
  // UUID-shaped values (most resource ids) are left to UUID_RE: a shorter alternation is much faster.
  const keys = [...sv.values.keys()].filter((k) => !UUID_VALUE_RE.test(k));
  if (keys.length === 0) return undefined;
  const alts = keys.sort((a, b) => b.length - a.length).map(escapeRe);
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${alts.join('|')})(?![\\p{L}\\p{N}])`, 'giu');
}

const UUID_VALUE_RE = /^(?:urn:uuid:)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// ---- Safe Harbor patterns -------------------------------------------------------------------
export const SSN_RE = /(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)/g;
export const PHONE_RE = /(?<![\d-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\d-])/g;
export const EMAIL_RE = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
export const URL_RE = /\b(?:https?|ftp):\/\/[^\s<>"')\]]+|\bwww\.[^\s<>"')\]]+/gi;
export const IP_RE = /(?<!\d|\d\.)(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?!\d|\.\d)/g;
export const UUID_RE = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
/** Any full date: YYYY-MM or YYYY-MM-DD (with optional time). Group 1 is the year. */
export const ISO_DATE_IN_TEXT_RE = /(?<![\d-])(\d{4})-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?![\d-])/g;
/** US-style dates M/D/YYYY or M-D-YYYY. Group 1 is the year. */
export const US_DATE_RE = /(?<![\d/-])(?:0?[1-9]|1[0-2])[/-](?:0?[1-9]|[12]\d|3[01])[/-](\d{4})(?![\d/-])/g;
const MONTHS = '(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)';
/** "July 8, 1991", "8 July 1991", "July 1991". The last group is the year. */
export const MONTH_DATE_RE = new RegExp(
  `\\b(?:${MONTHS}\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+|\\d{1,2}(?:st|nd|rd|th)?\\s+${MONTHS}\\.?,?\\s+|${MONTHS}\\.?,?\\s+)(\\d{4})\\b`,
  'gi',
);
/** An age over 89 in text: "93 year-old", "aged 95", "age 101". */
const AGE_RE = /\b(aged?\s+)(9\d|1[0-4]\d)\b|\b(9\d|1[0-4]\d)(?=[\s-]*(?:years?|yrs?|y\/?o)\b)/gi;

/** A FHIR date, dateTime or instant value (at least year and month). */
export const FHIR_DATE_VALUE_RE = /^\d{4}-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01])(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?)?$/;

export type ReplacementKind = 'name' | 'address' | 'phone' | 'email' | 'ssn' | 'identifier' | 'date' | 'url' | 'ip' | 'age';

const PLACEHOLDER: Record<KnownKind, [string, ReplacementKind]> = {
  name: ['[NAME]', 'name'],
  address: ['[ADDRESS]', 'address'],
  city: ['[LOCATION]', 'address'],
  zip: ['[ZIP]', 'address'],
  phone: ['[PHONE]', 'phone'],
  email: ['[EMAIL]', 'email'],
  ssn: ['[SSN]', 'ssn'],
  identifier: ['[ID]', 'identifier'],
  'resource-id': ['[ID]', 'identifier'],
};

export type ReplacementCounts = Record<ReplacementKind, number>;
export const emptyReplacementCounts = (): ReplacementCounts => ({
  name: 0, address: 0, phone: 0, email: 0, ssn: 0, identifier: 0, date: 0, url: 0, ip: 0, age: 0,
});

/**
 * Free-text scrubber: replaces known values (names of the patient and of practitioners, address
 * lines, cities, phones, e-mails, identifier values, resource ids) with [NAME]-style placeholders;
 * SSN, phone, e-mail, URL, IP and UUID patterns with placeholders; full dates with their year; and
 * ages over 89 with "90+".
 */
export function makeScrubber(sv: SensitiveValues): (text: string, counts: ReplacementCounts) => string {
  const known = knownValuesRegex(sv);
  return (text, counts) => {
    let s = text;
    if (known) {
      s = s.replace(known, (m) => {
        const [ph, kind] = PLACEHOLDER[sv.values.get(m.toLowerCase()) ?? 'identifier'];
        counts[kind]++;
        return ph;
      });
    }
    // Cheap early exit: every remaining pattern needs a digit, '@' or "www"/"://".
    if (!/[\d@]|www|:\/\//i.test(s)) return s;
    s = s.replace(EMAIL_RE, () => (counts.email++, '[EMAIL]'));
    s = s.replace(URL_RE, () => (counts.url++, '[URL]'));
    s = s.replace(UUID_RE, () => (counts.identifier++, '[ID]'));
    s = s.replace(SSN_RE, () => (counts.ssn++, '[SSN]'));
    s = s.replace(ISO_DATE_IN_TEXT_RE, (_m, y: string) => (counts.date++, y));
    s = s.replace(US_DATE_RE, (_m, y: string) => (counts.date++, y));
    s = s.replace(MONTH_DATE_RE, (_m, y: string) => (counts.date++, y));
    s = s.replace(PHONE_RE, () => (counts.phone++, '[PHONE]'));
    s = s.replace(IP_RE, () => (counts.ip++, '[IP]'));
    s = s.replace(AGE_RE, (_m, pre: string | undefined) => (counts.age++, pre !== undefined ? `${pre}90+` : '90+'));
    return s;
  };
}
