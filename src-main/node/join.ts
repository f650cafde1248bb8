/**
 * Joining a network, the protocol half (the commands are cli/commands/invite.ts and join.ts):
 *   - the inviting node makes an invite (network, genesis hashes, address, TLS fingerprint, binding);
 *   - the joiner accepts it: checks it (format, checksum, binding signature) and the genesis hashes
 *     against the chains it already holds (a node never joins a second network), pins the inviting
 *     peer in DIR/peers.json, records the network to sync in DIR/join.json, and makes its own join
 *     request (its binding, X25519 key and proof of possession);
 *   - the inviting node pins the joiner from that request (acceptJoinRequest; node/admit.ts
 *     registers it on the chains). Both sides pin each other, as Syncthing devices do.
 * Errors a user can fix (a forged invite, another network, a missing address) are JoinRefused.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesEqual } from '../codec/canonical';
import { fromHex, toHex } from '../codec/hex';
import type { BlsApi } from '../crypto/bls-types';
import { type ChainId } from '../ledger/types';
import { CHAINS } from '../../src-shared/vocabulary';
import { decodeBindingString, encodeBindingString, signBinding, verifyBinding } from '../net/binding';
import { decodeInvite, inviteBinding, makeInvite, verifyInvite, type Invite } from '../net/invite';
import { PeerList } from '../net/peers';
import { loadOrCreateTlsIdentity } from '../net/tls';
import { isRole, type Role } from '../net/types';
import { writeJsonAtomic } from './files';
import type { TrichainNode } from './node';

/** An invite or join request refused, with a reason the operator can act on. */
export class JoinRefused extends Error {
  override name = 'JoinRefused';
}

export const JOIN_FILE = 'join.json';

/**
 * How long an invite is good for after it was made: an invite that leaked later (a forwarded
 * mail, an old screenshot of its QR code) no longer lets anyone pin the inviting peer. A minute of
 * clock difference between the two machines is tolerated the other way.
 */
export const INVITE_MAX_AGE_MS = 7 * 24 * 3600_000;
const CLOCK_SKEW_MS = 60_000;

/** When an invite made at `time` stops being accepted. */
export const inviteExpiresAt = (time: number): number => time + INVITE_MAX_AGE_MS;

export interface JoinState {
  version: 1;
  network: string;
  genesis: Record<ChainId, string>;
  via: string;
  joined: number;
}

/** Genesis hash of each chain a node holds, as hex (null where it has none). */
export function localGenesisHex(node: TrichainNode): Record<ChainId, string | null> {
  const out = {} as Record<ChainId, string | null>;
  for (const c of CHAINS) out[c] = node.ledger.hasGenesis(c) ? toHex(node.ledger.genesisHash(c)) : null;
  return out;
}

/**
 * Everything acceptInvite checks before it writes anything: the format, the binding signature, the
 * age, and the genesis hashes against the chains the node already holds. Writes nothing.
 */
export function checkInvite(args: { invite: Invite | string; bls: BlsApi; localGenesisHex?: Record<ChainId, string | null>; now?: number }): Invite {
  let inv: Invite;
  try {
    inv = typeof args.invite === 'string' ? decodeInvite(args.invite) : args.invite;
  } catch (e) {
    throw new JoinRefused((e as Error).message);
  }
  if (!verifyInvite(args.bls, inv)) throw new JoinRefused('invite: the binding signature does not verify (the invite was forged or altered)');
  const now = args.now ?? Date.now();
  if (now > inviteExpiresAt(inv.time)) {
    throw new JoinRefused(`invite: expired on ${new Date(inviteExpiresAt(inv.time)).toISOString().slice(0, 10)} (an invite is good for ${INVITE_MAX_AGE_MS / 86_400_000} days); ask ${inv.name} for a new one`);
  }
  if (inv.time > now + CLOCK_SKEW_MS) throw new JoinRefused(`invite: made in the future (${new Date(inv.time).toISOString()}); check the clocks of both computers`);
  for (const c of CHAINS) {
    const local = args.localGenesisHex?.[c];
    if (local && !bytesEqual(fromHex(local, 32), inv.genesis[c])) throw new JoinRefused(`this node already holds a ${c} chain of another network; refusing to join ${inv.network}`);
  }
  return inv;
}

/** Checks an invite against the local node's chains and pins the peer. Pure apart from DIR/peers.json and DIR/join.json. */
export function acceptInvite(args: { dataDir: string; invite: Invite | string; bls: BlsApi; localGenesisHex: Record<ChainId, string | null>; now?: number }): { invite: Invite; state: JoinState } {
  const inv = checkInvite(args);
  const peers = PeerList.load(args.dataDir);
  peers.upsert({
    address: inv.address,
    fingerprint: inv.fingerprint,
    blsPk: toHex(inv.blsPk),
    role: inv.role,
    name: inv.name,
    binding: encodeBindingString(inviteBinding(inv)),
    lastSeen: null,
    source: 'invite',
  });
  const state: JoinState = {
    version: 1,
    network: inv.network,
    genesis: { patient: toHex(inv.genesis.patient), hospital: toHex(inv.genesis.hospital), social: toHex(inv.genesis.social) },
    via: inv.fingerprint,
    joined: args.now ?? Date.now(),
  };
  writeJsonAtomic(join(args.dataDir, JOIN_FILE), state, 0o644);
  return { invite: inv, state };
}

export function readJoinState(dataDir: string): JoinState | null {
  const f = join(dataDir, JOIN_FILE);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as JoinState) : null;
}

/**
 * The joiner's request: its binding plus its X25519 key (signed) and proof of possession,
 * everything the admitting node needs for member.register, for the TLS certificate with
 * `fingerprint`. Returns the `trichain-peer:` line.
 */
export function joinRequest(node: TrichainNode, fingerprint: string): string {
  const role = node.config.role;
  if (!isRole(role)) throw new JoinRefused(`unknown role ${role}`);
  const mine = signBinding(node.bls, node.identity.blsSecretKey, {
    fingerprint,
    blsPk: node.identity.blsPublicKey,
    role,
    name: node.config.name.slice(0, 128),
    time: Date.now(),
    x25519Pk: node.identity.x25519PublicKey,
  });
  mine.pop = node.identity.proofOfPossession();
  return encodeBindingString(mine);
}

/**
 * The inviting side: pins a joiner from the binding string `trichain join` printed. The binding
 * must verify; `expectedRole` (if given) must match.
 */
export function acceptJoinRequest(args: { dataDir: string; binding: string; bls: BlsApi; address?: string; expectedRole?: Role }): void {
  const b = decodeBindingString(args.binding);
  if (!verifyBinding(args.bls, b)) throw new JoinRefused('join request: the binding signature does not verify');
  if (args.expectedRole && b.statement.role !== args.expectedRole) throw new JoinRefused(`join request: role is ${b.statement.role}, expected ${args.expectedRole}`);
  PeerList.load(args.dataDir).upsert({
    address: args.address ?? '0.0.0.0:0',
    fingerprint: b.statement.fingerprint,
    blsPk: toHex(b.statement.blsPk),
    role: b.statement.role,
    name: b.statement.name,
    binding: args.binding,
    lastSeen: null,
    source: 'join',
  });
}

/** Everything an invite is made of; inviteInputs() reads it from an open node. */
export interface InviteInputs {
  network: string | null;
  /** Listen address from node.json (host:port). */
  listen: string | null;
  /** Genesis hash of each chain as hex, null where the node has none. */
  genesisHex: Record<ChainId, string | null>;
  tlsFingerprint: string;
  identity: { blsPublicKey: Uint8Array; role: string; name: string; sign(msg: Uint8Array): Uint8Array };
}

/** This node's TLS identity in its data folder (created if absent). */
export const nodeTls = (node: TrichainNode, dataDir: string) => loadOrCreateTlsIdentity(dataDir, node.config.name.slice(0, 64));

/** Reads the inputs from an open node and its data folder (DIR/tls is created if absent). */
export async function inviteInputs(node: TrichainNode, dataDir: string): Promise<InviteInputs> {
  const tls = await nodeTls(node, dataDir);
  return {
    network: node.config.network ?? null,
    listen: node.config.listen ?? null,
    genesisHex: localGenesisHex(node),
    tlsFingerprint: tls.fingerprint,
    identity: { blsPublicKey: node.identity.blsPublicKey, role: node.config.role, name: node.config.name, sign: (m) => node.identity.sign(m) },
  };
}

/** Pure: the invite string for a node, from its values. Throws JoinRefused on missing pieces. */
export function inviteFromNodeValues(v: InviteInputs, addressOverride?: string, time = Date.now()): string {
  const address = addressOverride ?? v.listen;
  if (!address) throw new JoinRefused('the node has no listen address: run `trichain start --data DIR --listen HOST:PORT` (or pass --address HOST:PORT)');
  if (/^(0\.0\.0\.0|\[?::\]?):/.test(address)) throw new JoinRefused(`the node listens on ${address}: pass --address HOST:PORT with an address peers can reach`);
  if (!v.network) throw new JoinRefused('this node belongs to no network yet (found one with `trichain init --found`, or join one)');
  const genesis = {} as Record<ChainId, Uint8Array>;
  for (const c of CHAINS) {
    const h = v.genesisHex[c];
    if (!h) throw new JoinRefused(`this node has no ${c} chain genesis; only a node holding all three can invite`);
    genesis[c] = fromHex(h, 32);
  }
  const role = v.identity.role;
  if (!isRole(role)) throw new JoinRefused(`unknown role ${role}`);
  return makeInvite({
    network: v.network,
    genesis,
    address,
    fingerprint: v.tlsFingerprint,
    identity: { blsPublicKey: v.identity.blsPublicKey, role, name: v.identity.name, sign: (m) => v.identity.sign(m) },
    time,
  });
}
