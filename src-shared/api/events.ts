/**
 * Events the node pushes to the UI, each with its payload schema.
 */
import { z } from 'zod';
import { id } from './define';
import { ChainIdSchema } from './schemas';

export const EVENTS = {
  'import.progress': z.object({
    importId: id,
    phase: z.enum(['parsing', 'classifying', 'encrypting', 'anchoring', 'done', 'failed']),
    done: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
    message: z.string().optional(),
  }),
  /** Ciphertexts this node fetched from its peers (records, packages): what they unlock is readable now. */
  'blobs.fetched': z.object({ count: z.number().int().positive() }),
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
