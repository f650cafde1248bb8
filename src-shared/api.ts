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
 * No response schema can carry a field named like secret key material (see test/shared/api.test.ts), and
 * responses are parsed through their schemas before they leave the node, which strips unknown keys.
 *
 * This module is pure (zod only) and is imported by the renderer, the host, Electron and the node.
 * It gathers the contract's parts under ./api/: one file per area (session, records, consents,
 * shares, chains), each with its methods and its signed methods; the shared shapes (schemas.ts);
 * signing (sign.ts), the table (contract.ts), envelopes and dispatch (envelope.ts), events.
 */
import type { ApiInput, ApiOutput, RendererMethod } from './api/contract';
import type { Envelope } from './api/envelope';
import type { EventName, EventPayload } from './api/events';

// Vocabulary: defined once in ./vocabulary (shared with the node), re-exported for the UI
// (UserRole: the UI's session roles, clinician, patient, entity; a node's role is vocabulary's Role).
export { CATEGORIES, ENTITY_KINDS, PURPOSE_CODES, SENSITIVITY_CODES, USER_ROLES, purposeLabel } from './vocabulary';
export type { Category, ChainId, Confidentiality, EntityKind, FhirResource, PurposeCode, SensitivityCode, UserRole } from './vocabulary';
export { PurposeSchema, MAX_TEXT_CHARS, todayUtc } from './validation';

export * from './api/schemas';
export * from './api/chart';
export { SignActionSchema, SignResultSchema, type SignAction, type SignResult } from './api/sign';
export * from './api/contract';
export * from './api/envelope';
export * from './api/events';
export { DEMO_VALIDATOR_IDS } from './api/demo';

/** The bridge the Electron preload exposes as window.trichain (and the HTTP bridge implements). */
export interface TrichainBridge {
  call<M extends RendererMethod>(method: M, input: ApiInput<M>): Promise<Envelope<ApiOutput<M>>>;
  on<E extends EventName>(event: E, cb: (payload: EventPayload<E>) => void): () => void;
}

export { IPC, TOKEN_HEADER, MAX_BODY_BYTES, READY_PREFIX, EVENT_NAME_LIST } from './ipc';
