/**
 * Entry point for BLS signatures (ciphersuite BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_,
 * draft-irtf-cfrg-bls-signature-05). Two interchangeable backends implement BlsApi byte for byte:
 * 'blst' (native, fast) and 'noble' (pure JS, always available).
 *
 * Selection without an argument: env TRICHAIN_BLS=noble|blst forces one (forcing blst where it
 * cannot load throws); otherwise blst if its native binding loads, else noble.
 */
import { createBlstBls, loadBlst, tryLoadBlst } from './bls-blst';
import { createNobleBls } from './bls-noble';
import type { BlsApi, BlsBackendName } from './bls-types';

export * from './bls-types';

export const BLS_BACKEND_ENV = 'TRICHAIN_BLS';

/** True if the native blst binding loads on this machine. */
export function blstAvailable(): boolean {
  return 'lib' in tryLoadBlst();
}

/** The backend createBls() would pick with no argument, given the environment. */
export function resolveBlsBackend(env: NodeJS.ProcessEnv = process.env): BlsBackendName {
  const forced = env[BLS_BACKEND_ENV];
  if (forced !== undefined && forced !== '') {
    if (forced !== 'noble' && forced !== 'blst') throw new Error(`bls: ${BLS_BACKEND_ENV} must be "noble" or "blst", got "${forced}"`);
    return forced;
  }
  return blstAvailable() ? 'blst' : 'noble';
}

export function createBls(backend?: BlsBackendName): BlsApi {
  const name = backend ?? resolveBlsBackend();
  switch (name) {
    case 'noble':
      return createNobleBls();
    case 'blst':
      return createBlstBls(loadBlst()); // throws a clear error if the binding cannot load
    default:
      throw new Error(`bls: unknown backend "${String(name)}" (expected "noble" or "blst")`);
  }
}

let memo: BlsApi | undefined;

/** The process-wide BLS instance (created once, by createBls() with no argument). */
export function defaultBls(): BlsApi {
  return (memo ??= createBls());
}
