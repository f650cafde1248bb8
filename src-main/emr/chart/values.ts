/**
 * An observation's values as a clinician reads them: numbers rounded to what was measured, UCUM
 * units in their printed form ("mm[Hg]" → "mmHg"), the reference range from the record or, where
 * the record has none (Synthea's bundles never carry one), a typical adult range for the LOINC
 * code, and a flag when the value lies outside it.
 */
import type { ClinicalValue, ReferenceRange } from '../../../src-shared/api/chart';
import { codeOf, conceptText, type Json } from './fhir-read';

/** UCUM codes → how they are printed. Codes not listed are printed as they are. */
const UNIT_WORDS: Record<string, string> = {
  'mm[Hg]': 'mmHg', Cel: '°C', '[degF]': '°F', 'kg/m2': 'kg/m²', '/min': '/min', '{score}': '', '10*3/uL': '×10³/µL', '10*6/uL': '×10⁶/µL',
  'mL/min/{1.73_m2}': 'mL/min/1.73 m²', '{beats}/min': '/min', '{breaths}/min': '/min', '[lb_av]': 'lb', '[in_i]': 'in', 'ug/dL': 'µg/dL',
};
export const unitWords = (u: string | undefined): string | undefined => (u === undefined ? undefined : (UNIT_WORDS[u] ?? u) || undefined);

/** Units measured in whole numbers (blood pressure, rates). */
const WHOLE_UNITS = new Set(['mm[Hg]', 'mmHg', '/min', '{beats}/min', '{breaths}/min']);

/** Rounded to what a person reads: 122.308 → 122, 78.765 → 78.8, 5.437 → 5.44; mmHg and rates whole. */
export function roundValue(v: number, ucum?: string): number {
  const a = Math.abs(v);
  const digits = ucum && WHOLE_UNITS.has(ucum) ? 0 : a >= 100 ? 0 : a >= 10 ? 1 : 2;
  return Number(v.toFixed(digits));
}

/**
 * Typical adult reference ranges by LOINC code, used only where the record carries none; the unit
 * is the UCUM code a value must have for the range to apply (no conversion is attempted).
 * Sources: vital signs and BMI as in the AHA/CDC adult definitions; labs as in MedlinePlus's
 * "normal range" pages (U.S. National Library of Medicine). Labs differ: the record's range wins.
 */
const TYPICAL: Record<string, { low?: number; high?: number; unit: string }> = {
  '8480-6': { low: 90, high: 120, unit: 'mm[Hg]' }, // systolic blood pressure
  '8462-4': { low: 60, high: 80, unit: 'mm[Hg]' }, // diastolic blood pressure
  '8867-4': { low: 60, high: 100, unit: '/min' }, // heart rate
  '9279-1': { low: 12, high: 20, unit: '/min' }, // respiratory rate
  '8310-5': { low: 36.1, high: 37.2, unit: 'Cel' }, // body temperature
  '8331-1': { low: 36.1, high: 37.2, unit: 'Cel' }, // oral temperature
  '39156-5': { low: 18.5, high: 24.9, unit: 'kg/m2' }, // body mass index
  '59408-5': { low: 95, high: 100, unit: '%' }, // oxygen saturation (pulse oximetry)
  '2708-6': { low: 95, high: 100, unit: '%' }, // oxygen saturation (arterial)
  '2339-0': { low: 70, high: 99, unit: 'mg/dL' }, // glucose (fasting)
  '4548-4': { low: 4, high: 5.6, unit: '%' }, // hemoglobin A1c
  '2093-3': { high: 199, unit: 'mg/dL' }, // total cholesterol
  '2571-8': { high: 149, unit: 'mg/dL' }, // triglycerides
  '18262-6': { high: 99, unit: 'mg/dL' }, // LDL cholesterol
  '2085-9': { low: 40, unit: 'mg/dL' }, // HDL cholesterol
  '38483-4': { low: 0.6, high: 1.3, unit: 'mg/dL' }, // creatinine
  '6299-2': { low: 6, high: 20, unit: 'mg/dL' }, // urea nitrogen
  '49765-1': { low: 8.5, high: 10.2, unit: 'mg/dL' }, // calcium
  '2947-0': { low: 135, high: 145, unit: 'mmol/L' }, // sodium
  '6298-4': { low: 3.7, high: 5.2, unit: 'mmol/L' }, // potassium
  '2069-3': { low: 96, high: 106, unit: 'mmol/L' }, // chloride
  '20565-8': { low: 23, high: 29, unit: 'mmol/L' }, // carbon dioxide
  '6690-2': { low: 4.5, high: 11, unit: '10*3/uL' }, // leukocytes
  '789-8': { low: 4.2, high: 5.9, unit: '10*6/uL' }, // erythrocytes
  '718-7': { low: 12, high: 17.5, unit: 'g/dL' }, // hemoglobin
  '4544-3': { low: 36, high: 50, unit: '%' }, // hematocrit
  '787-2': { low: 80, high: 100, unit: 'fL' }, // MCV
  '785-6': { low: 27, high: 33, unit: 'pg' }, // MCH
  '786-4': { low: 32, high: 36, unit: 'g/dL' }, // MCHC
  '777-3': { low: 150, high: 450, unit: '10*3/uL' }, // platelets
  '33914-3': { low: 60, unit: 'mL/min/{1.73_m2}' }, // eGFR
};

const rangeText = (low: number | undefined, high: number | undefined, unit: string | undefined): string => {
  const u = unit ? ` ${unit}` : '';
  if (low !== undefined && high !== undefined) return `${low}–${high}${u}`;
  if (high !== undefined) return `≤ ${high}${u}`;
  return `≥ ${low}${u}`;
};

/** The record's own reference range (its first with a low or a high), else a typical one for the code and unit. */
export function referenceRange(obs: Json, code: string | undefined, ucum: string | undefined): ReferenceRange | undefined {
  const rr = Array.isArray(obs.referenceRange) ? (obs.referenceRange as Json[]) : [];
  for (const r of rr) {
    const low = (r.low as Json | undefined)?.value;
    const high = (r.high as Json | undefined)?.value;
    const lo = typeof low === 'number' ? low : undefined;
    const hi = typeof high === 'number' ? high : undefined;
    const unit = unitWords(((r.low ?? r.high) as Json | undefined)?.unit as string | undefined ?? ucum);
    if (lo !== undefined || hi !== undefined) return { low: lo, high: hi, text: typeof r.text === 'string' ? r.text : rangeText(lo, hi, unit), source: 'record' };
    if (typeof r.text === 'string') return { text: r.text, source: 'record' };
  }
  const t = code ? TYPICAL[code] : undefined;
  if (!t || t.unit !== ucum) return undefined;
  return { low: t.low, high: t.high, text: `${rangeText(t.low, t.high, unitWords(t.unit))} (typical adult range)`, source: 'typical' };
}

export function flagOf(v: number, r: ReferenceRange | undefined): 'low' | 'high' | undefined {
  if (!r) return undefined;
  if (r.low !== undefined && v < r.low) return 'low';
  if (r.high !== undefined && v > r.high) return 'high';
  return undefined;
}

/** The value[x] of an observation or of one of its components, with its range and flag. */
function valueOf(holder: Json, name: string | undefined, code: string | undefined): ClinicalValue | null {
  const q = holder.valueQuantity as Json | undefined;
  if (q && typeof q.value === 'number') {
    const ucum = (q.code ?? q.unit) as string | undefined;
    const unit = unitWords((q.unit ?? q.code) as string | undefined);
    const value = roundValue(q.value, ucum);
    const range = referenceRange(holder, code, ucum);
    const comparator = typeof q.comparator === 'string' ? q.comparator : '';
    return { name, code, value, unit, text: `${comparator}${value}${unit ? ` ${unit}` : ''}`, range, flag: comparator ? undefined : flagOf(value, range) };
  }
  if (holder.valueCodeableConcept) {
    const t = conceptText(holder.valueCodeableConcept) ?? '';
    return t ? { name, code, value: t, text: t } : null;
  }
  for (const k of ['valueString', 'valueInteger', 'valueBoolean', 'valueDateTime', 'valueTime']) {
    const v = holder[k];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      const text = typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v).slice(0, 500);
      return { name, code, value: v, text };
    }
  }
  return null;
}

/** Every value an observation carries: its own, then each component's (blood pressure: systolic, diastolic). */
export function observationValues(obs: Json): ClinicalValue[] {
  const out: ClinicalValue[] = [];
  const own = valueOf(obs, undefined, codeOf(obs.code));
  if (own) out.push(own);
  for (const c of Array.isArray(obs.component) ? (obs.component as Json[]) : []) {
    const v = valueOf(c, conceptText(c.code), codeOf(c.code));
    if (v) out.push(v);
  }
  return out;
}
