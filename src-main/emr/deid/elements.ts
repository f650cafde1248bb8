/**
 * The element-level rules of Safe Harbor de-identification (./safeHarbor.ts runs them): the
 * generic walk over a resource's elements, and what it does to identifiers, telecoms, names,
 * addresses, references, attachments, instants, extensions and free text.
 */
import { parseReference } from '../fhir/bundle';
import { DEID_SYSTEMS, generalizeZip, type DeidReport, type SafeHarborKind } from './policy';
import { FHIR_DATE_VALUE_RE, PERSON_TYPES, referenceTargetType } from './sensitive';

type Json = Record<string, unknown>;

/** What the walk needs: pseudonyms, the free-text scrubber, and the report it counts into. */
export interface Ctx {
  pseudo: (typeAndId: string) => string;
  scrub: (s: string) => string;
  report: DeidReport;
  removed: (k: SafeHarborKind, n?: number) => void;
  generalized: (k: SafeHarborKind, n?: number) => void;
}

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
export const LIFE_YEARS_URL_RE = /adjusted-life-years/;
const TEXT_CONTENT_RE = /^\s*(text\/[a-z0-9.+-]+|application\/(?:json|xml|fhir\+json|fhir\+xml))\s*(;|$)/i;
export const DROP = Symbol('drop');

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
export function pseudonymizeUids(series: unknown, ctx: Ctx): unknown {
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
export function deidNode(v: unknown, key: string, ctx: Ctx): unknown {
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

