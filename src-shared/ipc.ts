/**
 * Transport constants without any dependency (the sandboxed Electron preload imports this and must
 * stay tiny). api.ts re-exports them; test/shared/api.test.ts checks EVENT_NAME_LIST against the contract.
 */
export const IPC = { call: 'trichain:call', event: 'trichain:event' } as const;
/** Header carrying the browser-host session token. */
export const TOKEN_HEADER = 'x-trichain-token';
/** Largest request body the host accepts (a big FHIR bundle). */
export const MAX_BODY_BYTES = 20 * 1024 * 1024;
/** The line the host prints when it serves, for scripts and tests to wait on. */
export const READY_PREFIX = 'TRICHAIN_READY';
/** Names of the events pushed to the UI. */
export const EVENT_NAME_LIST = ['import.progress', 'blobs.fetched', 'chain.updated', 'sync.progress', 'tx.pending'] as const;
