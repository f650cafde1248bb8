/**
 * The records area: finding patients, reading a chart, and (signed) adding, amending and
 * importing FHIR records; an import's progress read back by id.
 */
import { z } from 'zod';
import { FhirInputSchema } from '../validation';
import { MAX_BODY_BYTES as MAX_BODY } from '../ipc';
import { def, id, isoTime } from './define';
import { ChartResourceSchema, LabelRaiseSchema, PatientSummarySchema } from './schemas';
import { ChartSummarySchema } from './chart';

/** Signed: reachable from the renderer only through sign.prepare / sign.confirm. */
export const recordsSigned = {
  'records.add': def({
    signed: true,
    description: 'Add a FHIR resource to a patient\'s record (encrypted, anchored on the hospital chain).',
    request: z.object({
      patientId: id,
      resource: FhirInputSchema,
      raise: LabelRaiseSchema.optional(),
    }).strict(),
    response: z.object({ record: ChartResourceSchema }),
  }),
  'records.amend': def({
    signed: true,
    description: 'Amend a record: a new version linked to the previous one; the old one stays on the chain.',
    request: z.object({
      recordId: id,
      resource: FhirInputSchema,
      reason: z.string().trim().min(1).max(1000),
      raise: LabelRaiseSchema.optional(),
    }).strict(),
    response: z.object({ record: ChartResourceSchema }),
  }),
  'records.import': def({
    signed: true,
    description: 'Import a FHIR bundle (JSON text). Progress arrives as import.progress events.',
    request: z.object({
      /** Chosen by the caller so that import.progress events can be matched to this import. */
      importId: id,
      patientId: id.optional(),
      bundle: z.string().min(2).max(MAX_BODY),
    }).strict(),
    response: z.object({
      importId: id,
      imported: z.number().int().nonnegative(),
      skipped: z.number().int().nonnegative(),
      patientIds: z.array(id),
      warnings: z.array(z.string()),
    }),
  }),
} as const;

export const recordsMethods = {
  'patients.search': def({
    description: 'Find patients by name, MRN or id (clinicians; a patient sees only themself).',
    request: z.object({ query: z.string().max(200).default(''), limit: z.number().int().min(1).max(200).default(50) }).strict(),
    response: z.object({ patients: z.array(PatientSummarySchema) }),
  }),
  'patients.chart': def({
    description: 'A patient\'s records from every hospital, newest first (undated last), with labels and their reasons, and the summary a clinician reads first. A page of the timeline: `limit` rows from `offset` (all when no limit) of the records `find` matches, each with its card facts, not its FHIR resource (records.get reads that).',
    request: z.object({
      patientId: id.optional(),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(100_000).optional(),
      /** Only the records whose card holds every one of these words (case-insensitive): "find in timeline". */
      find: z.string().trim().max(200).optional(),
    }).strict(),
    response: z.object({
      patient: PatientSummarySchema,
      summary: ChartSummarySchema,
      /** How many records the whole timeline holds. */
      total: z.number().int().nonnegative(),
      /** How many of them `find` matched (the total without it): what the pages are taken from. */
      matched: z.number().int().nonnegative(),
      /** The organizations whose records the whole timeline holds. */
      organizations: z.array(z.string()),
      offset: z.number().int().nonnegative(),
      resources: z.array(ChartResourceSchema),
    }),
  }),
  'records.get': def({
    description: 'One record of a chart with its FHIR resource, decrypted on the node for a reader who may see it: what a timeline card shows expanded, and what an amendment starts from.',
    request: z.object({ recordId: id }).strict(),
    response: z.object({ record: ChartResourceSchema }),
  }),
  'imports.status': def({
    description: 'An import\'s progress and result, kept by the node so that a reloaded page can read them back.',
    request: z.object({ importId: id }).strict(),
    response: z.object({
      importId: id,
      phase: z.enum(['parsing', 'classifying', 'encrypting', 'anchoring', 'done', 'failed']),
      done: z.number().int().nonnegative(),
      total: z.number().int().nonnegative(),
      message: z.string().optional(),
      startedAt: isoTime,
      endedAt: isoTime.optional(),
      result: recordsSigned['records.import'].response.optional(),
    }),
  }),
} as const;
