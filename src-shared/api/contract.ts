/**
 * The contract: every method of every area in one table, and the types derived from it.
 */
import type { z } from 'zod';
import { sessionMethods } from './session';
import { recordsMethods } from './records';
import { consentsMethods } from './consents';
import { sharesMethods } from './shares';
import { chainsMethods } from './chains';
import { networkMethods } from './network';
import { demoMethods } from './demo';
import { signedMethods, signMethods } from './sign';

export const CONTRACT = {
  ...sessionMethods,
  ...signedMethods,
  ...recordsMethods,
  ...consentsMethods,
  ...sharesMethods,
  ...chainsMethods,
  ...networkMethods,
  ...demoMethods,
  ...signMethods,
} as const;

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

