/**
 * The BLS signature interface, ciphersuite BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_
 * (draft-irtf-cfrg-bls-signature-05 §4.2.3): public keys are 48-byte compressed G1 points,
 * signatures 96-byte compressed G2 points, secret keys 32-byte big-endian scalars.
 * Two backends implement it (noble: pure JS; blst: native) and must agree byte for byte.
 */
export const BLS_DST_SIG = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
export const BLS_DST_POP = 'BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
export const SECRET_KEY_LENGTH = 32;
export const PUBLIC_KEY_LENGTH = 48;
export const SIGNATURE_LENGTH = 96;

export type BlsBackendName = 'noble' | 'blst';

export interface BatchItem {
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
}

export interface BlsApi {
  readonly backend: BlsBackendName;
  /** IETF KeyGen (HKDF-based); ikm must be at least 32 bytes. */
  keygen(ikm: Uint8Array): Uint8Array;
  publicKey(sk: Uint8Array): Uint8Array;
  sign(sk: Uint8Array, msg: Uint8Array): Uint8Array;
  /** False (never throws) on malformed, infinity or wrong-length inputs. */
  verify(pk: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean;
  /**
   * Throws a clear error on an empty list or an invalid encoding.
   * Each input is subgroup-checked. The identity (0xc0, then zeros) is a valid encoding, as the
   * Ethereum test suites define it: aggregate([∞]) returns ∞, and a sum equal to the identity is
   * returned as ∞; every verifier still returns false for it.
   */
  aggregate(sigs: Uint8Array[]): Uint8Array;
  /**
   * Throws a clear error on an empty list or an invalid encoding.
   * Each input must pass KeyValidate; a sum equal to the identity is refused. No rogue-key
   * protection by itself: aggregate only PoP-checked keys (see pop-registry.ts).
   */
  aggregatePublicKeys(pks: Uint8Array[]): Uint8Array;
  /** Distinct-or-not messages signed by distinct keys: e(g1, σ) = Π e(pk_i, H(m_i)). False on bad input. */
  aggregateVerify(pks: Uint8Array[], msgs: Uint8Array[], sig: Uint8Array): boolean;
  /** One message signed by many keys (requires proofs of possession). False on bad input. */
  fastAggregateVerify(pks: Uint8Array[], msg: Uint8Array, sig: Uint8Array): boolean;
  /** PopProve (draft-05 §3.3.2): SK · H(PK) under DST BLS_DST_POP. The blst backend computes it with noble (the binding has no DST parameter). */
  popProve(sk: Uint8Array): Uint8Array;
  popVerify(pk: Uint8Array, proof: Uint8Array): boolean;
  /** Many independent signatures at once, with random scalars. False on bad input or any invalid item. */
  batchVerify(items: BatchItem[]): boolean;
}
