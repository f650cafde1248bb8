/**
 * The network area: this node's place in its network as the running daemon sees it (peer address,
 * fingerprint, pinned peers and whether they answer, the offline queue and refused transactions),
 * the invite a hospital hands out (text and QR code), and (signed) admitting a node that joined.
 * Joining itself is `network.join` (the session area: it may create this node's identity).
 */
import { z } from 'zod';
import { ENTITY_KINDS, ROLES } from '../vocabulary';
import { def, empty, isoTime } from './define';
import { ChainIdSchema } from './schemas';

const NodeRoleSchema = z.enum(ROLES);
const address = z.string().trim().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, { error: 'an address is host:port' }).max(300);

/** One own transaction of the offline queue: signed here, not yet in a committed block. */
export const PendingTxSchema = z.object({
  txId: z.string(),
  chain: ChainIdSchema,
  kind: z.string(),
  /** pending: not yet handed to a validator; submitted: handed over, not yet committed. */
  status: z.enum(['pending', 'submitted']),
  createdAt: isoTime,
});

export const NetworkStatusSchema = z.object({
  /** The node runs with peers (peer server, catch-up, relay); false for the demo's nodes seen from here. */
  running: z.boolean(),
  network: z.string().nullable(),
  /** host:port where this node serves peers. */
  address: z.string().nullable(),
  /** This node's TLS certificate fingerprint. */
  fingerprint: z.string().nullable(),
  /** Whether some pinned peer answered in the last round (null: none asked yet). */
  online: z.boolean().nullable(),
  /** A hospital holding all three chains hands out invites and admits nodes. */
  canInvite: z.boolean(),
  joined: z.object({ network: z.string(), at: isoTime, via: z.string() }).nullable(),
  /** The `trichain-peer:` line a joined node hands back to the hospital that invited it. */
  peerLine: z.string().optional(),
  peers: z.array(z.object({
    name: z.string(),
    role: NodeRoleSchema,
    address: z.string(),
    fingerprint: z.string(),
    source: z.enum(['invite', 'join', 'manual']),
    bad: z.string().optional(),
    reachable: z.boolean().nullable(),
    lastContact: isoTime.optional(),
    downSince: isoTime.optional(),
    reason: z.string().optional(),
  })),
  pending: z.array(PendingTxSchema),
  /** Own transactions the network refused (newest first), with the rule's reason. */
  refused: z.array(z.object({ txId: z.string(), chain: ChainIdSchema, kind: z.string(), createdAt: isoTime, reason: z.string() })),
});
export type NetworkStatus = z.infer<typeof NetworkStatusSchema>;

export const networkSigned = {
  'network.admit': def({
    signed: true,
    description: 'Admit a node that joined through this hospital\'s invite: pin it and register it on the chains its role replicates (as `trichain admit`).',
    request: z.object({
      peerLine: z.string().trim().min(1, { error: 'paste the peer line the joining node shows' }).max(10_000),
      /** For an outside organization: what kind it is. */
      kind: z.enum(ENTITY_KINDS).optional(),
      /** Where the joining node serves peers (its Network page shows it): a hospital or workstation whose records this validator fetches. */
      address: address.optional(),
    }).strict(),
    response: z.object({
      peer: z.object({ name: z.string(), role: NodeRoleSchema, fingerprint: z.string() }),
      registered: z.array(z.object({ chain: ChainIdSchema, status: z.enum(['already-member', 'committed', 'pending']), height: z.number().int().nonnegative().optional() })),
    }),
  }),
  'network.enrol': def({
    signed: true,
    description: 'Enrol a patient\'s laptop (as `trichain enrol`): register the key the laptop made on the patient chain and wrap this hospital\'s records of that patient for it.',
    request: z.object({
      /** The patient as this hospital knows them (the id its patient list and chart use). */
      patientId: z.string().min(1).max(200),
      /** The laptop's `trichain-enrol:` request or its `trichain-peer:` line (public keys and proofs only). */
      request: z.string().trim().min(1, { error: 'paste the enrolment request the patient\'s laptop shows' }).max(10_000),
    }).strict(),
    response: z.object({ patientId: z.string(), registered: z.string(), linked: z.number().int().nonnegative() }),
  }),
} as const;

export const networkMethods = {
  'network.status': def({
    description: 'This node in its network: address, peers and whether they answer, the offline queue, refused transactions.',
    request: empty,
    response: NetworkStatusSchema,
  }),
  'network.invite': def({
    description: 'An invite to this hospital\'s network, as text and as a QR code (good for 7 days).',
    request: z.object({ address: address.optional() }).strict(),
    response: z.object({ invite: z.string(), qrSvg: z.string(), network: z.string(), address: z.string(), expiresAt: isoTime }),
  }),
} as const;
