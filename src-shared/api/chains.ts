/**
 * The chains area: each chain's status, the block explorer, and the measured size of signatures.
 */
import { z } from 'zod';
import { def, empty, hex, isoTime } from './define';
import { BlockSummarySchema, ChainIdSchema } from './schemas';

/** What one storage.signatures call may ask for: parties per row, rows, and signatures in all. */
export const MAX_REPORT_PARTIES = 64;
export const MAX_REPORT_ROWS = 12;
export const MAX_REPORT_SIGNATURES = 256;

export const chainsMethods = {
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
    request: z.object({
      parties: z.array(z.number().int().min(1).max(MAX_REPORT_PARTIES)).max(MAX_REPORT_ROWS)
        .refine((ps) => ps.reduce((n, k) => n + k, 0) <= MAX_REPORT_SIGNATURES, { error: `at most ${MAX_REPORT_SIGNATURES} signatures in all` }).optional(),
    }).strict(),
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
} as const;
