/**
 * Founding, joining and admitting from the UI, with the functions the CLI's `trichain invite`,
 * `join` and `admit` use (node/join.ts, node/admit.ts, net/invite.ts), and the network panel's
 * view of a node: its peer address and fingerprint, its pinned peers and whether they answer, and
 * its offline queue (own transactions not yet committed, with their age) and refused transactions.
 *
 * Every check runs before anything is written: a mangled, forged or expired invite, an invite to
 * a network this node has already joined, or a bad peer line changes nothing.
 */
import QRCode from 'qrcode';
import { ApiError } from '../../src-shared/api';
import { CHAIN_POLICY } from '../net/acl';
import type { Invite } from '../net/invite';
import { PeerList } from '../net/peers';
import { admitPeer, AdmitError, checkJoinLine, type Admitted } from '../node/admit';
import { acceptInvite, checkInvite, inviteExpiresAt, inviteFromNodeValues, inviteInputs, joinRequest, JoinRefused, localGenesisHex, nodeTls, readJoinState } from '../node/join';
import type { TrichainNode } from '../node/node';
import type { BlsApi } from '../crypto/bls-types';
import type { ChainId } from '../ledger/types';
import type { OwnNode } from './own-node';
import { iso } from './views';

const short = (fp: string) => `${fp.slice(0, 16)}…`;

/** The invite, checked (format, signature, age, and against `node`'s chains if given), else BAD_REQUEST / CONFLICT. */
export function inspectInvite(bls: BlsApi, invite: string, node?: TrichainNode): Invite {
  if (node) assertNotJoined(node);
  try {
    return checkInvite({ invite, bls, localGenesisHex: node ? localGenesisHex(node) : undefined });
  } catch (e) {
    if (e instanceof JoinRefused) throw new ApiError(/another network/.test(e.message) ? 'CONFLICT' : 'BAD_REQUEST', `invite refused: ${e.message}`);
    throw e;
  }
}

/** A node that founded a network or already joined one does not join another (or the same again). */
export function assertNotJoined(node: TrichainNode): void {
  const joined = readJoinState(node.paths.dir);
  if (joined) throw new ApiError('CONFLICT', `this node already joined the network "${joined.network}"; a node belongs to one network`);
  if (node.config.network && node.chains().length > 0) throw new ApiError('CONFLICT', `this node already belongs to the network "${node.config.network}"; a node belongs to one network`);
}

/** What the sign dialog shows before a node trusts an invite: whom it joins, where, which certificate. */
export function inviteDetails(inv: Invite): { label: string; value: string }[] {
  return [
    { label: 'Network', value: inv.network },
    { label: 'Invited by', value: `${inv.name} (${inv.role})` },
    { label: 'Peer address', value: inv.address },
    { label: 'Certificate fingerprint', value: inv.fingerprint },
    { label: 'Invite made', value: `${iso(inv.time).slice(0, 16).replace('T', ' ')} UTC, good until ${iso(inviteExpiresAt(inv.time)).slice(0, 10)}` },
  ];
}

/** The chains a role replicates (hospital: all three; patient: patient; entity: social). */
export const chainsOf = (role: string): ChainId[] => [...(CHAIN_POLICY[role as keyof typeof CHAIN_POLICY] ?? [])];

/**
 * The joining side (as `trichain join`): pins the inviting peer, records the network, and returns
 * the peer line this node hands back to the inviting hospital.
 */
export async function joinByInvite(node: TrichainNode, invite: string) {
  const inv = inspectInvite(node.bls, invite, node);
  const { invite: accepted } = acceptInvite({ dataDir: node.paths.dir, invite: inv, bls: node.bls, localGenesisHex: localGenesisHex(node) });
  return {
    networkId: accepted.network,
    chains: chainsOf(node.config.role),
    peers: [{ address: accepted.address, fingerprint: accepted.fingerprint }],
    inviter: { name: accepted.name, role: accepted.role },
    peerLine: await peerLine(node),
  };
}

/** This node's `trichain-peer:` line (its signed binding, X25519 key and proof of possession). */
export async function peerLine(node: TrichainNode): Promise<string> {
  return joinRequest(node, (await nodeTls(node, node.paths.dir)).fingerprint);
}

/** The peer line, checked; else BAD_REQUEST with what is wrong. */
export function inspectPeerLine(node: TrichainNode, line: string) {
  if (node.config.role !== 'hospital') throw new ApiError('FORBIDDEN', 'only a hospital node admits new nodes');
  try {
    return checkJoinLine(node.bls, line.trim());
  } catch (e) {
    if (e instanceof AdmitError) throw new ApiError('BAD_REQUEST', e.message);
    throw e;
  }
}

/** The inviting side (as `trichain admit`): pins the joiner and registers it on the chains its role replicates. */
export function admitByLine(node: TrichainNode, line: string, kind?: string, address?: string): Admitted {
  inspectPeerLine(node, line);
  try {
    return admitPeer(node, line.trim(), { kind, address });
  } catch (e) {
    if (e instanceof AdmitError) throw new ApiError('BAD_REQUEST', e.message);
    throw e;
  }
}

/** The invite as text and as a QR code (an SVG data URL), from the running node's address. */
export async function inviteView(node: TrichainNode, own: OwnNode | null, address?: string) {
  if (node.config.role !== 'hospital') throw new ApiError('FORBIDDEN', 'only a hospital node invites others');
  const inputs = await inviteInputs(node, node.paths.dir);
  const at = address ?? own?.advertise ?? own?.runtime.listen ?? undefined;
  let invite: string;
  const time = Date.now();
  try {
    invite = inviteFromNodeValues(inputs, at, time);
  } catch (e) {
    if (e instanceof JoinRefused) throw new ApiError('UNAVAILABLE', e.message);
    throw e;
  }
  const svg = await QRCode.toString(invite, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { invite, qrSvg: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`, network: inputs.network ?? '', address: at ?? '', expiresAt: iso(inviteExpiresAt(time)) };
}

/** The network panel's view of a node: address, peers and their answers, the offline queue. */
export async function networkView(node: TrichainNode, own: OwnNode | null) {
  const joined = readJoinState(node.paths.dir);
  const pinned = PeerList.load(node.paths.dir).list();
  const refused = node.outbox('rejected').slice(-20).reverse();
  return {
    running: !!own,
    network: node.config.network ?? joined?.network ?? null,
    address: own?.advertise ?? own?.runtime.listen ?? node.config.listen ?? null,
    fingerprint: own?.runtime.daemon?.fingerprint ?? null,
    online: own ? own.online() : null,
    canInvite: node.config.role === 'hospital' && node.chains().length === 3,
    joined: joined ? { network: joined.network, at: iso(joined.joined), via: pinned.find((p) => p.fingerprint === joined.via)?.name ?? short(joined.via) } : null,
    // What a joined node hands back to the hospital that invited it (it can be asked for again).
    peerLine: joined ? await peerLine(node) : undefined,
    peers: pinned.map((p) => {
      const c = own?.contact.get(p.fingerprint);
      return {
        name: p.name, role: p.role, address: p.address, fingerprint: p.fingerprint, source: p.source ?? 'manual', bad: p.bad,
        reachable: c ? c.ok : null, lastContact: c?.lastOk ? iso(c.lastOk) : undefined, downSince: c?.downSince ? iso(c.downSince) : undefined, reason: c?.ok ? undefined : c?.reason,
      };
    }),
    pending: node.outbox().filter((e) => e.status === 'pending' || e.status === 'submitted').map((e) => ({ txId: e.id, chain: e.chain, kind: e.type, status: e.status as 'pending' | 'submitted', createdAt: iso(e.created) })),
    refused: refused.map((e) => ({ txId: e.id, chain: e.chain, kind: e.type, createdAt: iso(e.created), reason: e.detail ?? 'refused by the network' })),
  };
}
