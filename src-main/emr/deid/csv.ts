/**
 * Flattens a de-identified package to CSV: one row per resource, for researchers' spreadsheets.
 * Columns: patient (pseudonym), resourceType, id (pseudonym), year, codeSystem, code, display,
 * value, unit, status. Only the primary code and value are flattened; the FHIR package stays the
 * authoritative form.
 */
import type * as fhir4 from 'fhir/r4';
import { stringify } from 'csv-stringify/sync';
import { patientOf } from '../fhir/bundle';

export const CSV_COLUMNS = ['patient', 'resourceType', 'id', 'year', 'codeSystem', 'code', 'display', 'value', 'unit', 'status'] as const;
export type CsvRow = Record<(typeof CSV_COLUMNS)[number], string>;

type Json = Record<string, unknown>;

/** Where each resource keeps its main code, in order of preference. */
const CODE_FIELDS = ['code', 'vaccineCode', 'medicationCodeableConcept', 'type', 'category', 'productOrService', 'class'];
/** Where each resource keeps its main date, in order of preference. */
const DATE_PATHS: string[][] = [
  ['effectiveDateTime'], ['effectivePeriod', 'start'], ['effectiveInstant'], ['onsetDateTime'], ['onsetPeriod', 'start'],
  ['performedDateTime'], ['performedPeriod', 'start'], ['occurrenceDateTime'], ['authoredOn'], ['recordedDate'],
  ['period', 'start'], ['billablePeriod', 'start'], ['created'], ['date'], ['birthDate'], ['deceasedDateTime'],
  ['context', 'period', 'start'], ['issued'],
];

function get(o: unknown, path: string[]): unknown {
  let cur = o;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Json)[k];
  }
  return cur;
}

function firstCoding(r: Json): { system: string; code: string; display: string } {
  for (const f of CODE_FIELDS) {
    let v = r[f];
    if (Array.isArray(v)) v = v[0];
    if (v === null || typeof v !== 'object') continue;
    const cc = v as fhir4.CodeableConcept & fhir4.Coding;
    const c = cc.coding?.[0] ?? (cc.code !== undefined ? cc : undefined);
    if (c || cc.text) return { system: c?.system ?? '', code: c?.code ?? '', display: c?.display ?? cc.text ?? '' };
  }
  return { system: '', code: '', display: '' };
}

function valueOf(r: Json): { value: string; unit: string } {
  const q = (r.valueQuantity ?? undefined) as fhir4.Quantity | undefined;
  if (q && q.value !== undefined) return { value: String(q.value), unit: q.unit ?? q.code ?? '' };
  const cc = r.valueCodeableConcept as fhir4.CodeableConcept | undefined;
  if (cc) return { value: cc.coding?.[0]?.display ?? cc.text ?? cc.coding?.[0]?.code ?? '', unit: '' };
  for (const k of ['valueString', 'valueBoolean', 'valueInteger', 'valueDateTime']) {
    if (r[k] !== undefined) return { value: String(r[k]), unit: '' };
  }
  // Claim.total is Money; ExplanationOfBenefit.total is a list of (category, amount).
  const total = r.total as fhir4.Money | fhir4.ExplanationOfBenefitTotal[] | undefined;
  if (Array.isArray(total)) {
    const t = total[0]?.amount;
    if (t?.value !== undefined) return { value: String(t.value), unit: t.currency ?? '' };
  } else if (total && typeof total === 'object' && total.value !== undefined) {
    return { value: String(total.value), unit: total.currency ?? '' };
  }
  if (r.resourceType === 'Patient' && typeof r.gender === 'string') return { value: r.gender, unit: '' };
  return { value: '', unit: '' };
}

function statusOf(r: Json): string {
  if (typeof r.status === 'string') return r.status;
  for (const k of ['clinicalStatus', 'verificationStatus']) {
    const cc = r[k] as fhir4.CodeableConcept | undefined;
    if (cc?.coding?.[0]?.code) return cc.coding[0].code;
  }
  if (typeof r.lifecycleStatus === 'string') return r.lifecycleStatus;
  return '';
}

function yearOf(r: Json): string {
  for (const p of DATE_PATHS) {
    const v = get(r, p);
    if (typeof v === 'string' && /^\d{4}/.test(v)) return v.slice(0, 4);
  }
  return '';
}

/** Neutralizes spreadsheet formulas (CSV injection) in text cells. */
function safeCell(s: string): string {
  return /^[=+@\t\r]/.test(s) || /^-(?![\d.])/.test(s) ? `'${s}` : s;
}

export function packageRows(resources: readonly fhir4.FhirResource[]): CsvRow[] {
  return resources.map((res) => {
    const r = res as unknown as Json;
    const c = firstCoding(r);
    const v = valueOf(r);
    const row: CsvRow = {
      patient: patientOf(res) ?? '',
      resourceType: res.resourceType,
      id: res.id ?? '',
      year: yearOf(r),
      codeSystem: c.system,
      code: c.code,
      display: c.display,
      value: v.value,
      unit: v.unit,
      status: statusOf(r),
    };
    for (const k of CSV_COLUMNS) row[k] = safeCell(row[k]);
    return row;
  });
}

/** CSV text with a header row and one row per resource (RFC 4180 quoting, "\n" line ends). */
export function packageToCsv(resources: readonly fhir4.FhirResource[]): string {
  return stringify(packageRows(resources), { header: true, columns: [...CSV_COLUMNS] });
}
