/**
 * HIPAA Safe Harbor de-identification (45 CFR 164.514(b)(2)) of a set of FHIR R4 resources for one
 * outside entity and purpose: the resource-level steps (this file), the policy every report states
 * (./policy.ts), and the element-level rules of the walk over each resource (./elements.ts).
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
import { pseudonymizer } from './pseudonym';
import { collectSensitive, emptyReplacementCounts, makeScrubber } from './sensitive';
import { AGE_90_OR_OLDER, DEID_DECISIONS, DEID_SYSTEMS, DROPPED_RESOURCE_TYPES, FREE_TEXT_POLICY, SAFE_HARBOR_KINDS, type DeidOptions, type DeidReport, type KindCount, type SafeHarborKind } from './policy';
import { DROP, LIFE_YEARS_URL_RE, deidNode, pseudonymizeUids, type Ctx } from './elements';

type Json = Record<string, unknown>;

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

/**
 * De-identifies resources for one entity and purpose. Input resources are not modified.
 * References must be `Type/id` (run parseBundle first); unresolved `urn:uuid:` references are removed.
 */
export function deidentify(resources: readonly fhir4.FhirResource[], opts: DeidOptions): { resources: fhir4.FhirResource[]; report: DeidReport } {
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

  const out: fhir4.FhirResource[] = [];
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

function deidResource(r: fhir4.FhirResource, ctx: Ctx, now: Date): fhir4.FhirResource {
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
  return { resourceType: r.resourceType, id: newId, meta, ...rest } as unknown as fhir4.FhirResource;
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

