/**
 * Invites (DESIGN.md §4, "Joining"): everything a new node needs to find and trust its first
 * peer — the network's name and genesis hashes, the peer's address, its TLS certificate
 * fingerprint and its BLS identity, with the identity binding signature (./binding) so the
 * joiner can check the fingerprint really belongs to that BLS key.
 *
 *   'trichain-invite:' + base64url(canonical CBOR) + '.' + base64url(SHA-256(CBOR)[0..4])
 *
 * decodeInvite is strict: wrong prefix, bad checksum, unknown or missing fields, wrong lengths,
 * non-canonical CBOR and unroutable addresses are refused with a clear error.
 */
import { canonicalDecode, canonicalEncode } from '../codec/canonical';
import { fromHex, toB64u, toHex } from '../codec/hex';
import type { BlsApi } from '../crypto/bls-types';
import { PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH } from '../crypto/bls-types';
import type { ChainId } from '../ledger/types';
import { bindingBytes, checksumOf, unwrapChecked, verifyBinding, type SignedBinding } from './binding';
import { parseAddress } from './client';
import { isFingerprint } from './tls';
import { isRole, type Role } from './types';

export const INVITE_PREFIX = 'trichain-invite:';
export const INVITE_VERSION = 1;

export interface Invite {
  network: string;
  genesis: Record<ChainId, Uint8Array>;
  /** 'host:port' where the inviting node serves peers. */
  address: string;
  /** SHA-256 of its DER certificate, lowercase hex. */
  fingerprint: string;
  blsPk: Uint8Array;
  role: Role;
  name: string;
  /** Time of the binding statement (ms). */
  time: number;
  /** BLS signature of the binding statement { fingerprint, blsPk, role, name, time }. */
  sig: Uint8Array;
}

const FIELDS = 'address,blsPk,fingerprint,genesis,name,network,role,sig,time,v';

function validate(inv: Invite): void {
  if (typeof inv.network !== 'string' || inv.network.length === 0 || inv.network.length > 200) throw new Error('invite: network name must be 1..200 characters');
  if (!inv.genesis || typeof inv.genesis !== 'object') throw new Error('invite: genesis hashes missing');
  const gk = Object.keys(inv.genesis).sort().join(',');
  if (gk !== 'hospital,patient,social') throw new Error('invite: genesis must name exactly the patient, hospital and social chains');
  for (const [c, h] of Object.entries(inv.genesis)) if (!(h instanceof Uint8Array) || h.length !== 32) throw new Error(`invite: ${c} genesis hash must be 32 bytes`);
  const a = parseAddress(inv.address); // throws on malformed
  if (a.host === '0.0.0.0' || a.host === '::' || a.host === '') throw new Error('invite: address must be reachable (not a wildcard like 0.0.0.0)');
  if (!isFingerprint(inv.fingerprint)) throw new Error('invite: fingerprint must be 32 bytes');
  if (!(inv.blsPk instanceof Uint8Array) || inv.blsPk.length !== PUBLIC_KEY_LENGTH) throw new Error(`invite: BLS public key must be ${PUBLIC_KEY_LENGTH} bytes`);
  if (!isRole(inv.role)) throw new Error('invite: unknown role');
  if (typeof inv.name !== 'string' || inv.name.length === 0 || inv.name.length > 128) throw new Error('invite: name must be 1..128 characters');
  if (!Number.isSafeInteger(inv.time) || inv.time < 0) throw new Error('invite: time must be a non-negative integer');
  if (!(inv.sig instanceof Uint8Array) || inv.sig.length !== SIGNATURE_LENGTH) throw new Error(`invite: signature must be ${SIGNATURE_LENGTH} bytes`);
}

export function encodeInvite(inv: Invite): string {
  validate(inv);
  const body = canonicalEncode({
    v: INVITE_VERSION,
    network: inv.network,
    genesis: { patient: inv.genesis.patient, hospital: inv.genesis.hospital, social: inv.genesis.social },
    address: inv.address,
    fingerprint: fromHex(inv.fingerprint, 32),
    blsPk: inv.blsPk,
    role: inv.role,
    name: inv.name,
    time: inv.time,
    sig: inv.sig,
  });
  return `${INVITE_PREFIX}${toB64u(body)}.${checksumOf(body)}`;
}

export function decodeInvite(s: string): Invite {
  const body = unwrapChecked(s, INVITE_PREFIX, 'invite');
  let o: Record<string, unknown>;
  try {
    o = canonicalDecode(body) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`invite: ${(e as Error).message}`);
  }
  if (!o || typeof o !== 'object' || Array.isArray(o) || o instanceof Uint8Array) throw new Error('invite: not a map');
  if (o.v !== INVITE_VERSION) throw new Error(`invite: unsupported version ${String(o.v)}`);
  if (Object.keys(o).sort().join(',') !== FIELDS) throw new Error('invite: unexpected or missing fields');
  if (!(o.fingerprint instanceof Uint8Array) || o.fingerprint.length !== 32) throw new Error('invite: fingerprint must be 32 bytes');
  const inv: Invite = {
    network: o.network as string,
    genesis: o.genesis as Record<ChainId, Uint8Array>,
    address: o.address as string,
    fingerprint: toHex(o.fingerprint),
    blsPk: o.blsPk as Uint8Array,
    role: o.role as Role,
    name: o.name as string,
    time: o.time as number,
    sig: o.sig as Uint8Array,
  };
  validate(inv);
  return inv;
}

/** The binding statement an invite carries. */
export function inviteBinding(inv: Invite): SignedBinding {
  return { statement: { fingerprint: inv.fingerprint, blsPk: inv.blsPk, role: inv.role, name: inv.name, time: inv.time }, signature: inv.sig };
}

/** True iff the invite's fingerprint is bound to its BLS key by a valid signature. */
export function verifyInvite(bls: BlsApi, inv: Invite): boolean {
  return verifyBinding(bls, inviteBinding(inv));
}

/**
 * Makes the invite for a node from the values the node already has: its reachable address, its
 * TLS fingerprint, the genesis hashes of its chains and its identity (which signs the binding).
 */
export function makeInvite(args: {
  network: string;
  genesis: Record<ChainId, Uint8Array>;
  address: string;
  fingerprint: string;
  identity: { blsPublicKey: Uint8Array; role: Role; name: string; sign(msg: Uint8Array): Uint8Array };
  time?: number;
}): string {
  const { identity } = args;
  const statement = { fingerprint: args.fingerprint, blsPk: identity.blsPublicKey, role: identity.role, name: identity.name, time: args.time ?? Date.now() };
  const sig = identity.sign(bindingBytes(statement));
  return encodeInvite({ network: args.network, genesis: args.genesis, address: args.address, ...statement, sig });
}
