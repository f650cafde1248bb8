/**
 * The demo area: what a trainer does to the demo consortium itself. Its validators (the four
 * hospitals of the hospital and social chains, St Mary alone on the patient chain), and stopping
 * and starting one of them to show the chains commit with three of four signers and that it catches
 * up. Only in demo mode: FORBIDDEN otherwise.
 */
import { z } from 'zod';
import { def, empty } from './define';
import { ChainIdSchema } from './schemas';

/** The demo nodes that validate a chain (src-main/app/demo.ts, demo-quorum.ts). */
export const DEMO_VALIDATOR_IDS = ['stMary', 'riverside', 'northside', 'lakeside'] as const;
export const DemoValidatorIdSchema = z.enum(DEMO_VALIDATOR_IDS);

export const DemoValidatorsSchema = z.object({
  validators: z.array(z.object({
    id: DemoValidatorIdSchema,
    name: z.string(),
    /** The chains whose validator set holds it. */
    chains: z.array(ChainIdSchema),
    /** Its peer server, sync and consensus run (false: stopped by the trainer). */
    running: z.boolean(),
    /** Blocks it lacks on its chains, against St Mary's replica (0: caught up). */
    behind: z.number().int().nonnegative(),
    /** Why it cannot be stopped from here, if it cannot. */
    cannotStop: z.string().optional(),
  })),
  chains: z.array(z.object({
    chain: ChainIdSchema,
    validators: z.number().int().nonnegative(),
    quorum: z.number().int().nonnegative(),
    /** The newest block with a certificate, as St Mary holds it: its height and who signed it. */
    lastBlock: z.object({ height: z.number().int().nonnegative(), signers: z.array(z.string()) }).optional(),
  })),
});

export const demoMethods = {
  'demo.validators': def({
    description: 'The demo\'s validators, each running or stopped, and per chain the signers of its newest block.',
    request: empty,
    response: DemoValidatorsSchema,
  }),
  'demo.stopValidator': def({
    description: 'Stop one validator of the demo (its peer server, sync and consensus; its data stays): the others keep committing with 3 of 4 signers. One at a time.',
    request: z.object({ id: DemoValidatorIdSchema }).strict(),
    response: DemoValidatorsSchema,
  }),
  'demo.startValidator': def({
    description: 'Start a stopped validator of the demo again: it catches up and signs again.',
    request: z.object({ id: DemoValidatorIdSchema }).strict(),
    response: DemoValidatorsSchema,
  }),
} as const;
