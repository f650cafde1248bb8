/**
 * Identities: every key a node or a patient holds, derived from one 32-byte random seed.
 *
 * Every key is derived from the seed with HKDF-SHA-256 (RFC 5869, empty salt, L = 32) under a
 * distinct info string:
 *   BLS secret key  = KeyGen(HKDF(seed, "trichain/bls"))   (draft-irtf-cfrg-bls-signature-05 §2.3)
 *   X25519 secret   = HKDF(seed, "trichain/x25519")         (RFC 7748 clamps it on use)
 *   grantee key     = KeyGen(HKDF(seed, "trichain/grantee/v1/" + granteeId))
 * The seed is also the entropy of the 24-word BIP-39 recovery phrase. How an identity is stored
 * under a passphrase is ./keystore.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { entropyToMnemonic, mnemonicToEntropy, validateMnemonic } from '@scure/bip39';
import { wordlist as english } from '@scure/bip39/wordlists/english.js';
import { randomBytes } from 'node:crypto';
import { toHex, utf8 } from '../codec/hex';
import { defaultBls } from './bls';
import type { BlsApi } from './bls-types';
import { X25519_KEY_LENGTH, x25519PublicKey } from './envelope';

export const SEED_LENGTH = 32;
export const INFO_BLS = 'trichain/bls';
export const INFO_X25519 = 'trichain/x25519';
/** Prefix of the HKDF info string of a per-grantee patient key (followed by the grantee id). */
export const INFO_GRANTEE = 'trichain/grantee/v1/';

export interface IdentityMeta {
  name: string;
  role: string;
  /** ISO 8601 creation time. */
  created: string;
}

export type KeystoreErrorCode = 'WRONG_PASSPHRASE' | 'CORRUPT' | 'UNSUPPORTED' | 'INVALID_ARGUMENT' | 'IO';

export class KeystoreError extends Error {
  constructor(
    message: string,
    readonly code: KeystoreErrorCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KeystoreError';
  }
}

export interface Identity {
  readonly meta: Readonly<IdentityMeta>;
  readonly blsSecretKey: Uint8Array;
  readonly blsPublicKey: Uint8Array;
  readonly x25519SecretKey: Uint8Array;
  readonly x25519PublicKey: Uint8Array;
  /** BLS signature (POP ciphersuite) over msg with this identity's key. */
  sign(msg: Uint8Array): Uint8Array;
  /** BLS proof of possession of blsPublicKey, for registration on a chain. */
  proofOfPossession(): Uint8Array;
}

/** Seeds live here, not on the object, so they are never enumerated, logged or serialized. */
const seeds = new WeakMap<Identity, Uint8Array>();

/** The seed of an identity made here (createIdentity, identityFromSeed, identityFromPhrase). */
export function seedOf(identity: Identity): Uint8Array {
  const seed = seeds.get(identity);
  if (!seed) throw new KeystoreError('keystore: not an identity made by createIdentity/loadKeystore', 'INVALID_ARGUMENT');
  return seed;
}

export function checkMeta(m: unknown, code: KeystoreErrorCode): IdentityMeta {
  const fail = (why: string) => new KeystoreError(`keystore: meta ${why}`, code);
  if (m === null || typeof m !== 'object' || Array.isArray(m)) throw fail('must be an object');
  const o = m as Record<string, unknown>;
  for (const k of ['name', 'role', 'created'] as const) if (typeof o[k] !== 'string') throw fail(`.${k} must be a string`);
  if ((o.name as string).length === 0) throw fail('.name must not be empty');
  if (Number.isNaN(Date.parse(o.created as string))) throw fail('.created must be an ISO 8601 date');
  return { name: o.name as string, role: o.role as string, created: o.created as string };
}

/** Rebuilds an identity from its seed (deterministic). */
export function identityFromSeed(seed: Uint8Array, meta: IdentityMeta, bls: BlsApi = defaultBls()): Identity {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_LENGTH) throw new KeystoreError(`keystore: seed must be ${SEED_LENGTH} bytes`, 'INVALID_ARGUMENT');
  const m = Object.freeze(checkMeta(meta, 'INVALID_ARGUMENT'));
  const s = seed.slice();
  const blsIkm = hkdf(sha256, s, undefined, utf8(INFO_BLS), 32);
  const blsSecretKey = bls.keygen(blsIkm);
  blsIkm.fill(0);
  const blsPublicKey = bls.publicKey(blsSecretKey);
  const x25519SecretKey = hkdf(sha256, s, undefined, utf8(INFO_X25519), X25519_KEY_LENGTH);
  const x25519Pub = x25519PublicKey(x25519SecretKey);
  const id: Identity = Object.freeze({
    meta: m,
    blsSecretKey,
    blsPublicKey,
    x25519SecretKey,
    x25519PublicKey: x25519Pub,
    sign: (msg: Uint8Array) => bls.sign(blsSecretKey, msg),
    proofOfPossession: () => bls.popProve(blsSecretKey),
    toJSON: () => ({ meta: m, publicKeys: { bls: toHex(blsPublicKey), x25519: toHex(x25519Pub) } }),
    [Symbol.for('nodejs.util.inspect.custom')]: () => `Identity(${m.name}, ${m.role}, bls ${toHex(blsPublicKey).slice(0, 16)}…)`,
  });
  seeds.set(id, s);
  return id;
}

/**
 * The identity's seed as a BIP-39 recovery phrase (24 English words: the 32-byte seed is the
 * phrase's entropy, so the phrase restores exactly this identity). Shown to the patient once.
 */
export function recoveryPhrase(identity: Identity): string {
  return entropyToMnemonic(seedOf(identity), english);
}

/** Rebuilds an identity from its recovery phrase; a mistyped word or a wrong checksum is refused. */
export function identityFromPhrase(phrase: string, meta: IdentityMeta, bls: BlsApi = defaultBls()): Identity {
  const words = String(phrase ?? '').normalize('NFKD').trim().toLowerCase().split(/\s+/).join(' ');
  if (words.split(' ').length !== 24 || !validateMnemonic(words, english))
    throw new KeystoreError('recovery phrase is not valid: 24 words from the BIP-39 English list, as written down', 'INVALID_ARGUMENT');
  const seed = mnemonicToEntropy(words, english);
  try {
    return identityFromSeed(seed, meta, bls);
  } finally {
    seed.fill(0);
  }
}

/** A BLS key pair derived from an identity's seed for one purpose; the secret never leaves the node. */
export interface DerivedKey {
  readonly pk: Uint8Array;
  readonly sk: Uint8Array;
  sign(msg: Uint8Array): Uint8Array;
  proofOfPossession(): Uint8Array;
}

/**
 * A patient's key for one grantee (DESIGN.md §5): BLS KeyGen(HKDF(seed, "trichain/grantee/v1/" +
 * granteeId)). Deterministic, so a restored identity signs with the same keys; unlinkable to the
 * main key and to every other grantee's key without the seed.
 */
export function deriveGranteeKey(identity: Identity, granteeId: string, bls: BlsApi = defaultBls()): DerivedKey {
  const seed = seedOf(identity);
  if (typeof granteeId !== 'string' || granteeId.length === 0 || granteeId.length > 200) throw new KeystoreError('keystore: grantee id must be 1 to 200 characters', 'INVALID_ARGUMENT');
  const ikm = hkdf(sha256, seed, undefined, utf8(INFO_GRANTEE + granteeId), 32);
  const sk = bls.keygen(ikm);
  ikm.fill(0);
  const pk = bls.publicKey(sk);
  return Object.freeze({
    pk,
    sk,
    sign: (msg: Uint8Array) => bls.sign(sk, msg),
    proofOfPossession: () => bls.popProve(sk),
    toJSON: () => ({ pk: toHex(pk) }),
    [Symbol.for('nodejs.util.inspect.custom')]: () => `DerivedKey(${toHex(pk).slice(0, 16)}…)`,
  });
}

/** A new identity from 32 fresh random bytes. `created` defaults to now. */
export function createIdentity(meta: { name: string; role: string; created?: string }, bls: BlsApi = defaultBls()): Identity {
  const seed = new Uint8Array(randomBytes(SEED_LENGTH));
  try {
    return identityFromSeed(seed, { name: meta?.name, role: meta?.role, created: meta?.created ?? new Date().toISOString() }, bls);
  } finally {
    seed.fill(0);
  }
}
