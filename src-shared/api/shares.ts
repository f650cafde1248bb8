/**
 * The shares area: share requests (signed: filing one, answering one), the preview of what
 * approving would publish, and the packages received or published, their proof and export.
 */
import { z } from 'zod';
import { PatientIdSchema, PeriodInputSchema, PurposeSchema } from '../validation';
import { def, empty, hex, id, isoTime } from './define';
import { CategorySchema, ChainIdSchema, ConfidentialitySchema, PackageSummarySchema, ShareRequestSchema } from './schemas';
import { CATEGORIES } from '../vocabulary';

/** Signed: reachable from the renderer only through sign.prepare / sign.confirm. */
export const sharesSigned = {
  'shares.request': def({
    signed: true,
    description: 'An entity files a share request on the social chain.',
    request: z.object({
      patientId: PatientIdSchema,
      purpose: PurposeSchema,
      categories: z.array(CategorySchema).min(1, { error: 'choose at least one category' }).max(CATEGORIES.length),
      period: PeriodInputSchema,
    }).strict(),
    response: z.object({ request: ShareRequestSchema }),
  }),
  'shares.approve': def({
    signed: true,
    description: 'A provider approves a request: de-identify, encrypt for the entity, publish with a cross-chain proof.',
    request: z.object({ requestId: id }).strict(),
    response: z.object({ request: ShareRequestSchema, package: PackageSummarySchema.optional() }),
  }),
} as const;

export const sharesMethods = {
  'shares.requests': def({
    description: 'Share requests: incoming ones for a provider, the entity\'s own for an entity.',
    request: z.object({ status: z.enum(['pending', 'approved', 'refused', 'fulfilled', 'all']).default('all') }).strict(),
    response: z.object({ requests: z.array(ShareRequestSchema) }),
  }),
  'shares.preview': def({
    description: 'The de-identified package that approving would publish, and what is left out and why.',
    request: z.object({ requestId: id }).strict(),
    response: z.object({
      requestId: id,
      decision: z.enum(['allowed', 'refused']),
      reason: z.string(),
      consentId: id.optional(),
      pseudonym: z.string(),
      confidentiality: ConfidentialitySchema,
      included: z.array(z.object({
        resourceType: z.string(),
        category: CategorySchema,
        summary: z.string(),
        deidentified: z.record(z.string(), z.unknown()),
      })),
      excluded: z.array(z.object({ resourceType: z.string(), category: CategorySchema, reason: z.string() })),
    }),
  }),
  'packages.list': def({
    description: 'Packages received (entity) or published (provider).',
    request: empty,
    response: z.object({ packages: z.array(PackageSummarySchema) }),
  }),
  'packages.verify': def({
    description: 'Verify a package\'s cross-chain proof using only the social chain.',
    request: z.object({ packageId: id }).strict(),
    response: z.object({
      packageId: id,
      status: z.enum(['verified', 'failed']),
      checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })),
      signers: z.array(z.object({ party: z.string(), chain: ChainIdSchema, publicKey: hex })),
      aggregateSignature: hex,
      verifiedAt: isoTime,
    }),
  }),
  'packages.export': def({
    description: 'Export a received package as a FHIR bundle or CSV.',
    request: z.object({ packageId: id, format: z.enum(['fhir', 'csv']) }).strict(),
    response: z.object({ filename: z.string(), mediaType: z.string(), content: z.string(), bytes: z.number().int().nonnegative() }),
  }),
} as const;
