/**
 * Rogue-key defence by proof of possession (draft-irtf-cfrg-bls-signature-05 §3.3).
 *
 * FastAggregateVerify sums public keys, so a key chosen as pk_rogue = g1·x − pk_victim makes
 * the pair {victim, rogue} aggregate to g1·x, whose secret x the attacker knows: one signature
 * x·H(m) then "proves" that both signed m. The attacker cannot make a PoP for pk_rogue, since it
 * does not know its discrete log. Keys therefore enter Trichain (validators, providers, entities)
 * only through registerKey(), which demands a valid PoP, and aggregate keys are only built from
 * registered keys (verifiedAggregateKey / PopRegistry.aggregate).
 */
import { toHex } from '../codec/hex';
import { defaultBls } from './bls';
import { PUBLIC_KEY_LENGTH, type BlsApi } from './bls-types';

export class PopError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PopError';
  }
}

/** A public key whose proof of possession has been checked. Only registerKey() makes one. */
export interface RegisteredKey {
  readonly publicKey: Uint8Array;
  readonly proof: Uint8Array;
}

const registered = new WeakSet<RegisteredKey>();

/**
 * Checks `pop` for `pk` (PopVerify, which includes KeyValidate) and returns a registered key.
 * Throws PopError if the key is malformed or the proof does not verify.
 */
export function registerKey(pk: Uint8Array, pop: Uint8Array, bls: BlsApi = defaultBls()): RegisteredKey {
  if (!(pk instanceof Uint8Array) || pk.length !== PUBLIC_KEY_LENGTH) throw new PopError(`pop: public key must be ${PUBLIC_KEY_LENGTH} bytes`);
  if (!bls.popVerify(pk, pop)) throw new PopError(`pop: invalid proof of possession for key ${toHex(pk).slice(0, 16)}…`);
  const key: RegisteredKey = Object.freeze({ publicKey: pk.slice(), proof: pop.slice() });
  registered.add(key);
  return key;
}

export function isRegisteredKey(k: unknown): k is RegisteredKey {
  return typeof k === 'object' && k !== null && registered.has(k as RegisteredKey);
}

/**
 * Aggregate public key of PoP-verified keys, the only input that makes fastAggregateVerify
 * sound. Accepts RegisteredKey objects, or raw {publicKey, proof} pairs that are checked here.
 */
export function verifiedAggregateKey(keys: ReadonlyArray<RegisteredKey | { publicKey: Uint8Array; proof: Uint8Array }>, bls: BlsApi = defaultBls()): Uint8Array {
  if (!Array.isArray(keys) || keys.length === 0) throw new PopError('pop: no keys to aggregate');
  const pks = keys.map((k) => (isRegisteredKey(k) ? k.publicKey : registerKey(k.publicKey, k.proof, bls).publicKey));
  return bls.aggregatePublicKeys(pks);
}

/** A set of registered keys indexed by hex, e.g. one chain's validator set. */
export class PopRegistry {
  private readonly keys = new Map<string, RegisteredKey>();
  constructor(private readonly bls: BlsApi = defaultBls()) {}

  /** Registers `pk` if `pop` verifies; throws PopError otherwise. Idempotent for a known key. */
  register(pk: Uint8Array, pop: Uint8Array): RegisteredKey {
    const id = pk instanceof Uint8Array ? toHex(pk) : '';
    const known = this.keys.get(id);
    if (known) return known;
    const k = registerKey(pk, pop, this.bls);
    this.keys.set(id, k);
    return k;
  }

  has(pk: Uint8Array): boolean {
    return this.keys.has(toHex(pk));
  }

  get size(): number {
    return this.keys.size;
  }

  /** Aggregate of registered keys only; throws PopError naming the first unregistered key. */
  aggregate(pks: Uint8Array[]): Uint8Array {
    if (!Array.isArray(pks) || pks.length === 0) throw new PopError('pop: no keys to aggregate');
    for (const pk of pks) if (!this.has(pk)) throw new PopError(`pop: key ${toHex(pk).slice(0, 16)}… is not registered`);
    return this.bls.aggregatePublicKeys(pks);
  }

  /** fastAggregateVerify restricted to registered keys: false if any key is not registered. */
  fastAggregateVerify(pks: Uint8Array[], msg: Uint8Array, sig: Uint8Array): boolean {
    if (!Array.isArray(pks) || pks.length === 0 || !pks.every((pk) => pk instanceof Uint8Array && this.has(pk))) return false;
    return this.bls.fastAggregateVerify(pks, msg, sig);
  }
}
