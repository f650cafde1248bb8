/**
 * The identity binding statement (Syncthing's device-ID model, DESIGN.md §4): a node signs, with
 * its BLS key, the SHA-256 fingerprint of its TLS certificate together with its BLS public key,
 * role and name. A peer is accepted only if
 *   1. the fingerprint its TLS handshake presented equals the statement's fingerprint, and
 *   2. the statement's signature verifies under the statement's BLS key, and
 *   3. that BLS key is one the local node already knows (a member registered on a chain, or a
 *      peer pinned from an invite), with the same role.
 * Signed bytes: domainBytes('net/binding', { fingerprint (32 bytes), blsPk, role, name, time }).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesEqual, canonicalDecode, canonicalEncode, domainBytes } from '../codec/canonical';
import { fromB64u, fromHex, toB64u, toHex } from '../codec/hex';
import type { BlsApi } from '../crypto/bls-types';
import { PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH } from '../crypto/bls-types';
import { isChainId, type ChainId } from '../ledger/types';
import { fingerprintsEqual, isFingerprint } from './tls';
import { isRole, type PeerIdentity, type Role } from './types';

export const BINDING_DOMAIN = 'net/binding';
export const BINDING_PREFIX = 'trichain-peer:';
const NAME_MAX = 128;

export interface BindingStatement {
  /** SHA-256 of the DER certificate, lowercase hex. */
  fingerprint: string;
  blsPk: Uint8Array;
  role: Role;
  name: string;
  /** Milliseconds since the epoch when the statement was made. */
  time: number;
  /**
   * The node's X25519 public key (32 bytes), present in a join request so that the admitting
   * node can register the joiner as a member; signed with the rest of the statement.
   */
  x25519Pk?: Uint8Array;
}

export interface SignedBinding {
  statement: BindingStatement;
  signature: Uint8Array;
  /** Proof of possession of the BLS key (self-verifying; needed by member.register). */
  pop?: Uint8Array;
}

/** What the local node knows about a BLS key (from chain membership or a pinned invite). */
export interface KnownKey {
  role: Role;
  name: string;
  validatorOf: ChainId[];
}

function checkStatementShape(s: BindingStatement): void {
  if (!s || typeof s !== 'object') throw new Error('binding: statement missing');
  if (!isFingerprint(s.fingerprint)) throw new Error('binding: fingerprint must be 64 lowercase hex characters');
  if (!(s.blsPk instanceof Uint8Array) || s.blsPk.length !== PUBLIC_KEY_LENGTH) throw new Error(`binding: blsPk must be ${PUBLIC_KEY_LENGTH} bytes`);
  if (!isRole(s.role)) throw new Error('binding: unknown role');
  if (typeof s.name !== 'string' || s.name.length === 0 || s.name.length > NAME_MAX) throw new Error(`binding: name must be 1..${NAME_MAX} characters`);
  if (!Number.isSafeInteger(s.time) || s.time < 0) throw new Error('binding: time must be a non-negative integer');
  if (s.x25519Pk !== undefined && (!(s.x25519Pk instanceof Uint8Array) || s.x25519Pk.length !== 32)) throw new Error('binding: x25519Pk must be 32 bytes');
}

/** The exact bytes signed for a statement. */
export function bindingBytes(s: BindingStatement): Uint8Array {
  checkStatementShape(s);
  return domainBytes(BINDING_DOMAIN, {
    fingerprint: fromHex(s.fingerprint, 32),
    blsPk: s.blsPk,
    role: s.role,
    name: s.name,
    time: s.time,
    ...(s.x25519Pk ? { x25519Pk: s.x25519Pk } : {}),
  });
}

export function signBinding(bls: BlsApi, blsSecretKey: Uint8Array, statement: BindingStatement): SignedBinding {
  if (!bytesEqual(bls.publicKey(blsSecretKey), statement.blsPk)) throw new Error('binding: secret key does not match the statement blsPk');
  return { statement: { ...statement }, signature: bls.sign(blsSecretKey, bindingBytes(statement)) };
}

/** True iff the statement is well-formed and its signature verifies under its own BLS key. */
export function verifyBinding(bls: BlsApi, signed: SignedBinding): boolean {
  try {
    if (!(signed.signature instanceof Uint8Array) || signed.signature.length !== SIGNATURE_LENGTH) return false;
    if (signed.pop !== undefined && (!(signed.pop instanceof Uint8Array) || !bls.popVerify(signed.statement.blsPk, signed.pop))) return false;
    return bls.verify(signed.statement.blsPk, bindingBytes(signed.statement), signed.signature);
  } catch {
    return false;
  }
}

export type AcceptResult = { ok: true; peer: PeerIdentity } | { ok: false; reason: string };

/**
 * Decides whether a peer that presented `tlsFingerprint` is the holder of the BLS identity in
 * `signed`. `knownKey` looks the BLS key up among members and pinned peers.
 */
export function acceptBinding(args: {
  bls: BlsApi;
  signed: SignedBinding;
  tlsFingerprint: string;
  knownKey: (blsPk: Uint8Array) => KnownKey | null;
}): AcceptResult {
  const { bls, signed, tlsFingerprint, knownKey } = args;
  try {
    checkStatementShape(signed.statement);
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
  const st = signed.statement;
  if (!fingerprintsEqual(st.fingerprint, tlsFingerprint)) return { ok: false, reason: 'binding: TLS fingerprint differs from the signed statement' };
  if (!verifyBinding(bls, signed)) return { ok: false, reason: 'binding: signature does not verify' };
  const known = knownKey(st.blsPk);
  if (!known) return { ok: false, reason: 'binding: BLS key is not a known member or pinned peer' };
  if (known.role !== st.role) return { ok: false, reason: `binding: statement claims role ${st.role}, the key is registered as ${known.role}` };
  return {
    ok: true,
    peer: { fingerprint: st.fingerprint, blsPk: st.blsPk, role: known.role, name: known.name, validatorOf: known.validatorOf.filter(isChainId) },
  };
}

/**
 * Fingerprint → identity index used by the server's `authorize` and the client's pins. Holds
 * only bindings that passed acceptBinding against their own statement's fingerprint.
 */
export class PeerDirectory {
  private byFp = new Map<string, PeerIdentity>();

  constructor(
    private readonly bls: BlsApi,
    private readonly knownKey: (blsPk: Uint8Array) => KnownKey | null,
  ) {}

  /** Verifies and records a binding; returns the identity or throws with the reason. */
  add(signed: SignedBinding): PeerIdentity {
    const r = acceptBinding({ bls: this.bls, signed, tlsFingerprint: signed.statement?.fingerprint, knownKey: this.knownKey });
    if (!r.ok) throw new Error(r.reason);
    this.byFp.set(r.peer.fingerprint, r.peer);
    return r.peer;
  }

  remove(fingerprint: string): void {
    this.byFp.delete(fingerprint);
  }

  /** The server's authorize(): the identity pinned for a TLS fingerprint, or null. */
  authorize = (fingerprint: string): PeerIdentity | null => this.byFp.get(fingerprint) ?? null;

  list(): PeerIdentity[] {
    return [...this.byFp.values()];
  }
}

// ---- wire form: canonical CBOR, and a copy-pasteable string for out-of-band exchange ----

export function encodeBinding(signed: SignedBinding): Uint8Array {
  const s = signed.statement;
  checkStatementShape(s);
  return canonicalEncode({
    v: 1,
    fingerprint: fromHex(s.fingerprint, 32),
    blsPk: s.blsPk,
    role: s.role,
    name: s.name,
    time: s.time,
    sig: signed.signature,
    ...(s.x25519Pk ? { x25519Pk: s.x25519Pk } : {}),
    ...(signed.pop ? { pop: signed.pop } : {}),
  });
}

export function decodeBinding(bytes: Uint8Array): SignedBinding {
  const o = canonicalDecode(bytes) as Record<string, unknown>;
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw new Error('binding: not a map');
  // A join request additionally carries the X25519 key (signed) and a proof of possession.
  const keys = Object.keys(o)
    .filter((k) => k !== 'x25519Pk' && k !== 'pop')
    .sort()
    .join(',');
  if (keys !== 'blsPk,fingerprint,name,role,sig,time,v') throw new Error('binding: unexpected fields');
  if (o.pop !== undefined && (!(o.pop instanceof Uint8Array) || o.pop.length !== SIGNATURE_LENGTH)) throw new Error(`binding: pop must be ${SIGNATURE_LENGTH} bytes`);
  if (o.v !== 1) throw new Error('binding: unsupported version');
  if (!(o.fingerprint instanceof Uint8Array) || o.fingerprint.length !== 32) throw new Error('binding: fingerprint must be 32 bytes');
  if (!(o.sig instanceof Uint8Array) || o.sig.length !== SIGNATURE_LENGTH) throw new Error(`binding: signature must be ${SIGNATURE_LENGTH} bytes`);
  const statement: BindingStatement = { fingerprint: toHex(o.fingerprint), blsPk: o.blsPk as Uint8Array, role: o.role as Role, name: o.name as string, time: o.time as number };
  if (o.x25519Pk !== undefined) statement.x25519Pk = o.x25519Pk as Uint8Array;
  checkStatementShape(statement);
  return { statement, signature: o.sig, ...(o.pop ? { pop: o.pop as Uint8Array } : {}) };
}

const checksum = (b: Uint8Array): string => toB64u(sha256(b).subarray(0, 4));

/** 'trichain-peer:' + base64url(CBOR) + '.' + base64url(first 4 bytes of SHA-256(CBOR)). */
export function encodeBindingString(signed: SignedBinding): string {
  const b = encodeBinding(signed);
  return `${BINDING_PREFIX}${toB64u(b)}.${checksum(b)}`;
}

export function decodeBindingString(s: string): SignedBinding {
  const body = unwrapChecked(s, BINDING_PREFIX, 'binding');
  return decodeBinding(body);
}

/** Shared by invite strings: strips the prefix, checks the checksum, returns the CBOR bytes. */
export function unwrapChecked(s: string, prefix: string, what: string): Uint8Array {
  if (typeof s !== 'string') throw new Error(`${what}: not a string`);
  const t = s.trim();
  if (!t.startsWith(prefix)) throw new Error(`${what}: must start with "${prefix}"`);
  const rest = t.slice(prefix.length);
  const dot = rest.lastIndexOf('.');
  if (dot < 0) throw new Error(`${what}: checksum missing`);
  let body: Uint8Array;
  try {
    body = fromB64u(rest.slice(0, dot));
  } catch {
    throw new Error(`${what}: body is not base64url`);
  }
  if (body.length === 0 || body.length > 8192) throw new Error(`${what}: body has an implausible length`);
  if (rest.slice(dot + 1) !== checksum(body)) throw new Error(`${what}: bad checksum (the string was altered or truncated)`);
  return body;
}

export const checksumOf = checksum;
