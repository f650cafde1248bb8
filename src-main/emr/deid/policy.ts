/**
 * The Safe Harbor policy this package follows, as every report states it: the 18 identifier kinds,
 * the report's shape, the options, the codes written into de-identified resources, the decisions
 * where Safe Harbor leaves room, ZIP3 generalization and the resource types never released.
 */
import type * as fhir4 from 'fhir/r4';
import type { ReplacementCounts } from './sensitive';

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
  context?: readonly fhir4.FhirResource[];
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
