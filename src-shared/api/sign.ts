/**
 * Signing: the table of every signed method (each area's own), the sign.prepare action and the
 * sign.confirm result derived from it, and the three sign.* methods. A new signed method is one
 * entry in its area's signed table (its request and response schemas); nothing here changes.
 */
import { z } from 'zod';
import { def, id, isoTime } from './define';
import { SignSummarySchema } from './schemas';
import { sessionSigned } from './session';
import { recordsSigned } from './records';
import { consentsSigned } from './consents';
import { sharesSigned } from './shares';
import { networkSigned } from './network';

/** Every method that writes a signed transaction, reachable from the renderer only through sign.prepare/confirm. */
export const signedMethods = { ...sessionSigned, ...recordsSigned, ...consentsSigned, ...sharesSigned, ...networkSigned } as const;

type Signed = typeof signedMethods;
type SignedName = keyof Signed;
/** One option per signed method, so that `method` tells which input (or value) goes with it. */
type Option<K extends 'input' | 'value', S extends 'request' | 'response'> = { [M in SignedName]: z.ZodObject<{ method: z.ZodLiteral<M> } & { [_ in K]: Signed[M][S] }> }[SignedName];
type Options<O> = readonly [O, ...O[]];

const SIGNED_NAMES = Object.keys(signedMethods) as SignedName[];
// The options are built from the table; their types (one per method) are stated by Option above.
const actionOptions = SIGNED_NAMES.map((m) => z.object({ method: z.literal(m), input: signedMethods[m].request }));
const resultOptions = SIGNED_NAMES.map((m) => z.object({ method: z.literal(m), value: signedMethods[m].response }));

/** What sign.prepare takes: `{ method, input }` for one signed method. */
export const SignActionSchema = z.discriminatedUnion('method', actionOptions as unknown as Options<Option<'input', 'request'>>);
export type SignAction = z.infer<typeof SignActionSchema>;

/** What sign.confirm answers: `{ method, value }`, the signed method's own answer. */
export const SignResultSchema = z.discriminatedUnion('method', resultOptions as unknown as Options<Option<'value', 'response'>>);
export type SignResult = z.infer<typeof SignResultSchema>;

export const signMethods = {
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
