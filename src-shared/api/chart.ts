/**
 * The clinical shapes of a chart: what a card on the timeline says about its resource (values with
 * units and reference ranges, doses, onset and abatement, a goal's text, a note's text) and the
 * summary a clinician reads first (problems, medications, allergies, immunizations, goals, recent
 * vitals and labs, trends). Derived on the node (src-main/emr/chart/), drawn by the renderer.
 */
import { z } from 'zod';
import { id } from './define';

/** A reference range: from the record itself ("record"), else a typical adult range ("typical"). */
export const ReferenceRangeSchema = z.object({
  low: z.number().optional(),
  high: z.number().optional(),
  /** In words, with its unit: "60–100 /min", "< 200 mg/dL". */
  text: z.string(),
  source: z.enum(['record', 'typical']),
});
export type ReferenceRange = z.infer<typeof ReferenceRangeSchema>;

/** One measured value (an observation's, or one of its components). */
export const ClinicalValueSchema = z.object({
  /** What was measured, when it is a component ("Systolic Blood Pressure"). */
  name: z.string().optional(),
  /** The LOINC (or other) code of what was measured, for trends. */
  code: z.string().optional(),
  value: z.union([z.number(), z.string(), z.boolean()]),
  /** The unit as a person reads it ("mmHg", "kg/m²", "°C"). */
  unit: z.string().optional(),
  /** Value and unit in words: "72.3 kg". */
  text: z.string(),
  range: ReferenceRangeSchema.optional(),
  /** Outside its reference range. */
  flag: z.enum(['low', 'high']).optional(),
});
export type ClinicalValue = z.infer<typeof ClinicalValueSchema>;

/** What a timeline card says about its resource, by type. */
export const CardFactsSchema = z.object({
  /** No element of this type carries a clinical date: shown as "undated", never stamped today. */
  undated: z.boolean(),
  /** The element the date was read from ("effectiveDateTime", "onsetDateTime", …). */
  dateFrom: z.string().optional(),
  values: z.array(ClinicalValueSchema).optional(),
  /** Plain lines: "Dose: 1 tablet once a day", "Onset 2011-11-19 · resolved 2011-12-02", a goal's text. */
  lines: z.array(z.string()),
  /** A readable note (a DocumentReference's or DiagnosticReport's attachment, or `note` annotations). */
  note: z.string().optional(),
});
export type CardFacts = z.infer<typeof CardFactsSchema>;

const item = { recordId: id, text: z.string() };
export const ChartSummarySchema = z.object({
  /** Active conditions, with onset. */
  problems: z.array(z.object({ ...item, onset: z.string().optional(), status: z.string() })),
  /** How many conditions are resolved or inactive (listed on the timeline). */
  resolvedProblems: z.number().int().nonnegative(),
  /** Active medications, with dose. */
  medications: z.array(z.object({ ...item, dose: z.string().optional(), since: z.string().optional(), status: z.string() })),
  allergies: z.array(z.object({ ...item, criticality: z.string().optional(), reaction: z.string().optional() })),
  /** Latest dose of each vaccine, with how many were given. */
  immunizations: z.array(z.object({ ...item, date: z.string().optional(), doses: z.number().int().positive() })),
  goals: z.array(z.object({ ...item, status: z.string().optional() })),
  /** The latest of each vital sign and of each lab test, newest first. */
  vitals: z.array(z.object({ recordId: id, name: z.string(), date: z.string().optional(), values: z.array(ClinicalValueSchema) })),
  labs: z.array(z.object({ recordId: id, name: z.string(), date: z.string().optional(), values: z.array(ClinicalValueSchema) })),
  /** Numeric series of the same code over time (at least two points), for small charts. */
  trends: z.array(z.object({
    code: z.string(),
    name: z.string(),
    unit: z.string().optional(),
    range: ReferenceRangeSchema.optional(),
    points: z.array(z.object({ date: z.string(), value: z.number() })),
  })),
});
export type ChartSummary = z.infer<typeof ChartSummarySchema>;
