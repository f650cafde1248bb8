/**
 * The shapes the contract's areas share: labels, identities, patients, chart resources, consents,
 * share requests, packages, audit entries, blocks, and the summary a person confirms before signing.
 */
import { z } from 'zod';
import { CATEGORIES, CHAINS, CONFIDENTIALITY_ORDER, ENTITY_KINDS, SENSITIVITY_CODES, USER_ROLES } from '../vocabulary';
import { hex, id, isoDate, isoTime, text } from './define';
import { CardFactsSchema } from './chart';

export const CONFIDENTIALITY = CONFIDENTIALITY_ORDER;

export const RoleSchema = z.enum(USER_ROLES);
export const ChainIdSchema = z.enum(CHAINS);
export const CategorySchema = z.enum(CATEGORIES);
export const SensitivitySchema = z.enum(SENSITIVITY_CODES);
export const ConfidentialitySchema = z.enum(CONFIDENTIALITY);

export const LabelReasonSchema = z.object({
  label: z.string(),
  rule: z.string(),
  system: z.string().optional(),
  code: z.string().optional(),
  text: z.string().optional(),
  path: z.string().optional(),
  /** The coding's display (or the rule's display for the code), to say the code in words. */
  display: z.string().optional(),
});
export const LabelsSchema = z.object({
  category: CategorySchema,
  sensitivity: z.array(SensitivitySchema),
  confidentiality: ConfidentialitySchema,
  reasons: z.array(LabelReasonSchema),
});
export type Labels = z.infer<typeof LabelsSchema>;

/** Labels a clinician adds on top of the classifier's (raise only, never lower). */
export const LabelRaiseSchema = z.object({
  sensitivity: z.array(SensitivitySchema).max(SENSITIVITY_CODES.length).optional(),
  confidentiality: ConfidentialitySchema.optional(),
  reason: text(500).optional(),
});

export const IdentitySchema = z.object({
  id,
  role: RoleSchema,
  displayName: z.string(),
  organization: z.string().optional(),
  /** BLS public key (G1, hex). Public material only. ("Fingerprint" means a TLS certificate's SHA-256, only.) */
  publicKey: hex,
});
export type Identity = z.infer<typeof IdentitySchema>;

export const RoleSessionSchema = z.object({
  id,
  label: z.string(),
  role: RoleSchema,
  displayName: z.string(),
  organization: z.string().optional(),
});
export type RoleSession = z.infer<typeof RoleSessionSchema>;

export const EntityRefSchema = z.object({
  id,
  name: z.string(),
  kind: z.enum(ENTITY_KINDS),
});
export type EntityRef = z.infer<typeof EntityRefSchema>;

export const PatientSummarySchema = z.object({
  id,
  name: z.string(),
  birthDate: z.string().optional(),
  gender: z.string().optional(),
  mrn: z.string().optional(),
  recordCount: z.number().int().nonnegative(),
  lastUpdated: isoTime.optional(),
  consentStatus: z.enum(['none', 'active', 'revoked']),
});
export type PatientSummary = z.infer<typeof PatientSummarySchema>;

export const ChartResourceSchema = z.object({
  id,
  resourceType: z.string(),
  date: z.string().optional(),
  title: z.string(),
  summary: z.string(),
  author: z.object({ organization: z.string(), name: z.string().optional() }),
  labels: LabelsSchema,
  version: z.number().int().positive(),
  amendedFrom: id.optional(),
  contentHash: z.string(),
  chain: ChainIdSchema,
  txId: z.string().optional(),
  /** Signed locally but not yet committed (offline or no quorum yet). */
  pending: z.boolean(),
  /** The FHIR resource itself, decrypted on the node for a reader who may see it. */
  resource: z.record(z.string(), z.unknown()).optional(),
  /** What the card says about it, by type (src-main/emr/chart/facts.ts); absent when it cannot be read here. */
  facts: CardFactsSchema.optional(),
});
export type ChartResource = z.infer<typeof ChartResourceSchema>;

export const FhirResourceSchema = z.looseObject({ resourceType: z.string().min(1).max(100) });

export const ConsentSchema = z.object({
  id,
  patientId: id,
  patientName: z.string().optional(),
  entity: EntityRefSchema,
  purpose: z.string(),
  categories: z.array(CategorySchema),
  includeSensitive: z.array(SensitivitySchema),
  validFrom: z.string(),
  validUntil: z.string(),
  status: z.enum(['active', 'revoked', 'expired']),
  grantedAt: isoTime,
  revokedAt: isoTime.optional(),
  txId: z.string().optional(),
  pending: z.boolean().optional(),
});
export type Consent = z.infer<typeof ConsentSchema>;

export const SharedPackageRefSchema = z.object({
  packageId: id,
  entityName: z.string(),
  /** The hospital that shared it (each hospital answers a request for itself). */
  hospitalName: z.string().optional(),
  sharedAt: isoTime,
  categories: z.array(CategorySchema),
  resourceCount: z.number().int().nonnegative(),
  /** The consent it went out under (a revocation does not call it back). */
  consentId: id.optional(),
});
export type SharedPackageRef = z.infer<typeof SharedPackageRefSchema>;

export const PeriodSchema = z.object({ from: isoDate, to: isoDate })
  .refine((p) => p.from <= p.to, { message: 'period.from must not be after period.to' });

/**
 * One hospital's part in a request (issue 11: each hospital holding records of the patient answers
 * for itself): it shared N records (its package), refused (with the reason), has approved and is
 * publishing (the viewing hospital's own answer, until its block commits), or has not answered yet.
 */
export const ShareAnswerSchema = z.object({
  hospital: z.object({ id: z.string(), name: z.string() }),
  state: z.enum(['shared', 'refused', 'approved', 'awaiting']),
  /** This row is the viewing hospital's own answer. */
  you: z.boolean().optional(),
  resourceCount: z.number().int().nonnegative().optional(),
  reason: z.string().optional(),
  at: isoTime.optional(),
  packageId: id.optional(),
});
export type ShareAnswer = z.infer<typeof ShareAnswerSchema>;

export const ShareRequestSchema = z.object({
  id,
  entity: EntityRefSchema,
  patientId: id,
  patientName: z.string().optional(),
  purpose: z.string(),
  categories: z.array(CategorySchema),
  period: z.object({ from: z.string(), to: z.string() }),
  status: z.enum(['pending', 'approved', 'refused', 'fulfilled']),
  filedAt: isoTime,
  decision: z.object({ at: isoTime, reason: z.string() }).optional(),
  consentId: id.optional(),
  packageId: id.optional(),
  txId: z.string().optional(),
  /**
   * Per hospital: every hospital that answered, those the answers name as holding the patient's
   * records, and (for a hospital) itself. `status` sums them up: for a hospital its own answer
   * (pending: awaiting its answer), for others pending while one has not answered.
   */
  answers: z.array(ShareAnswerSchema).optional(),
});
export type ShareRequest = z.infer<typeof ShareRequestSchema>;

export const PackageSummarySchema = z.object({
  /** `<requestId>@<hospital key prefix>`: a request has a package per hospital that shared. */
  id,
  requestId: id,
  /** The hospital that shared it. */
  hospitalName: z.string().optional(),
  entity: EntityRefSchema,
  patientPseudonym: z.string(),
  purpose: z.string(),
  categories: z.array(CategorySchema),
  resourceCount: z.number().int().nonnegative(),
  publishedAt: isoTime,
  packageHash: z.string(),
  socialHeight: z.number().int().nonnegative().optional(),
  verification: z.enum(['unverified', 'verified', 'failed']),
});
export type PackageSummary = z.infer<typeof PackageSummarySchema>;

export const AuditEntrySchema = z.object({
  id,
  at: isoTime,
  actor: z.object({ id: z.string(), name: z.string(), role: z.union([RoleSchema, z.literal('system')]) }),
  action: z.enum([
    'read', 'write', 'amend', 'import', 'share', 'consent.grant', 'consent.revoke', 'request',
    'refused', 'export', 'verify', 'join',
  ]),
  patientId: z.string().optional(),
  subject: z.string(),
  chain: ChainIdSchema.optional(),
  txId: z.string().optional(),
  detail: z.string().optional(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/** Each audit action in words, for the badge a person reads. */
export const AUDIT_ACTION_WORDS: Record<AuditEntry['action'], string> = {
  read: 'viewed', write: 'added', amend: 'amended', import: 'imported', share: 'shared', 'consent.grant': 'consent given',
  'consent.revoke': 'consent revoked', request: 'requested', refused: 'refused', export: 'exported', verify: 'verified', join: 'joined',
};
/** Who acted, in words. */
export const AUDIT_ROLE_WORDS: Record<AuditEntry['actor']['role'], string> = { clinician: 'hospital', patient: 'patient', entity: 'outside organization', system: 'network' };

export const BlockSummarySchema = z.object({
  chain: ChainIdSchema,
  height: z.number().int().nonnegative(),
  hash: z.string(),
  prevHash: z.string(),
  time: isoTime,
  proposer: z.string(),
  txCount: z.number().int().nonnegative(),
  signerCount: z.number().int().nonnegative(),
});
export type BlockSummary = z.infer<typeof BlockSummarySchema>;

export const SignSummarySchema = z.object({
  /** Who signs: the identity whose key will be used, e.g. "Dr. Ada Osei, St. Mary's Hospital". */
  who: z.string(),
  /** What is signed, in words, e.g. "Grant Acme Insurance access to medication, lab until 2026-01-01". */
  what: z.string(),
  /** Which chain(s) the transaction goes to. */
  chain: z.array(ChainIdSchema).min(1),
  /** Further label/value lines shown in the confirmation dialog. */
  details: z.array(z.object({ label: z.string(), value: z.string() })).default([]),
});
export type SignSummary = z.infer<typeof SignSummarySchema>;
