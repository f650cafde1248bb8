/**
 * Membership: who is on a chain, with which role and keys. Shared by the three chains.
 * State: member/<blsPk hex> -> { role, name, x25519Pk, org? }
 */
import { toHex } from '../../codec/hex';
import type { Canonical } from '../../codec/canonical';
import type { StateReader, StateView } from './types';
import { reject } from './types';

export type MemberRole = 'hospital' | 'clinician' | 'patient' | 'entity';

export interface Member {
  role: MemberRole;
  name: string;
  blsPk: Uint8Array;
  x25519Pk: Uint8Array;
  /** For clinicians: the organization's BLS key (hex). For entities: their kind. */
  org?: string;
  kind?: string;
  since: number;
}

export const memberKey = (pk: Uint8Array): string => `member/${toHex(pk)}`;

export function getMember(state: StateReader, pk: Uint8Array): Member | undefined {
  return state.get(memberKey(pk)) as Member | undefined;
}

export function putMember(state: StateView, m: Member): void {
  if (state.get(memberKey(m.blsPk))) reject(`key ${toHex(m.blsPk).slice(0, 16)}… is already registered`);
  state.put(memberKey(m.blsPk), m as unknown as Canonical);
}

export function requireMember(state: StateReader, pk: Uint8Array, roles: MemberRole[], what: string): Member {
  const m = getMember(state, pk);
  if (!m) reject(`${what}: author is not a registered member of this chain`);
  if (!roles.includes(m.role)) reject(`${what}: a ${m.role} may not do this (allowed: ${roles.join(', ')})`);
  return m;
}

export function listMembers(state: StateReader, role?: MemberRole): Member[] {
  return state.scan<Canonical>('member/').map(([, v]) => v as unknown as Member).filter((m) => !role || m.role === role);
}
