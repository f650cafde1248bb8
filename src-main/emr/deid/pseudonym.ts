/**
 * Keyed, per-entity pseudonyms for FHIR resource ids.
 *
 *   pseudonym = hex(HMAC-SHA256(pseudonymKey, utf8(entityId + "|" + "Type/originalId")))[0:32]
 *
 * - Stable: the same provider key, entity and resource always give the same pseudonym, so one
 *   entity can link the packages it receives about the same patient from this provider.
 * - Unlinkable across entities: entity A's and entity B's pseudonyms for the same patient are
 *   outputs of a PRF under a key neither holds; mapping one to the other (or back to the original
 *   id) needs the provider's key.
 * - 128 bits (32 hex chars) of output: collisions are negligible for any realistic package.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex, utf8 } from '../../codec/hex';

export const PSEUDONYM_KEY_BYTES = 32;
export const PSEUDONYM_HEX_CHARS = 32;

export function checkPseudonymInputs(pseudonymKey: Uint8Array, entityId: string): void {
  if (!(pseudonymKey instanceof Uint8Array) || pseudonymKey.length !== PSEUDONYM_KEY_BYTES) {
    throw new Error(`pseudonym: pseudonymKey must be ${PSEUDONYM_KEY_BYTES} bytes`);
  }
  if (typeof entityId !== 'string' || entityId.length === 0) throw new Error('pseudonym: entityId must be a non-empty string');
  // "|" separates entity and resource key in the MAC input; forbidding it keeps the encoding injective.
  if (entityId.includes('|')) throw new Error('pseudonym: entityId must not contain "|"');
}

/** Pseudonym for `typeAndId` ("Type/originalId", or a conditional reference string) for one entity. */
export function pseudonym(pseudonymKey: Uint8Array, entityId: string, typeAndId: string): string {
  checkPseudonymInputs(pseudonymKey, entityId);
  return rawPseudonym(pseudonymKey, entityId, typeAndId);
}

function rawPseudonym(pseudonymKey: Uint8Array, entityId: string, typeAndId: string): string {
  return toHex(hmac(sha256, pseudonymKey, utf8(`${entityId}|${typeAndId}`))).slice(0, PSEUDONYM_HEX_CHARS);
}

/** The pseudonymous id an entity sees for a patient (the id of the de-identified Patient resource). */
export function patientPseudonym(pseudonymKey: Uint8Array, entityId: string, patientId: string): string {
  return pseudonym(pseudonymKey, entityId, `Patient/${patientId}`);
}

/** A memoizing pseudonymizer for one (key, entity) pair; inputs are checked once. */
export function pseudonymizer(pseudonymKey: Uint8Array, entityId: string): (typeAndId: string) => string {
  checkPseudonymInputs(pseudonymKey, entityId);
  const key = new Uint8Array(pseudonymKey); // private copy: later changes by the caller do not matter
  const cache = new Map<string, string>();
  return (typeAndId: string) => {
    let p = cache.get(typeAndId);
    if (p === undefined) {
      p = rawPseudonym(key, entityId, typeAndId);
      cache.set(typeAndId, p);
    }
    return p;
  };
}
