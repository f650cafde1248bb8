/**
 * FHIR R4 Bundle import/export: validate a Bundle's shape (zod), resolve `urn:uuid:` references to
 * `Type/id`, group resources by patient, and export a collection/transaction Bundle again.
 *
 * Validation is deliberately shallow (Bundle, entries, each resource's resourceType and id): the
 * resources themselves are typed as fhir4 resources but not validated element by element, which
 * keeps a 700 KB Synthea bundle well under 100 ms.
 */
import type * as fhir4 from 'fhir/r4';
import { z } from 'zod';

export const BUNDLE_TYPES_ACCEPTED = ['transaction', 'batch', 'collection', 'searchset'] as const;
export type AcceptedBundleType = (typeof BUNDLE_TYPES_ACCEPTED)[number];

/** FHIR id: 1-64 of [A-Za-z0-9-.] (R4 datatype "id"). */
const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;
const RESOURCE_TYPE_RE = /^[A-Z][A-Za-z]{1,63}$/;

const ResourceShape = z.looseObject({
  resourceType: z.string().regex(RESOURCE_TYPE_RE, 'resourceType must be a FHIR resource type name'),
  id: z.string().regex(ID_RE, 'id must be a FHIR id (1-64 chars of A-Z a-z 0-9 - .)'),
});

const EntryShape = z.looseObject({
  fullUrl: z.string().min(1).optional(),
  resource: ResourceShape,
});

const BundleShape = z.looseObject({
  resourceType: z.literal('Bundle'),
  type: z.enum(BUNDLE_TYPES_ACCEPTED),
  entry: z.array(EntryShape).optional(),
});

export interface ParsedBundle {
  resources: fhir4.FhirResource[];
  /** ids of the Patient resources in the bundle, in bundle order. */
  patientIds: string[];
}

/**
 * Validates a FHIR R4 Bundle (transaction, batch, collection or searchset) and returns its
 * resources with every `urn:uuid:` (or other fullUrl) reference rewritten to `Type/id`.
 * Conditional references (`Organization?identifier=...`) and references to resources outside the
 * bundle are left as they are. Accepts the parsed JSON value or a JSON string. The input is never
 * mutated. Throws an Error whose message starts with "parseBundle:" on anything else.
 */
export function parseBundle(json: unknown): ParsedBundle {
  let value = json;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (e) {
      throw new Error(`parseBundle: not valid JSON (${(e as Error).message})`);
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error('parseBundle: expected a JSON object with resourceType "Bundle"');
  }
  const rt = (value as { resourceType?: unknown }).resourceType;
  if (rt !== 'Bundle') {
    throw new Error(`parseBundle: expected resourceType "Bundle", got ${JSON.stringify(rt)}`);
  }
  const parsed = BundleShape.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.length ? i.path.join('.') : '(bundle)'}: ${i.message}`)
      .join('; ');
    const more = parsed.error.issues.length > 5 ? ` (+${parsed.error.issues.length - 5} more)` : '';
    throw new Error(`parseBundle: invalid FHIR Bundle: ${issues}${more}`);
  }
  const entries = parsed.data.entry ?? [];

  // fullUrl -> Type/id, and duplicate detection.
  const byFullUrl = new Map<string, string>();
  const seenKeys = new Set<string>();
  entries.forEach((e, i) => {
    const key = `${e.resource.resourceType}/${e.resource.id}`;
    if (seenKeys.has(key)) throw new Error(`parseBundle: entry.${i}: duplicate resource ${key}`);
    seenKeys.add(key);
    if (e.fullUrl !== undefined) {
      if (byFullUrl.has(e.fullUrl)) throw new Error(`parseBundle: entry.${i}: duplicate fullUrl ${e.fullUrl}`);
      byFullUrl.set(e.fullUrl, key);
    }
  });

  const resources: fhir4.FhirResource[] = [];
  const patientIds: string[] = [];
  for (const e of entries) {
    // The original (un-copied) resource object from the input; the rewrite deep-copies it.
    const r = rewriteReferences(e.resource, byFullUrl) as fhir4.FhirResource;
    resources.push(r);
    if (r.resourceType === 'Patient') patientIds.push(r.id as string);
  }
  return { resources, patientIds };
}

/** Deep copy of a JSON tree in which every `reference` string found in `map` is replaced. */
function rewriteReferences(node: unknown, map: Map<string, string>): unknown {
  if (Array.isArray(node)) return node.map((x) => rewriteReferences(x, map));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === 'reference' && typeof v === 'string') out[k] = map.get(v) ?? v;
    else out[k] = rewriteReferences(v, map);
  }
  return out;
}

/** "Type/id" of a resource. Throws if the resource has no id. */
export function resourceKey(r: { resourceType: string; id?: string }): string {
  if (!r.id) throw new Error(`resourceKey: ${r.resourceType} has no id`);
  return `${r.resourceType}/${r.id}`;
}

/**
 * Every `reference` string anywhere in the resource tree (including contained resources and
 * extensions), in document order, without duplicates.
 */
export function referencesOf(resource: unknown): string[] {
  const out = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const x of node) visit(x);
    } else if (node !== null && typeof node === 'object') {
      for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
        if (k === 'reference' && typeof v === 'string') out.add(v);
        else if (typeof v === 'object') visit(v);
      }
    }
  };
  visit(resource);
  return [...out];
}

/**
 * Splits a literal reference into type and id: `Type/id`, `Type/id/_history/v`, or an absolute
 * URL ending in `Type/id`. Returns undefined for conditional (`Type?...`), contained (`#x`),
 * `urn:` and other references.
 */
export function parseReference(ref: string): { type: string; id: string } | undefined {
  const m = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(ref);
  if (!m || ref.includes('?')) return undefined;
  return { type: m[1], id: m[2] };
}

function patientRefId(ref: unknown): string | undefined {
  if (ref === null || typeof ref !== 'object') return undefined;
  const s = (ref as { reference?: unknown }).reference;
  if (typeof s !== 'string') return undefined;
  const p = parseReference(s);
  return p && p.type === 'Patient' ? p.id : undefined;
}

/**
 * The id of the Patient a resource belongs to: the Patient itself, else its `subject`, `patient`
 * or `beneficiary` reference (Claim and ExplanationOfBenefit use `patient`, Coverage
 * `beneficiary`), else (Provenance) the first Patient among its targets. Undefined if none, e.g.
 * for Organization and Practitioner.
 */
export function patientOf(r: fhir4.FhirResource): string | undefined {
  if (r.resourceType === 'Patient') return r.id;
  const rec = r as unknown as Record<string, unknown>;
  for (const field of ['subject', 'patient', 'beneficiary']) {
    const id = patientRefId(rec[field]);
    if (id) return id;
  }
  if (r.resourceType === 'Provenance') {
    for (const t of r.target ?? []) {
      const id = patientRefId(t);
      if (id) return id;
    }
  }
  return undefined;
}

export interface PatientGroups {
  /** patient id -> that patient's resources (the Patient resource included), in input order. */
  byPatient: Map<string, fhir4.FhirResource[]>;
  /** Resources that belong to no patient (Organization, Practitioner, ...). */
  shared: fhir4.FhirResource[];
}

/** Groups resources by the Patient they belong to (see patientOf). */
export function groupByPatient(resources: readonly fhir4.FhirResource[]): PatientGroups {
  const byPatient = new Map<string, fhir4.FhirResource[]>();
  const shared: fhir4.FhirResource[] = [];
  for (const r of resources) {
    const pid = patientOf(r);
    if (pid === undefined) {
      shared.push(r);
      continue;
    }
    let list = byPatient.get(pid);
    if (!list) byPatient.set(pid, (list = []));
    list.push(r);
  }
  return { byPatient, shared };
}

export interface ToBundleOptions {
  /**
   * RESTful base for entry fullUrls (`${base}/Type/id`), so that the resources' relative `Type/id`
   * references resolve inside the bundle (R4 Bundle reference resolution rules).
   */
  base?: string;
}

export const DEFAULT_FULLURL_BASE = 'https://trichain.invalid/fhir';

/**
 * Exports resources as an R4 Bundle with a fullUrl per entry. Transaction and batch bundles get a
 * `PUT Type/id` request per entry (ids are kept); searchset entries get `search.mode = match`.
 * Resources are included as they are (not copied).
 */
export function toBundle(
  resources: readonly fhir4.FhirResource[],
  type: AcceptedBundleType = 'collection',
  opts: ToBundleOptions = {},
): fhir4.Bundle {
  const base = (opts.base ?? DEFAULT_FULLURL_BASE).replace(/\/+$/, '');
  const entry: fhir4.BundleEntry[] = resources.map((r) => {
    const key = resourceKey(r);
    const e: fhir4.BundleEntry = { fullUrl: `${base}/${key}`, resource: r };
    if (type === 'transaction' || type === 'batch') e.request = { method: 'PUT', url: key };
    if (type === 'searchset') e.search = { mode: 'match' };
    return e;
  });
  const bundle: fhir4.Bundle = { resourceType: 'Bundle', type, entry };
  if (type === 'searchset') bundle.total = entry.length;
  return bundle;
}
