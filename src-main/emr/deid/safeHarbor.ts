/**
 * HIPAA Safe Harbor de-identification (45 CFR 164.514(b)(2)) of a set of FHIR R4 resources for one
 * outside entity and purpose.
 *
 * Which FHIR elements carry the 18 identifiers follows the element list of Microsoft's FHIR Tools
 * for Anonymization Safe Harbor configuration (used as a checklist; no code taken). Decisions where
 * Safe Harbor leaves room are listed in DEID_DECISIONS and copied into every report.
 *
 * The 18 identifiers and what happens to them here:
 *  (A) names .................. HumanName elements (Patient, contact, Practitioner, RelatedPerson...)
 *                                removed; mother's maiden name extension removed; display strings of
 *                                references to persons, organizations and locations removed;
 *                                Organization/Location names removed; known names scrubbed from text
 *  (B) geography .............. Address: line, city, district, text, geolocation removed; postalCode
 *                                -> ZIP3 ("000" for the HHS restricted prefixes); state and country
 *                                kept. Location.position removed.
 *  (C) dates .................. every date/dateTime value anywhere -> year; instant-typed elements
 *                                (issued, DocumentReference.date, Signature.when, valueInstant), which
 *                                cannot hold a year alone, removed; ages > 89: birthDate removed and
 *                                flagged "90 or older"
 *  (D-F) phone, fax, e-mail ... all `telecom` / ContactPoint removed; patterns scrubbed from text
 *  (G-M) SSN, MRN, plan, account, licence, vehicle, device numbers: every `identifier` removed;
 *                                Coverage subscriberId/class, Claim preAuthRef, Device UDI/serial/lot
 *                                removed; resource ids replaced by keyed pseudonyms
 *  (N-O) URLs, IPs ............ Attachment.url removed; patterns scrubbed from text
 *  (P-Q) biometrics, photos ... Patient/Practitioner.photo removed; Media and Binary resources dropped;
 *                                non-text attachments dropped
 *  (R) other unique numbers ... identifiers removed, references pseudonymized (conditional references,
 *                                which embed identifiers, too), ImagingStudy UIDs pseudonymized
 */
import type * as fhir4 from 'fhir/r4';
import { HCS_SYSTEMS } from '../labels';
import { parseReference } from '../fhir/bundle';
import { pseudonymizer } from './pseudonym';
import {
  FHIR_DATE_VALUE_RE,
  PERSON_TYPES,
  collectSensitive,
  emptyReplacementCounts,
  makeScrubber,
  referenceTargetType,
  type ReplacementCounts,
} from './sensitive';

type FhirResource = fhir4.FhirResource;
type Json = Record<string, unknown>;

/** The 18 Safe Harbor identifier kinds, 45 CFR 164.514(b)(2)(i)(A)-(R). */
export const SAFE_HARBOR_KINDS = [
  'names', 'geographic', 'dates', 'telephone', 'fax', 'email', 'ssn', 'mrn', 'healthPlan', 'account',
  'certificateLicense', 'vehicle', 'device', 'url', 'ip', 'biometric', 'photo', 'otherUnique',
] as const;
export type SafeHarborKind = (typeof SAFE_HARBOR_KINDS)[number];

export interface KindCount {
  /** elements or text spans deleted or replaced by a placeholder */
  removed: number;
  /** elements kept in a coarser form (date -> year, ZIP -> ZIP3, id -> pseudonym) */
  generalized: number;
}

export interface DeidReport {
  standard: 'HIPAA Safe Harbor, 45 CFR 164.514(b)(2)';
  entityId: string;
  purpose: string;
  resourcesIn: number;
  resourcesOut: number;
  /** resourceType -> number of resources left out of the package entirely */
  dropped: Record<string, number>;
  /** per Safe Harbor identifier kind, what was removed or generalized */
  identifiers: Record<SafeHarborKind, KindCount>;
  patients: { pseudonym: string; ageOver89: boolean }[];
  references: {
    /** literal references rewritten to Type/pseudonym */
    pseudonymized: number;
    /** conditional references (Type?identifier=...) rewritten to Type/pseudonym-of-the-query */
    conditionalPseudonymized: number;
    /** references that could not be pseudonymized (unresolved urn:uuid, other URIs) and were removed */
    unresolvedRemoved: number;
    /** display strings removed from references to persons, organizations, locations, devices */
    displaysRemoved: number;
  };
  freeText: {
    policy: string;
    narrativesRemoved: number;
    notesScrubbed: number;
    attachmentsScrubbed: number;
    attachmentsDropped: number;
    /** placeholders and generalizations applied inside free text, by kind */
    replacements: ReplacementCounts;
  };
  /** the documented choices this run applied */
  decisions: string[];
}

export interface DeidOptions {
  /** Provider secret for pseudonyms (32 bytes). Never leaves the provider node. */
  pseudonymKey: Uint8Array;
  /** The receiving entity's id: pseudonyms differ per entity. Must not contain "|". */
  entityId: string;
  /** Purpose of use (e.g. "HRESCH"); written to meta.tag of every output resource. */
  purpose: string;
  /** Reference time for the "over 89" rule. Default: now. */
  now?: Date;
  /**
   * Resources that are not shared but whose identifying values (e.g. the Patient's name when
   * demographics are not in the package) must still be scrubbed from free text.
   */
  context?: readonly FhirResource[];
}

export const DEID_SYSTEMS = {
  /** meta.tag system naming the purpose of use of the package. */
  purpose: 'https://trichain.invalid/fhir/CodeSystem/purpose-of-use',
  /** HL7 security "observation values" (PSEUDED = pseudonymized). */
  obligation: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue',
  ageGroupExtension: 'https://trichain.invalid/fhir/StructureDefinition/deid-age-group',
} as const;
export const AGE_90_OR_OLDER = '90 or older';

export const FREE_TEXT_POLICY =
  'Narratives (text.div) removed. Annotation (note) text, text/* attachments (base64 decoded, HTML tags stripped) ' +
  'and every other string element are scrubbed: names of the patient and of practitioners, address lines, cities, ' +
  'ZIP codes, phone numbers, e-mails, identifier values and resource ids known from the originals, and SSN, phone, ' +
  'e-mail, URL, IP and UUID patterns, are replaced by placeholders ([NAME], [PHONE], ...); full dates are cut to ' +
  'their year; ages over 89 become "90+". Non-text attachments (PDF, images, ...) are dropped. Codes are never altered.';

export const DEID_DECISIONS: readonly string[] = [
  'Patient.maritalStatus, gender, communication (language), race/ethnicity and birth sex are kept: not among the 18 identifiers.',
  'Patient.multipleBirthInteger (birth order) is generalized to multipleBirthBoolean = true; multipleBirthBoolean is kept.',
  'Patient.contact, Patient.photo and the mother\'s maiden name extension are removed; Patient.link references are pseudonymized.',
  'Age over 89 is decided from the birth year alone (reference year: year of death if deceased, else the run\'s year): birthDate removed, extension deid-age-group = "90 or older", Synthea life-year extensions (which sum to the age) removed.',
  'Addresses keep state, country and ZIP3 (postalCode "000" for ZIP3 prefixes with 20,000 or fewer people); non-numeric postal codes are removed.',
  'Organization and Location names, aliases, descriptions and contacts are removed (they locate the patient below state level).',
  'Instant-typed elements (Observation/DiagnosticReport.issued, DocumentReference.date, Signature.when, valueInstant) are removed because an R4 instant cannot hold a year alone.',
  'Provenance, AuditEvent, Media, Binary, Person and Linkage resources are left out of packages; the package\'s provenance is its cross-chain proof.',
  'meta.profile is removed: de-identified resources no longer meet profiles (e.g. US Core) that require identifiers or names.',
  'Display strings of references to persons, organizations, locations and devices are removed; other displays (e.g. "Glucose") are scrubbed and kept.',
  'Conditional references (Type?identifier=...) embed identifiers and are replaced by Type/pseudonym of the whole query string.',
  'Contained resources keep their local ids (#referral) and are de-identified with the same rules.',
  'Known values (names, cities, identifiers) are matched case-insensitively on word boundaries everywhere except codes and code systems, so a name or city that is also an ordinary word is redacted wherever it occurs: over-redaction by design.',
  'Display-only references (no reference) are kept, scrubbed, unless they sit in a person element (performer, author, requester, ...) or contained a known name: then they are removed as names. Payer displays such as "Aetna" stay.',
  'Identifier values shorter than 5 characters and resource ids shorter than 8 are not searched for in free text (too many false matches), but the elements themselves are always removed.',
];

/** ZIP3 prefixes with a population of 20,000 or fewer (HHS de-identification guidance, 2000 census). */
export const RESTRICTED_ZIP3 = new Set([
  '036', '059', '063', '102', '203', '556', '692', '790', '821', '823', '830', '831', '878', '879', '884', '890', '893',
]);

/** First three digits of a US ZIP code, or "000" for restricted prefixes; undefined if not a ZIP. */
export function generalizeZip(postalCode: string): string | undefined {
  const m = /^\s*(\d{3})\d{2}(?:[\s-]?\d{4})?\s*$/.exec(postalCode) ?? /^\s*(\d{3})\s*$/.exec(postalCode);
  if (!m) return undefined;
  return RESTRICTED_ZIP3.has(m[1]) ? '000' : m[1];
}

export const DROPPED_RESOURCE_TYPES: ReadonlySet<string> = new Set(['Provenance', 'AuditEvent', 'Media', 'Binary', 'Person', 'Linkage']);
/** Reference targets whose display is identifying (a name, an organization, a place, a device). */
const DISPLAY_DROP_TYPES = new Set([...PERSON_TYPES, 'Organization', 'Location', 'HealthcareService', 'CareTeam', 'Group', 'Device', 'Endpoint']);
/** Elements whose Reference points at a person: a display-only reference there is a person's name. */
const PERSON_REFERENCE_KEYS = new Set([
  'subject', 'patient', 'beneficiary', 'performer', 'author', 'authenticator', 'requester', 'recorder', 'asserter',
  'individual', 'who', 'practitioner', 'generalPractitioner', 'careManager', 'attester', 'party', 'enterer', 'sender',
  'receiver', 'informationSource', 'source', 'actor', 'member', 'provider', 'collector', 'verifiedWith', 'resultsInterpreter',
]);
/** Strings never scrubbed: structure, terminology and canonical URLs. */
const NO_SCRUB_KEYS = new Set(['system', 'url', 'profile', 'code', 'resourceType', 'id', 'contentType', 'language', 'div', 'reference', 'versionId']);
/** instant-typed elements: removed (cannot hold a year alone). */
const INSTANT_KEYS = new Set(['issued', 'lastUpdated', 'valueInstant', 'when', 'recorded']);
const ADDRESS_KEYS = new Set(['address', 'valueAddress', 'locationAddress']);
const EXTENSION_DROP_URLS: Record<string, SafeHarborKind> = {
  'http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName': 'names',
  'http://hl7.org/fhir/StructureDefinition/geolocation': 'geographic',
  'http://hl7.org/fhir/StructureDefinition/patient-birthTime': 'dates',
};
const LIFE_YEARS_URL_RE = /adjusted-life-years/;
const TEXT_CONTENT_RE = /^\s*(text\/[a-z0-9.+-]+|application\/(?:json|xml|fhir\+json|fhir\+xml))\s*(;|$)/i;
const DROP = Symbol('drop');

const IDENTIFIER_TYPE_KIND: Record<string, SafeHarborKind> = {
  SS: 'ssn', SSN: 'ssn',
  MR: 'mrn', MRT: 'mrn', PI: 'mrn',
  MB: 'healthPlan', MA: 'healthPlan', MC: 'healthPlan', SN: 'healthPlan', NIIP: 'healthPlan', NH: 'healthPlan', PN: 'healthPlan',
  AN: 'account', ACSN: 'account', BA: 'account', BC: 'account',
  DL: 'certificateLicense', PPN: 'certificateLicense', LN: 'certificateLicense', NPI: 'certificateLicense', MD: 'certificateLicense',
  DEA: 'certificateLicense', UPIN: 'certificateLicense', PRN: 'certificateLicense', TAX: 'certificateLicense', BCT: 'certificateLicense',
  SNO: 'device', UDI: 'device',
};

function identifierKind(idf: unknown): SafeHarborKind {
  if (idf === null || typeof idf !== 'object') return 'otherUnique';
  const i = idf as fhir4.Identifier;
  for (const c of i.type?.coding ?? []) {
    const k = c.code ? IDENTIFIER_TYPE_KIND[c.code] : undefined;
    if (k) return k;
  }
  const sys = i.system ?? '';
  if (/us-ssn/.test(sys)) return 'ssn';
  if (/us-npi/.test(sys)) return 'certificateLicense';
  if (/medicare|medicaid|mbi/i.test(sys)) return 'healthPlan';
  return 'otherUnique';
}

function telecomKind(cp: unknown): SafeHarborKind {
  const sys = cp !== null && typeof cp === 'object' ? (cp as fhir4.ContactPoint).system : undefined;
  if (sys === 'fax') return 'fax';
  if (sys === 'email') return 'email';
  if (sys === 'url') return 'url';
  if (sys === 'other') return 'otherUnique';
  return 'telephone';
}

const isHumanNameish = (v: unknown): boolean =>
  v !== null && typeof v === 'object' && !('coding' in v) && ('family' in v || 'given' in v || 'text' in v || 'prefix' in v);

function isAttachment(o: Json): boolean {
  if ('dimensions' in o || 'origin' in o) return false; // SampledData.data is a series of numbers
  return typeof o.data === 'string' || (typeof o.contentType === 'string' && ('url' in o || 'size' in o || 'hash' in o || 'title' in o));
}

/** A Reference: has a reference string, or is display-only without Coding fields. */
function isReference(o: Json): boolean {
  if (typeof o.reference === 'string') return true;
  if (typeof o.display !== 'string' || 'system' in o || 'code' in o || 'coding' in o) return false;
  return Object.keys(o).every((k) => k === 'display' || k === 'type' || k === 'identifier' || k === 'extension' || k === 'id');
}

function birthYearAge(birthDate: string | undefined, deceased: string | undefined, now: Date): number | undefined {
  if (!birthDate || !/^\d{4}/.test(birthDate)) return undefined;
  const refYear = deceased && /^\d{4}/.test(deceased) ? Number(deceased.slice(0, 4)) : now.getUTCFullYear();
  // Year-only age: the largest age the birth year allows. Conservative: 1935 in 2025 counts as 90.
  return refYear - Number(birthDate.slice(0, 4));
}

/** True if a Patient's birth year (and year of death or `now`) allows an age over 89. */
export function isAgeOver89(p: fhir4.Patient, now: Date = new Date()): boolean {
  const age = birthYearAge(p.birthDate, p.deceasedDateTime, now);
  return age !== undefined && age > 89;
}

function emptyKinds(): Record<SafeHarborKind, KindCount> {
  return Object.fromEntries(SAFE_HARBOR_KINDS.map((k) => [k, { removed: 0, generalized: 0 }])) as Record<SafeHarborKind, KindCount>;
}

interface Ctx {
  pseudo: (typeAndId: string) => string;
  scrub: (s: string) => string;
  report: DeidReport;
  removed: (k: SafeHarborKind, n?: number) => void;
  generalized: (k: SafeHarborKind, n?: number) => void;
}

/**
 * De-identifies resources for one entity and purpose. Input resources are not modified.
 * References must be `Type/id` (run parseBundle first); unresolved `urn:uuid:` references are removed.
 */
export function deidentify(resources: readonly FhirResource[], opts: DeidOptions): { resources: FhirResource[]; report: DeidReport } {
  const { pseudonymKey, entityId } = opts;
  const purpose = typeof opts.purpose === 'string' ? opts.purpose.trim().replace(/\s+/g, ' ') : '';
  if (!purpose) throw new Error('deidentify: purpose must be a non-empty string');
  const now = opts.now ?? new Date();
  const pseudo = pseudonymizer(pseudonymKey, entityId); // validates key and entity id

  const identifiers = emptyKinds();
  const report: DeidReport = {
    standard: 'HIPAA Safe Harbor, 45 CFR 164.514(b)(2)',
    entityId,
    purpose,
    resourcesIn: resources.length,
    resourcesOut: 0,
    dropped: {},
    identifiers,
    patients: [],
    references: { pseudonymized: 0, conditionalPseudonymized: 0, unresolvedRemoved: 0, displaysRemoved: 0 },
    freeText: {
      policy: FREE_TEXT_POLICY,
      narrativesRemoved: 0,
      notesScrubbed: 0,
      attachmentsScrubbed: 0,
      attachmentsDropped: 0,
      replacements: emptyReplacementCounts(),
    },
    decisions: [...DEID_DECISIONS],
  };
  const sensitive = collectSensitive([...resources, ...(opts.context ?? [])]);
  const scrubber = makeScrubber(sensitive);
  const ctx: Ctx = {
    pseudo,
    scrub: (s) => scrubber(s, report.freeText.replacements),
    report,
    removed: (k, n = 1) => void (identifiers[k].removed += n),
    generalized: (k, n = 1) => void (identifiers[k].generalized += n),
  };

  const out: FhirResource[] = [];
  for (const r of resources) {
    if (DROPPED_RESOURCE_TYPES.has(r.resourceType)) {
      report.dropped[r.resourceType] = (report.dropped[r.resourceType] ?? 0) + 1;
      if (r.resourceType === 'Media') ctx.removed('photo');
      continue;
    }
    out.push(deidResource(r, ctx, now));
  }
  report.resourcesOut = out.length;

  // Free-text replacements count towards the identifier kinds too, so the UI has one table.
  const rep = report.freeText.replacements;
  ctx.removed('names', rep.name);
  ctx.removed('geographic', rep.address);
  ctx.removed('telephone', rep.phone);
  ctx.removed('email', rep.email);
  ctx.removed('ssn', rep.ssn);
  ctx.removed('otherUnique', rep.identifier);
  ctx.generalized('dates', rep.date + rep.age);
  ctx.removed('url', rep.url);
  ctx.removed('ip', rep.ip);
  return { resources: out, report };
}

function deidResource(r: FhirResource, ctx: Ctx, now: Date): FhirResource {
  if (!r.id) throw new Error(`deidentify: ${r.resourceType} without id`);
  const body = deidBody(r as unknown as Json, ctx, now);
  const newId = ctx.pseudo(`${r.resourceType}/${r.id}`);
  ctx.generalized('otherUnique'); // the resource id itself
  if (r.resourceType === 'Patient') {
    const over89 = (body.extension as Json[] | undefined)?.some((e) => e.url === DEID_SYSTEMS.ageGroupExtension) ?? false;
    ctx.report.patients.push({ pseudonym: newId, ageOver89: over89 });
  }
  const oldSecurity = ((r.meta?.security ?? []) as fhir4.Coding[]).filter(
    (c) => c.system !== HCS_SYSTEMS.confidentiality && !(c.system === DEID_SYSTEMS.obligation && c.code === 'PSEUDED'),
  );
  const meta: fhir4.Meta = {
    security: [
      ...oldSecurity.map((c) => ({ ...(c.system ? { system: c.system } : {}), ...(c.code ? { code: c.code } : {}), ...(c.display ? { display: c.display } : {}) })),
      { system: HCS_SYSTEMS.confidentiality, code: 'L', display: 'low' },
      { system: DEID_SYSTEMS.obligation, code: 'PSEUDED', display: 'pseudonymized' },
    ],
    tag: [{ system: DEID_SYSTEMS.purpose, code: ctx.report.purpose }],
  };
  const { resourceType: _rt, id: _id, meta: _m, ...rest } = body;
  return { resourceType: r.resourceType, id: newId, meta, ...rest } as unknown as FhirResource;
}

/** Resource-type rules, then the generic element walk. Used for top-level and contained resources. */
function deidBody(src: Json, ctx: Ctx, now: Date): Json {
  const r: Json = { ...src };
  const type = r.resourceType as string;
  delete r.meta; // rebuilt by the caller (top level); contained resources carry none
  if ('implicitRules' in r) delete r.implicitRules;

  switch (type) {
    case 'Patient': {
      if (r.contact) {
        ctx.removed('names', (r.contact as unknown[]).length);
        delete r.contact;
      }
      const ageOver89 = birthYearAge(r.birthDate as string | undefined, r.deceasedDateTime as string | undefined, now);
      if (ageOver89 !== undefined && ageOver89 > 89) {
        delete r.birthDate;
        ctx.removed('dates');
        const ext = ((r.extension as Json[] | undefined) ?? []).filter((e) => {
          const drop = typeof e.url === 'string' && LIFE_YEARS_URL_RE.test(e.url);
          if (drop) ctx.removed('dates');
          return !drop;
        });
        ext.push({ url: DEID_SYSTEMS.ageGroupExtension, valueString: AGE_90_OR_OLDER });
        r.extension = ext;
      }
      if (typeof r.multipleBirthInteger === 'number') {
        delete r.multipleBirthInteger;
        r.multipleBirthBoolean = true;
        ctx.generalized('otherUnique');
      }
      break;
    }
    case 'Organization':
    case 'Location':
    case 'HealthcareService':
      for (const k of ['name', 'alias', 'description', 'contact', 'position']) {
        if (k in r) {
          ctx.removed(k === 'position' || type === 'Location' ? 'geographic' : 'names');
          delete r[k];
        }
      }
      break;
    case 'Device':
      for (const k of ['udiCarrier', 'serialNumber', 'distinctIdentifier', 'lotNumber']) {
        if (k in r) {
          ctx.removed('device');
          delete r[k];
        }
      }
      break;
    case 'Coverage':
      for (const k of ['subscriberId', 'class', 'dependent']) {
        if (k in r) {
          ctx.removed('healthPlan');
          delete r[k];
        }
      }
      break;
    case 'Claim':
    case 'ExplanationOfBenefit':
      if ('preAuthRef' in r) {
        ctx.removed('otherUnique');
        delete r.preAuthRef;
      }
      if (Array.isArray(r.insurance)) {
        r.insurance = (r.insurance as Json[]).map((i) => {
          const { preAuthRef, businessArrangement, ...keep } = i;
          if (preAuthRef !== undefined) ctx.removed('otherUnique');
          if (businessArrangement !== undefined) ctx.removed('account');
          return keep;
        });
      }
      break;
    case 'DocumentReference':
      if ('date' in r) {
        ctx.removed('dates');
        delete r.date;
      }
      break;
    case 'ImagingStudy':
      // DICOM UIDs are unique identifiers; replace them with pseudonymous UUID-derived OIDs (2.25.x).
      r.series = pseudonymizeUids(r.series, ctx);
      break;
  }

  const outObj: Json = {};
  for (const [k, v] of Object.entries(r)) {
    if (k === 'resourceType' || k === 'id') {
      outObj[k] = v;
      continue;
    }
    if (k === 'contained' && Array.isArray(v)) {
      outObj[k] = v.map((c) => deidBody(c as Json, ctx, now));
      continue;
    }
    const nv = deidNode(v, k, ctx);
    if (nv !== DROP) outObj[k] = nv;
  }
  return outObj;
}

function pseudonymizeUids(series: unknown, ctx: Ctx): unknown {
  const oid = (uid: string) => `2.25.${BigInt('0x' + ctx.pseudo(`uid|${uid}`)).toString()}`;
  const walk = (n: unknown): unknown => {
    if (Array.isArray(n)) return n.map(walk);
    if (n === null || typeof n !== 'object') return n;
    const o: Json = {};
    for (const [k, v] of Object.entries(n as Json)) {
      if (k === 'uid' && typeof v === 'string') {
        o[k] = oid(v);
        ctx.generalized('otherUnique');
      } else o[k] = walk(v);
    }
    return o;
  };
  return walk(series);
}

/** The generic element walk: returns the de-identified value or DROP. */
function deidNode(v: unknown, key: string, ctx: Ctx): unknown {
  if (typeof v === 'string') return deidString(v, key, ctx);
  if (v === null || typeof v !== 'object') return v;

  // --- element-name rules -----------------------------------------------------------------
  switch (key) {
    case 'identifier':
    case 'masterIdentifier':
    case 'valueIdentifier':
      for (const i of Array.isArray(v) ? v : [v]) ctx.removed(identifierKind(i));
      return DROP;
    case 'telecom':
    case 'valueContactPoint':
      for (const c of Array.isArray(v) ? v : [v]) ctx.removed(telecomKind(c));
      return DROP;
    case 'photo':
      ctx.removed('photo', Array.isArray(v) ? v.length : 1);
      return DROP;
    case 'valueHumanName':
      ctx.removed('names');
      return DROP;
    case 'name':
      if (Array.isArray(v) ? v.some(isHumanNameish) : isHumanNameish(v)) {
        ctx.removed('names', Array.isArray(v) ? v.length : 1);
        return DROP;
      }
      break;
    case 'text':
      if (!Array.isArray(v) && 'div' in (v as Json)) {
        ctx.report.freeText.narrativesRemoved++;
        return DROP;
      }
      break;
  }
  if (ADDRESS_KEYS.has(key)) {
    if (Array.isArray(v)) return dropEmpty(v.map((a) => generalizeAddress(a, ctx)));
    return generalizeAddress(v, ctx);
  }

  if (Array.isArray(v)) {
    let out = v.map((x) => deidNode(x, key, ctx));
    if (key === 'note') ctx.report.freeText.notesScrubbed += v.length;
    out = out.filter((x) => x !== DROP);
    return out.length ? out : DROP;
  }

  const o = v as Json;
  if ((key === 'extension' || key === 'modifierExtension') && typeof o.url === 'string') {
    const k = EXTENSION_DROP_URLS[o.url];
    if (k) {
      ctx.removed(k);
      return DROP;
    }
  }
  if (isAttachment(o)) return deidAttachment(o, ctx);
  if (isReference(o)) return deidReference(o, key, ctx);

  const out: Json = {};
  for (const [k, child] of Object.entries(o)) {
    if (k === 'authorString') {
      ctx.removed('names');
      continue;
    }
    const nv = deidNode(child, k, ctx);
    if (nv !== DROP) out[k] = nv;
  }
  // An extension whose value was removed is invalid (ext-1): drop it.
  if ((key === 'extension' || key === 'modifierExtension') && !Object.keys(out).some((k) => k.startsWith('value') || k === 'extension')) return DROP;
  return Object.keys(out).length ? out : DROP;
}

function dropEmpty(xs: unknown[]): unknown {
  const out = xs.filter((x) => x !== DROP);
  return out.length ? out : DROP;
}

function deidString(s: string, key: string, ctx: Ctx): unknown {
  if (NO_SCRUB_KEYS.has(key)) return s;
  if (FHIR_DATE_VALUE_RE.test(s)) {
    if (INSTANT_KEYS.has(key)) {
      ctx.removed('dates');
      return DROP;
    }
    ctx.generalized('dates');
    return s.slice(0, 4);
  }
  return ctx.scrub(s);
}

function generalizeAddress(a: unknown, ctx: Ctx): unknown {
  if (a === null || typeof a !== 'object' || Array.isArray(a)) return DROP;
  const src = a as Json;
  const out: Json = {};
  for (const [k, v] of Object.entries(src)) {
    switch (k) {
      case 'use':
      case 'type':
        out[k] = v;
        break;
      case 'state':
      case 'country':
        if (typeof v === 'string') out[k] = ctx.scrub(v);
        break;
      case 'postalCode': {
        const z = typeof v === 'string' ? generalizeZip(v) : undefined;
        if (z !== undefined) {
          out.postalCode = z;
          ctx.generalized('geographic');
        } else ctx.removed('geographic');
        break;
      }
      case 'line':
        ctx.removed('geographic', Array.isArray(v) ? v.length : 1);
        break;
      default: // city, district, text, period, extension (geolocation), id
        ctx.removed(k === 'period' ? 'dates' : 'geographic');
    }
  }
  return Object.keys(out).some((k) => k !== 'use' && k !== 'type') ? out : DROP;
}

function deidReference(o: Json, key: string, ctx: Ctx): unknown {
  const out: Json = {};
  let target: string | undefined;
  if (typeof o.reference === 'string') {
    const ref = o.reference;
    if (ref.startsWith('#')) {
      out.reference = ref; // contained resource: local id
    } else {
      const p = parseReference(ref);
      target = referenceTargetType(ref);
      if (p) {
        out.reference = `${p.type}/${ctx.pseudo(`${p.type}/${p.id}`)}`;
        ctx.report.references.pseudonymized++;
      } else if (target) {
        // Conditional reference: pseudonymize the whole query (it embeds an identifier).
        out.reference = `${target}/${ctx.pseudo(ref)}`;
        ctx.report.references.conditionalPseudonymized++;
        ctx.removed('otherUnique');
      } else {
        ctx.report.references.unresolvedRemoved++;
      }
    }
  }
  if (typeof o.type === 'string') out.type = o.type;
  if (o.identifier !== undefined) ctx.removed(identifierKind(o.identifier));
  if (typeof o.display === 'string') {
    const t = target ?? (typeof o.type === 'string' ? o.type : undefined);
    const clean = t && DISPLAY_DROP_TYPES.has(t) ? undefined : ctx.scrub(o.display);
    // Display-only references in person elements, and displays that contained a known name, are
    // names: removed. Others (payer names such as "Aetna", "Glucose" on a result) are kept, scrubbed.
    if (clean === undefined || (!t && PERSON_REFERENCE_KEYS.has(key)) || clean.includes('[NAME]')) {
      ctx.report.references.displaysRemoved++;
      ctx.removed(!t || PERSON_TYPES.has(t) || t === 'Organization' ? 'names' : t === 'Location' ? 'geographic' : 'otherUnique');
    } else {
      out.display = clean;
    }
  }
  if (o.extension !== undefined) {
    const e = deidNode(o.extension, 'extension', ctx);
    if (e !== DROP) out.extension = e;
  }
  return out.reference !== undefined || out.display !== undefined ? out : DROP;
}

function deidAttachment(o: Json, ctx: Ctx): unknown {
  const out: Json = {};
  const ct = typeof o.contentType === 'string' ? o.contentType : undefined;
  for (const [k, v] of Object.entries(o)) {
    switch (k) {
      case 'contentType':
      case 'language':
        out[k] = v;
        break;
      case 'url':
        ctx.removed('url');
        break;
      case 'hash': // hash of the original content links back to it
      case 'size':
        break;
      case 'data': {
        if (typeof v !== 'string') break;
        if (ct && TEXT_CONTENT_RE.test(ct)) {
          let text = Buffer.from(v, 'base64').toString('utf8');
          if (/html|xml/i.test(ct)) {
            text = text.replace(/<[^>]*>/g, ' ');
            out.contentType = 'text/plain; charset=utf-8';
          }
          const clean = ctx.scrub(text);
          const bytes = Buffer.from(clean, 'utf8');
          out.data = bytes.toString('base64');
          out.size = bytes.length;
          ctx.report.freeText.attachmentsScrubbed++;
        } else {
          ctx.report.freeText.attachmentsDropped++;
          if (ct && /^image\//i.test(ct)) ctx.removed('photo');
        }
        break;
      }
      default: {
        const nv = deidNode(v, k, ctx); // title (scrubbed), creation (-> year), extension
        if (nv !== DROP) out[k] = nv;
      }
    }
  }
  return 'data' in out || 'title' in out ? out : DROP;
}
