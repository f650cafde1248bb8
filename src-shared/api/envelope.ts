/**
 * Answers and errors: the envelope every answer travels in, request and response validation, and
 * the one dispatch path every transport uses.
 */
import { z } from 'zod';
import { CONTRACT, isApiMethod, isSignedMethod, type ApiHandlers, type ApiMethod, type ApiOutput, type ApiRequest } from './contract';


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
