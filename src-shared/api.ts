/**
 * The one typed API between the Trichain renderer and the node.
 *
 * Every method has a zod request schema and a zod response schema. Answers travel as envelopes
 * `{ ok: true, value } | { ok: false, error: { code, message } }`. The same contract is carried by
 * the Electron preload bridge (IPC) and by the loopback browser host (HTTP + WebSocket).
 *
 * Signing: methods marked `signed` write a signed transaction. The renderer can never call them
 * directly (transports refuse with SIGNATURE_REQUIRED); it calls `sign.prepare({ method, input })`,
 * shows the human-readable summary the node returns, and only on the user's confirmation calls
 * `sign.confirm({ requestId })`, which runs the action and signs with keys that stay on the node.
 * No response schema can carry a field named like secret key material (see api.test.ts), and
 * responses are parsed through their schemas before they leave the node, which strips unknown keys.
 *
 * This module is pure (zod only) and is imported by the renderer, the host, Electron and the node.
 */
import { z } from 'zod';
import { CATEGORIES, CHAINS, CONFIDENTIALITY_ORDER, ENTITY_KINDS, SENSITIVITY_CODES, USER_ROLES, type UserRole } from './vocabulary';
import { FhirInputSchema, FutureDateSchema, PatientIdSchema, PeriodInputSchema, PurposeSchema } from './validation';
import { MAX_BODY_BYTES as MAX_BODY } from './ipc';

// ---------------------------------------------------------------------------------------------
// Vocabulary: defined once in ./vocabulary (shared with the node), re-exported for the UI.

/** The UI's session roles (clinician, patient, entity). */
export type Role = UserRole;
export { CATEGORIES, CHAINS, ENTITY_KINDS, PURPOSES, PURPOSE_CODES, SENSITIVITY_CODES, USER_ROLES, purposeLabel } from './vocabulary';
export type { Category, ChainId, Confidentiality, EntityKind, FhirResource, PurposeCode, SensitivityCode } from './vocabulary';
export { PurposeSchema, MAX_TEXT_CHARS, todayUtc } from './validation';
export const CONFIDENTIALITY = CONFIDENTIALITY_ORDER;

const id = z.string().min(1).max(200);
const text = (max = 2000) => z.string().max(max);
const isoTime = z.string().min(1).max(40);
const isoDate = z.iso.date();
const hex = z.string().regex(/^(0x)?[0-9a-fA-F]*$/).max(4096);

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
  /** BLS public key (G1, hex). Public material only. */
  publicKey: hex,
  fingerprint: z.string(),
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
  sharedAt: isoTime,
  categories: z.array(CategorySchema),
  resourceCount: z.number().int().nonnegative(),
});

export const PeriodSchema = z.object({ from: isoDate, to: isoDate })
  .refine((p) => p.from <= p.to, { message: 'period.from must not be after period.to' });

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
});
export type ShareRequest = z.infer<typeof ShareRequestSchema>;

export const PackageSummarySchema = z.object({
  id,
  requestId: id,
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

// ---------------------------------------------------------------------------------------------
// Methods

const empty = z.object({}).strict();

interface MethodDef<Req extends z.ZodType, Res extends z.ZodType> {
  request: Req;
  response: Res;
  /** Writes a signed transaction: only reachable from the renderer through sign.prepare/confirm. */
  signed?: boolean;
  description: string;
}
const def = <Req extends z.ZodType, Res extends z.ZodType>(d: MethodDef<Req, Res>) => d;

const signedMethods = {
  'identity.create': def({
    signed: true,
    description: 'Create this node\'s identity (key pair stays on the node) and register it. A patient gets, once, the recovery phrase of their keys and the enrolment request their hospital enters.',
    request: z.object({
      role: RoleSchema,
      displayName: z.string().trim().min(1).max(200),
      organization: z.string().trim().max(200).optional(),
      entityKind: z.enum(ENTITY_KINDS).optional(),
    }).strict(),
    response: z.object({
      identity: IdentitySchema,
      /** Patients only, returned this once: the 24-word BIP-39 phrase that restores the keys on a new device. */
      recoveryPhrase: z.string().optional(),
      /** Patients only: the `trichain-enrol:` request (public keys and proofs) for the hospital (`trichain enrol`). */
      enrolmentRequest: z.string().optional(),
    }),
  }),
  'network.join': def({
    signed: true,
    description: 'Join a network from an invite (genesis hashes, peer address and fingerprint).',
    request: z.object({ invite: z.string().trim().min(1).max(10_000) }).strict(),
    response: z.object({
      networkId: z.string(),
      chains: z.array(ChainIdSchema),
      peers: z.array(z.object({ address: z.string(), fingerprint: z.string() })),
    }),
  }),
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
  'consents.grant': def({
    signed: true,
    description: 'Patient grants an entity access to categories for a purpose until a date (patient chain).',
    request: z.object({
      patientId: id.optional(),
      entityId: id,
      purpose: PurposeSchema,
      categories: z.array(CategorySchema).min(1, { error: 'choose at least one category' }),
      includeSensitive: z.array(SensitivitySchema).default([]),
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
  'shares.request': def({
    signed: true,
    description: 'An entity files a share request on the social chain.',
    request: z.object({
      patientId: PatientIdSchema,
      purpose: PurposeSchema,
      categories: z.array(CategorySchema).min(1, { error: 'choose at least one category' }),
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

const signActionSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('identity.create'), input: signedMethods['identity.create'].request }),
  z.object({ method: z.literal('network.join'), input: signedMethods['network.join'].request }),
  z.object({ method: z.literal('records.add'), input: signedMethods['records.add'].request }),
  z.object({ method: z.literal('records.amend'), input: signedMethods['records.amend'].request }),
  z.object({ method: z.literal('records.import'), input: signedMethods['records.import'].request }),
  z.object({ method: z.literal('consents.grant'), input: signedMethods['consents.grant'].request }),
  z.object({ method: z.literal('consents.revoke'), input: signedMethods['consents.revoke'].request }),
  z.object({ method: z.literal('shares.request'), input: signedMethods['shares.request'].request }),
  z.object({ method: z.literal('shares.approve'), input: signedMethods['shares.approve'].request }),
]);
export const SignActionSchema = signActionSchema;
export type SignAction = z.infer<typeof SignActionSchema>;

const signResultSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('identity.create'), value: signedMethods['identity.create'].response }),
  z.object({ method: z.literal('network.join'), value: signedMethods['network.join'].response }),
  z.object({ method: z.literal('records.add'), value: signedMethods['records.add'].response }),
  z.object({ method: z.literal('records.amend'), value: signedMethods['records.amend'].response }),
  z.object({ method: z.literal('records.import'), value: signedMethods['records.import'].response }),
  z.object({ method: z.literal('consents.grant'), value: signedMethods['consents.grant'].response }),
  z.object({ method: z.literal('consents.revoke'), value: signedMethods['consents.revoke'].response }),
  z.object({ method: z.literal('shares.request'), value: signedMethods['shares.request'].response }),
  z.object({ method: z.literal('shares.approve'), value: signedMethods['shares.approve'].response }),
]);
export const SignResultSchema = signResultSchema;
export type SignResult = z.infer<typeof SignResultSchema>;

export const CONTRACT = {
  'app.info': def({
    description: 'What this node is: version, whether it has an identity, whether a demo runs.',
    request: empty,
    response: z.object({
      name: z.literal('Trichain'),
      version: z.string(),
      initialized: z.boolean(),
      identity: IdentitySchema.nullable(),
      demo: z.boolean(),
      chains: z.array(ChainIdSchema),
    }),
  }),
  'demo.start': def({
    description: 'Start a demo consortium (two hospitals, a patient, an insurer, a research institute).',
    request: z.object({
      patients: z.number().int().min(1).max(500).default(20),
      /** Deterministic synthetic data for repeatable training sessions. */
      randomSeed: z.string().max(100).optional(),
    }).strict(),
    response: z.object({ roles: z.array(RoleSessionSchema), active: id }),
  }),
  'demo.status': def({
    description: 'State of the demo consortium nodes.',
    request: empty,
    response: z.object({
      running: z.boolean(),
      stage: z.string().optional(),
      patients: z.number().int().nonnegative(),
      nodes: z.array(z.object({ id, label: z.string(), role: RoleSchema, organization: z.string().optional(), online: z.boolean() })),
    }),
  }),
  'session.roles': def({
    description: 'The roles this app can act as (several in a demo, one otherwise).',
    request: empty,
    response: z.object({ roles: z.array(RoleSessionSchema), active: id.nullable() }),
  }),
  'session.switchRole': def({
    description: 'Act as another demo node.',
    request: z.object({ roleId: id }).strict(),
    response: z.object({ active: RoleSessionSchema }),
  }),
  ...signedMethods,
  'entities.list': def({
    description: 'Registered external entities (for consent forms).',
    request: empty,
    response: z.object({ entities: z.array(EntityRefSchema) }),
  }),
  'patients.search': def({
    description: 'Find patients by name, MRN or id (clinicians; a patient sees only themself).',
    request: z.object({ query: z.string().max(200).default(''), limit: z.number().int().min(1).max(200).default(50) }).strict(),
    response: z.object({ patients: z.array(PatientSummarySchema) }),
  }),
  'patients.chart': def({
    description: 'A patient\'s records from every hospital, newest first, with labels and their reasons.',
    request: z.object({ patientId: id.optional() }).strict(),
    response: z.object({ patient: PatientSummarySchema, resources: z.array(ChartResourceSchema) }),
  }),
  'consents.list': def({
    description: 'Consents of a patient (patients: their own; clinicians: the chart\'s patient).',
    request: z.object({ patientId: id.optional() }).strict(),
    response: z.object({ consents: z.array(ConsentSchema), alreadyShared: z.array(SharedPackageRefSchema) }),
  }),
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
      result: signedMethods['records.import'].response.optional(),
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
  'audit.list': def({
    description: 'Audit trail: every access and share (patients see their own).',
    request: z.object({
      patientId: id.optional(),
      limit: z.number().int().min(1).max(500).default(100),
      before: z.string().max(200).optional(),
    }).strict(),
    response: z.object({ entries: z.array(AuditEntrySchema), nextBefore: z.string().optional() }),
  }),
  'chains.status': def({
    description: 'Each replicated chain: height, head, validators, peers, sync progress, pending txs.',
    request: empty,
    response: z.object({
      chains: z.array(z.object({
        chain: ChainIdSchema,
        replicated: z.boolean(),
        height: z.number().int().nonnegative(),
        headHash: z.string(),
        headTime: isoTime.optional(),
        quorum: z.number().int().nonnegative(),
        validators: z.array(z.object({ id: z.string(), name: z.string(), publicKey: hex, online: z.boolean() })),
        peers: z.array(z.object({ id: z.string(), address: z.string(), fingerprint: z.string(), connected: z.boolean(), lastSeen: isoTime.optional() })),
        sync: z.object({
          state: z.enum(['synced', 'syncing', 'offline']),
          localHeight: z.number().int().nonnegative(),
          remoteHeight: z.number().int().nonnegative(),
          fraction: z.number().min(0).max(1),
        }),
        pendingTxs: z.number().int().nonnegative(),
      })),
    }),
  }),
  'chains.blocks': def({
    description: 'Block explorer: newest blocks of a chain, paged backwards.',
    request: z.object({
      chain: ChainIdSchema,
      before: z.number().int().nonnegative().optional(),
      limit: z.number().int().min(1).max(200).default(20),
    }).strict(),
    response: z.object({ chain: ChainIdSchema, blocks: z.array(BlockSummarySchema), nextBefore: z.number().int().nonnegative().optional() }),
  }),
  'chains.block': def({
    description: 'One block with its transactions and commit certificate.',
    request: z.object({ chain: ChainIdSchema, height: z.number().int().nonnegative() }).strict(),
    response: z.object({
      block: BlockSummarySchema.extend({
        txRoot: z.string(),
        txs: z.array(z.object({ id: z.string(), kind: z.string(), summary: z.string(), bytes: z.number().int().nonnegative() })),
        certificate: z.object({
          aggregateSignature: hex,
          bitmap: z.string(),
          bytes: z.number().int().nonnegative(),
          quorum: z.number().int().nonnegative(),
          signers: z.array(z.object({ index: z.number().int().nonnegative(), id: z.string(), name: z.string() })),
        }),
      }),
    }),
  }),
  'storage.signatures': def({
    description: 'Measured signature storage: one BLS aggregate vs one signature per party.',
    request: z.object({ parties: z.array(z.number().int().min(1).max(1000)).max(50).optional() }).strict(),
    response: z.object({
      series: z.array(z.object({
        parties: z.number().int().positive(),
        aggregateBytes: z.number().nonnegative(),
        perPartyBlsBytes: z.number().nonnegative(),
        perPartyEcdsaBytes: z.number().nonnegative().optional(),
      })),
      source: z.string(),
    }),
  }),
  'sign.prepare': def({
    description: 'Ask the node to prepare a signed action; returns a human-readable summary to confirm.',
    request: SignActionSchema,
    response: z.object({ requestId: id, summary: SignSummarySchema, expiresAt: isoTime }),
  }),
  'sign.confirm': def({
    description: 'The user confirmed: the node signs and runs the prepared action.',
    request: z.object({ requestId: id }).strict(),
    response: SignResultSchema,
  }),
  'sign.cancel': def({
    description: 'The user declined: the prepared action is discarded.',
    request: z.object({ requestId: id }).strict(),
    response: z.object({ cancelled: z.boolean() }),
  }),
} as const;

// ---------------------------------------------------------------------------------------------
// Types derived from the table

type Contract = typeof CONTRACT;
export type ApiMethod = keyof Contract;
export type SignedMethod = keyof typeof signedMethods;
export type RendererMethod = Exclude<ApiMethod, SignedMethod>;

/** What a caller passes (defaults may be omitted). */
export type ApiInput<M extends ApiMethod> = z.input<Contract[M]['request']>;
/** What a handler receives (after validation; defaults applied). */
export type ApiRequest<M extends ApiMethod> = z.output<Contract[M]['request']>;
/** What a handler returns / a caller receives. */
export type ApiOutput<M extends ApiMethod> = z.output<Contract[M]['response']>;

export const API_METHODS = Object.keys(CONTRACT) as ApiMethod[];
export const SIGNED_METHODS = Object.keys(signedMethods) as SignedMethod[];
export const RENDERER_METHODS = API_METHODS.filter((m) => !(m in signedMethods)) as RendererMethod[];

export function isApiMethod(m: unknown): m is ApiMethod {
  return typeof m === 'string' && Object.prototype.hasOwnProperty.call(CONTRACT, m);
}
export function isSignedMethod(m: unknown): m is SignedMethod {
  return typeof m === 'string' && Object.prototype.hasOwnProperty.call(signedMethods, m);
}
export function isRendererMethod(m: unknown): m is RendererMethod {
  return isApiMethod(m) && !isSignedMethod(m);
}

/** What the node implements: one function per method, given validated input. */
export type ApiHandlers = { [M in ApiMethod]: (input: ApiRequest<M>) => Promise<ApiOutput<M>> };

/** What the renderer uses: methods reachable from the UI; throws ApiError on failure. */
export type TrichainApi = { [M in RendererMethod]: (input: ApiInput<M>) => Promise<ApiOutput<M>> };

// ---------------------------------------------------------------------------------------------
// Envelopes and errors

export const ERROR_CODES = [
  'BAD_REQUEST', 'UNKNOWN_METHOD', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT',
  'PAYLOAD_TOO_LARGE', 'NOT_INITIALIZED', 'CONSENT_REFUSED', 'SIGNATURE_REQUIRED', 'EXPIRED',
  'UNAVAILABLE', 'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const ApiErrorSchema = z.object({ code: z.string().min(1).max(100), message: z.string().max(10_000) });
export type ApiErrorBody = z.infer<typeof ApiErrorSchema>;
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ApiErrorBody };

/** Throw from a handler to answer with a specific code; anything else becomes INTERNAL. */
export class ApiError extends Error {
  constructor(public readonly code: ErrorCode | (string & {}), message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

export const ok = <T>(value: T): Envelope<T> => ({ ok: true, value });
export const fail = (code: ErrorCode | (string & {}), message: string): Envelope<never> => ({ ok: false, error: { code, message } });

function describeZodError(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(input)'}: ${i.message}`)
    .join('; ');
}

/** Validate a request against the contract. Never throws. */
export function validateRequest<M extends ApiMethod>(method: M, input: unknown): Envelope<ApiRequest<M>>;
export function validateRequest(method: string, input: unknown): Envelope<unknown>;
export function validateRequest(method: string, input: unknown): Envelope<unknown> {
  if (!isApiMethod(method)) return fail('UNKNOWN_METHOD', `Unknown method: ${String(method).slice(0, 100)}`);
  const r = (CONTRACT[method].request as z.ZodType).safeParse(input ?? {});
  return r.success ? ok(r.data) : fail('BAD_REQUEST', `Invalid input for ${method}: ${describeZodError(r.error)}`);
}

/** Validate (and strip unknown fields from) a handler's answer before it leaves the node. */
export function validateResponse<M extends ApiMethod>(method: M, output: unknown): Envelope<ApiOutput<M>>;
export function validateResponse(method: string, output: unknown): Envelope<unknown>;
export function validateResponse(method: string, output: unknown): Envelope<unknown> {
  if (!isApiMethod(method)) return fail('UNKNOWN_METHOD', `Unknown method: ${String(method).slice(0, 100)}`);
  const r = (CONTRACT[method].response as z.ZodType).safeParse(output);
  return r.success ? ok(r.data) : fail('INTERNAL', `The node answered ${method} with an invalid response: ${describeZodError(r.error)}`);
}

/** Turn anything thrown by a handler into an error envelope (no stack traces to the UI). */
export function errorEnvelope(err: unknown): Envelope<never> {
  if (err instanceof ApiError) return fail(err.code, err.message);
  if (err instanceof z.ZodError) return fail('BAD_REQUEST', describeZodError(err));
  const e = err as { code?: unknown; message?: unknown };
  if (e && typeof e.code === 'string' && (ERROR_CODES as readonly string[]).includes(e.code) && typeof e.message === 'string') {
    return fail(e.code, e.message);
  }
  return fail('INTERNAL', err instanceof Error ? err.message : 'Internal error');
}

/**
 * Validate, call and validate the answer: the single dispatch path used by every transport
 * (browser host, Electron IPC forwarder, tests). `from: 'renderer'` refuses signed methods.
 */
export async function dispatch(
  handlers: Partial<ApiHandlers>,
  method: string,
  input: unknown,
  from: 'renderer' | 'node' = 'renderer',
): Promise<Envelope<unknown>> {
  if (!isApiMethod(method)) return fail('UNKNOWN_METHOD', `Unknown method: ${String(method).slice(0, 100)}`);
  if (from === 'renderer' && isSignedMethod(method)) {
    return fail('SIGNATURE_REQUIRED', `${method} signs a transaction: call sign.prepare, show the summary, then sign.confirm`);
  }
  const req = validateRequest(method, input);
  if (!req.ok) return req;
  const handler = handlers[method] as ((i: unknown) => Promise<unknown>) | undefined;
  if (typeof handler !== 'function') return fail('UNAVAILABLE', `${method} is not available on this node yet`);
  try {
    return validateResponse(method, await handler(req.value));
  } catch (err) {
    return errorEnvelope(err);
  }
}

// ---------------------------------------------------------------------------------------------
// Events pushed to the UI

export const EVENTS = {
  'import.progress': z.object({
    importId: id,
    phase: z.enum(['parsing', 'classifying', 'encrypting', 'anchoring', 'done', 'failed']),
    done: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
    message: z.string().optional(),
  }),
  'chain.updated': z.object({ chain: ChainIdSchema, height: z.number().int().nonnegative(), headHash: z.string(), txCount: z.number().int().nonnegative().optional() }),
  'sync.progress': z.object({
    chain: ChainIdSchema,
    peer: z.string().optional(),
    state: z.enum(['synced', 'syncing', 'offline']),
    localHeight: z.number().int().nonnegative(),
    remoteHeight: z.number().int().nonnegative(),
    fraction: z.number().min(0).max(1),
  }),
  'tx.pending': z.object({
    chain: ChainIdSchema,
    txId: z.string(),
    kind: z.string(),
    status: z.enum(['pending', 'committed', 'failed']),
    detail: z.string().optional(),
  }),
} as const;
export type EventName = keyof typeof EVENTS;
export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];
export type EventPayload<E extends EventName> = z.output<(typeof EVENTS)[E]>;
export type TrichainEvent = { [E in EventName]: { type: E; payload: EventPayload<E> } }[EventName];

export function isEventName(e: unknown): e is EventName {
  return typeof e === 'string' && Object.prototype.hasOwnProperty.call(EVENTS, e);
}
export function validateEvent(ev: unknown): TrichainEvent | null {
  const e = ev as { type?: unknown; payload?: unknown } | null;
  if (!e || !isEventName(e.type)) return null;
  const r = EVENTS[e.type].safeParse(e.payload);
  return r.success ? ({ type: e.type, payload: r.data } as TrichainEvent) : null;
}

// ---------------------------------------------------------------------------------------------
// The bridge the Electron preload exposes as window.trichain (and the HTTP bridge implements)

export interface TrichainBridge {
  call<M extends RendererMethod>(method: M, input: ApiInput<M>): Promise<Envelope<ApiOutput<M>>>;
  on<E extends EventName>(event: E, cb: (payload: EventPayload<E>) => void): () => void;
}

export { IPC, TOKEN_HEADER, MAX_BODY_BYTES, READY_PREFIX, EVENT_NAME_LIST } from './ipc';
