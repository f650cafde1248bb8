/**
 * Safe Harbor checker: looks for anything identifying left in a de-identified package. Used by the
 * tests and by the sharing code before it publishes a package (publish only if the list is empty).
 *
 * It searches every string of the output (base64 text attachments decoded), except structural
 * strings that are never free text (code system URIs, extension URLs, codes, resourceType), for:
 *  - any value known from the originals: names of the patient, relatives and practitioners, address
 *    lines, cities, full ZIP codes, phone numbers, e-mails, identifier values, original resource ids;
 *  - SSN-like (ddd-dd-dddd), phone, e-mail, URL and IP patterns, and full dates (YYYY-MM,
 *    YYYY-MM-DD, M/D/YYYY, "July 8, 1991");
 * and structurally for: identifier / telecom / HumanName / photo / narrative elements, addresses
 * finer than state + ZIP3, geolocation, a birth year implying an age over 89, non-text attachments,
 * Media/Binary resources, and meta.lastUpdated / versionId / source.
 */
import type * as fhir4 from 'fhir/r4';
import {
  EMAIL_RE,
  ISO_DATE_IN_TEXT_RE,
  MONTH_DATE_RE,
  PHONE_RE,
  SSN_RE,
  IP_RE,
  URL_RE,
  UUID_RE,
  US_DATE_RE,
  collectSensitive,
  knownValuesRegex,
  type KnownKind,
} from './sensitive';
import { isAgeOver89 } from './safeHarbor';

export interface SafeHarborFinding {
  /** what was found: a KnownKind ("name", "address", ...), a pattern ("ssn", "date", ...) or a structural kind */
  kind: string;
  /** where: "Type/id" then a dotted element path */
  path: string;
  /** the offending value (for the provider's eyes only: never publish findings) */
  detail: string;
}

export interface CheckOptions {
  /** Reference time for the "over 89" rule (default: now). */
  now?: Date;
}

const STRUCTURAL_KEYS = new Set(['system', 'url', 'profile', 'code', 'resourceType', 'contentType', 'language']);
const TEXT_CONTENT_RE = /^\s*(text\/[a-z0-9.+-]+|application\/(?:json|xml|fhir\+json|fhir\+xml))\s*(;|$)/i;
const PATTERNS: [string, RegExp][] = [
  ['ssn', SSN_RE],
  ['phone', PHONE_RE],
  ['email', EMAIL_RE],
  ['url', URL_RE],
  ['ip', IP_RE],
  ['identifier', UUID_RE],
  ['date', ISO_DATE_IN_TEXT_RE],
  ['date', US_DATE_RE],
  ['date', MONTH_DATE_RE],
];
const FORBIDDEN_KEYS: Record<string, string> = {
  identifier: 'identifier',
  masterIdentifier: 'identifier',
  valueIdentifier: 'identifier',
  telecom: 'telecom',
  valueContactPoint: 'telecom',
  valueHumanName: 'name',
  photo: 'photo',
  authorString: 'name',
  position: 'geographic',
};
const GEO_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/geolocation';

/** Returns every Safe Harbor finding in `resources` (empty = clean), judged against `originals`. */
export function assertSafeHarbor(
  resources: readonly fhir4.FhirResource[],
  originals: readonly fhir4.FhirResource[],
  opts: CheckOptions = {},
): SafeHarborFinding[] {
  const now = opts.now ?? new Date();
  const sv = collectSensitive(originals);
  const known = knownValuesRegex(sv);
  const findings: SafeHarborFinding[] = [];
  const add = (kind: string, path: string, detail: string) => findings.push({ kind, path, detail });

  const checkText = (s: string, path: string) => {
    if (known) {
      known.lastIndex = 0;
      for (const m of s.matchAll(known)) add(sv.values.get(m[0].toLowerCase()) ?? ('identifier' satisfies KnownKind), path, m[0]);
    }
    for (const [kind, re] of PATTERNS) {
      re.lastIndex = 0;
      for (const m of s.matchAll(re)) add(kind, path, m[0]);
    }
  };

  const visit = (node: unknown, key: string, path: string): void => {
    if (Array.isArray(node)) {
      node.forEach((x, i) => visit(x, key, `${path}[${i}]`));
      return;
    }
    if (typeof node === 'string') {
      if (!STRUCTURAL_KEYS.has(key) && key !== 'data') checkText(node, path);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;

    if (typeof o.data === 'string' && !('dimensions' in o)) {
      const ct = typeof o.contentType === 'string' ? o.contentType : '';
      if (TEXT_CONTENT_RE.test(ct)) checkText(Buffer.from(o.data, 'base64').toString('utf8'), `${path}.data`);
      else add('attachment', `${path}.data`, `non-text attachment (${ct || 'no contentType'})`);
    }
    if (typeof o.contentType === 'string' && typeof o.url === 'string') add('url', `${path}.url`, o.url);
    if (key === 'text' && 'div' in o) add('narrative', path, 'text.div narrative');
    if (key === 'name' && ('family' in o || 'given' in o)) add('name', path, 'HumanName element');
    if (key === 'address' || key === 'valueAddress' || key === 'locationAddress') {
      for (const k of ['line', 'city', 'district', 'text', 'extension']) if (k in o) add('geographic', `${path}.${k}`, JSON.stringify(o[k]));
      if (typeof o.postalCode === 'string' && !/^\d{3}$/.test(o.postalCode)) add('geographic', `${path}.postalCode`, o.postalCode);
    }
    if (key === 'extension' && o.url === GEO_EXTENSION) add('geographic', path, 'geolocation extension');
    for (const [k, v] of Object.entries(o)) {
      const kind = FORBIDDEN_KEYS[k];
      if (kind) add(kind, `${path}.${k}`, JSON.stringify(v).slice(0, 80));
      else visit(v, k, `${path}.${k}`);
    }
  };

  const originalIds = new Set(originals.map((r) => r.id).filter((x): x is string => !!x));
  for (const r of resources) {
    const where = `${r.resourceType}/${r.id ?? '?'}`;
    if (r.id && originalIds.has(r.id)) add('resource-id', where, `original id ${r.id}`);
    if (r.resourceType === 'Media' || r.resourceType === 'Binary') add('photo', where, `${r.resourceType} resource`);
    if (r.meta?.lastUpdated || r.meta?.versionId || r.meta?.source) add('meta', `${where}.meta`, 'lastUpdated/versionId/source present');
    if (r.resourceType === 'Patient' && isAgeOver89(r, now)) add('age', `${where}.birthDate`, `birth year ${r.birthDate} implies age over 89`);
    visit(r, '', where);
  }
  return findings;
}
