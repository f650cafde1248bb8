/**
 * Every chain's rules, by transaction type, and the types derived from them: the body each
 * transaction type takes (its rule's zod schema), so that submitting one is checked when compiled
 * (node.submit) and a body read back from a chain is parsed with its schema (parseBody), not cast.
 */
import type { ChainId } from '../types';
import { hospitalRules } from './hospital';
import { patientRules } from './patient';
import { releaseRules } from './release';
import { socialRules } from './social';
import type { ChainRules, TxRule } from './types';

const CHAIN_RULES = {
  hospital: { ...hospitalRules, ...releaseRules },
  patient: patientRules,
  social: socialRules,
} satisfies Record<ChainId, ChainRules>;

export const RULES: Record<ChainId, ChainRules> = CHAIN_RULES;

type Rules = typeof CHAIN_RULES;
type BodyOf<R> = R extends TxRule<infer B> ? B : never;

/** The transaction types of a chain. */
export type TxType<C extends ChainId> = keyof Rules[C] & string;
/** The body of a transaction type, as its rule's schema describes it. */
export type TxBody<C extends ChainId, T extends TxType<C>> = BodyOf<Rules[C][T]>;

/** A body read from a chain, parsed with its type's schema: null when it does not fit. */
export function parseBody<C extends ChainId, T extends TxType<C>>(chain: C, type: T, body: unknown): TxBody<C, T> | null {
  const rule = (CHAIN_RULES[chain] as Record<string, TxRule<unknown>>)[type];
  const r = rule?.body.safeParse(body);
  return r?.success ? (r.data as TxBody<C, T>) : null;
}
