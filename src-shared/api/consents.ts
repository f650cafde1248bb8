/**
 * The consents area: the entities a patient may name, a patient's consents, (signed) granting
 * and revoking them, and the audit trail of every access and share they allowed.
 */
import { z } from 'zod';
import { FutureDateSchema, PurposeSchema } from '../validation';
import { def, empty, id } from './define';
import { AuditEntrySchema, CategorySchema, ConsentSchema, EntityRefSchema, SensitivitySchema, SharedPackageRefSchema } from './schemas';
import { CATEGORIES, SENSITIVITY_CODES } from '../vocabulary';

/** Signed: reachable from the renderer only through sign.prepare / sign.confirm. */
export const consentsSigned = {
  'consents.grant': def({
    signed: true,
    description: 'Patient grants an entity access to categories for a purpose until a date (patient chain).',
    request: z.object({
      patientId: id.optional(),
      entityId: id,
      purpose: PurposeSchema,
      categories: z.array(CategorySchema).min(1, { error: 'choose at least one category' }).max(CATEGORIES.length),
      includeSensitive: z.array(SensitivitySchema).max(SENSITIVITY_CODES.length).default([]),
      validUntil: FutureDateSchema,
      /** When set, this grant replaces (edits) an existing consent. */
      replaces: id.optional(),
    }).strict(),
    response: z.object({ consent: ConsentSchema }),
  }),
  'consents.revoke': def({
    signed: true,
    description: 'Revoke a consent: every later share stops; what was already shared is listed.',
    request: z.object({ consentId: id, reason: z.string().max(500).optional() }).strict(),
    response: z.object({ consent: ConsentSchema, alreadyShared: z.array(SharedPackageRefSchema) }),
  }),
} as const;

export const consentsMethods = {
  'entities.list': def({
    description: 'Registered external entities (for consent forms).',
    request: empty,
    response: z.object({ entities: z.array(EntityRefSchema) }),
  }),
  'consents.list': def({
    description: 'Consents of a patient (patients: their own; clinicians: the chart\'s patient).',
    request: z.object({ patientId: id.optional() }).strict(),
    response: z.object({ consents: z.array(ConsentSchema), alreadyShared: z.array(SharedPackageRefSchema) }),
  }),
  'audit.list': def({
    description: 'Audit trail: every access and share (patients see their own).',
    request: z.object({
      patientId: id.optional(),
      limit: z.number().int().min(1).max(500).default(100),
      before: z.string().max(200).optional(),
    }).strict(),
    response: z.object({ entries: z.array(AuditEntrySchema), nextBefore: z.string().optional() }),
  }),
  'audit.export': def({
    description: 'The whole audit trail as FHIR R4 AuditEvent resources in a collection Bundle, each with the sentence the trail shows, as a file to save.',
    request: z.object({ patientId: id.optional() }).strict(),
    response: z.object({ filename: z.string(), mediaType: z.string(), content: z.string(), entries: z.number().int().nonnegative() }),
  }),
} as const;
