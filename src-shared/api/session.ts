/**
 * The session area: what this app is, the demo consortium, which role it acts as, and (signed)
 * creating this node's identity or joining a network.
 */
import { z } from 'zod';
import { ENTITY_KINDS } from '../vocabulary';
import { def, empty, hex, id } from './define';
import { ChainIdSchema, IdentitySchema, RoleSchema, RoleSessionSchema } from './schemas';

/** Signed: reachable from the renderer only through sign.prepare / sign.confirm. */
export const sessionSigned = {
  'identity.create': def({
    signed: true,
    description: 'Create this node\'s identity (key pair stays on the node) and register it. A patient gets, once, the recovery phrase of their keys and the enrolment request their hospital enters.',
    request: z.object({
      role: RoleSchema,
      displayName: z.string().trim().min(1).max(200),
      organization: z.string().trim().max(200).optional(),
      entityKind: z.enum(ENTITY_KINDS).optional(),
      /** A hospital founds a network of this name (default: "<organization> network"). */
      network: z.string().trim().min(1).max(200).optional(),
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
    description: 'Join a network from an invite (as `trichain join`): check it, pin the inviting peer, and answer the peer line the inviting hospital admits. On a first run `identity` makes this node\'s identity first (it founds nothing).',
    request: z.object({
      invite: z.string().trim().min(1, { error: 'paste the invite you were given' }).max(10_000),
      identity: z.object({
        role: RoleSchema,
        displayName: z.string().trim().min(1).max(200),
        organization: z.string().trim().max(200).optional(),
        entityKind: z.enum(ENTITY_KINDS).optional(),
      }).strict().optional(),
    }).strict(),
    response: z.object({
      networkId: z.string(),
      chains: z.array(ChainIdSchema),
      peers: z.array(z.object({ address: z.string(), fingerprint: z.string() })),
      /** Who invited this node. */
      inviter: z.object({ name: z.string(), role: z.string() }),
      /** The `trichain-peer:` line to hand back to the inviting hospital (public keys only). */
      peerLine: z.string(),
      /** A patient laptop whose keys were made by this join, this once: the 24-word recovery phrase and the enrolment request for its hospital. */
      recoveryPhrase: z.string().optional(),
      enrolmentRequest: z.string().optional(),
    }),
  }),
} as const;

export const sessionMethods = {
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
} as const;
