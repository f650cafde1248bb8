/**
 * `trichain join INVITE --data DIR`: accepts an invite. It checks the invite (format, checksum,
 * binding signature), checks the genesis hashes against the chains this node already holds (a
 * node never joins a second network), pins the inviting peer in DIR/peers.json, records the
 * network to sync in DIR/join.json, and prints this node's own binding string, which the
 * inviting node's operator pins with acceptJoinRequest() so that this node's connections are
 * accepted (both sides pin each other, as Syncthing devices do).
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse, requireOpt } from '../cli/args';
import { CliError, type CliIO } from '../cli/io';
import { openNode } from '../cli/unlock';
import { bytesEqual } from '../codec/canonical';
import { fromHex, toHex } from '../codec/hex';
import type { BlsApi } from '../crypto/bls-types';
import { defaultBls } from '../crypto/bls';
import { writeJsonAtomic } from '../node/files';
import { CHAINS, type ChainId } from '../ledger/types';
import { decodeBindingString, encodeBindingString, signBinding, verifyBinding } from './binding';
import { decodeInvite, inviteBinding, verifyInvite, type Invite } from './invite';
import { PeerList } from './peers';
import { loadOrCreateTlsIdentity } from './tls';
import { isRole, type Role } from './types';

export const summary = 'join a network through an invite: trichain join INVITE --data DIR';

export const JOIN_FILE = 'join.json';

export interface JoinState {
  version: 1;
  network: string;
  genesis: Record<ChainId, string>;
  via: string;
  joined: number;
}

/** Checks an invite against the local node's chains and pins the peer. Pure apart from DIR/peers.json and DIR/join.json. */
export function acceptInvite(args: { dataDir: string; invite: Invite | string; bls: BlsApi; localGenesisHex: Record<ChainId, string | null>; now?: number }): { invite: Invite; state: JoinState } {
  let inv: Invite;
  try {
    inv = typeof args.invite === 'string' ? decodeInvite(args.invite) : args.invite;
  } catch (e) {
    throw new CliError((e as Error).message, 2);
  }
  if (!verifyInvite(args.bls, inv)) throw new CliError('invite: the binding signature does not verify (the invite was forged or altered)', 2);
  for (const c of CHAINS) {
    const local = args.localGenesisHex[c];
    if (local && !bytesEqual(fromHex(local, 32), inv.genesis[c])) throw new CliError(`this node already holds a ${c} chain of another network; refusing to join ${inv.network}`, 2);
  }
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
 * The inviting side: pins a joiner from the binding string `trichain join` printed. The binding
 * must verify; `expectedRole` (if given) must match.
 */
export function acceptJoinRequest(args: { dataDir: string; binding: string; bls: BlsApi; address?: string; expectedRole?: Role }): void {
  const b = decodeBindingString(args.binding);
  if (!verifyBinding(args.bls, b)) throw new CliError('join request: the binding signature does not verify', 2);
  if (args.expectedRole && b.statement.role !== args.expectedRole) throw new CliError(`join request: role is ${b.statement.role}, expected ${args.expectedRole}`, 2);
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

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(argv, { data: { type: 'string' } }, true);
  const dir = requireOpt(values.data, '--data DIR');
  if (positionals.length !== 1) throw new CliError('usage: trichain join INVITE --data DIR', 2);
  const bls = defaultBls();
  const node = await openNode(dir, io, { verify: false });
  try {
    const s = node.status();
    const localGenesisHex = {} as Record<ChainId, string | null>;
    for (const c of CHAINS) localGenesisHex[c] = s.chains[c]?.genesis ?? null;
    const { invite } = acceptInvite({ dataDir: dir, invite: positionals[0], bls, localGenesisHex });
    const tls = await loadOrCreateTlsIdentity(dir, node.config.name.slice(0, 64));
    const role = node.config.role;
    if (!isRole(role)) throw new CliError(`unknown role ${role}`, 2);
    // The join request: the binding plus this node's X25519 key (signed) and proof of possession,
    // everything the admitting node needs for member.register (trichain admit).
    const mine = signBinding(bls, node.identity.blsSecretKey, {
      fingerprint: tls.fingerprint,
      blsPk: node.identity.blsPublicKey,
      role,
      name: node.config.name.slice(0, 128),
      time: Date.now(),
      x25519Pk: node.identity.x25519PublicKey,
    });
    mine.pop = node.identity.proofOfPossession();
    io.out(`pinned ${invite.name} (${invite.role}) at ${invite.address}, certificate ${invite.fingerprint}`);
    io.out(`network "${invite.network}"; the chains will sync from this peer when the node starts`);
    io.out(`give this line to the operator of ${invite.name} so it accepts this node:`);
    io.out(encodeBindingString(mine));
    return 0;
  } finally {
    node.close();
  }
}
