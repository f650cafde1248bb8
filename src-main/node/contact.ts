/**
 * Whether the daemon reached its pinned peers: one 'contact' event per peer and round (catch-up
 * or, for a joining node, the genesis fetch). A peer is reached when any of its answers in the
 * round was good. The app shows from these whether a node is offline, and since when.
 */
import type { PeerRecord } from '../net/peers';

export interface PeerAnswer {
  fingerprint: string;
  ok: boolean;
  reason?: string;
}

export interface ContactEvent extends PeerAnswer {
  /** The peer's name as pinned (its fingerprint's start where it is not pinned). */
  name: string;
}

export function contactEvents(answers: PeerAnswer[], pinned: readonly PeerRecord[]): ContactEvent[] {
  const by = new Map<string, PeerAnswer>();
  for (const a of answers) {
    const cur = by.get(a.fingerprint);
    if (!cur || (!cur.ok && a.ok)) by.set(a.fingerprint, a.ok ? { fingerprint: a.fingerprint, ok: true } : a);
  }
  return [...by.values()].map((a) => ({ ...a, name: pinned.find((r) => r.fingerprint === a.fingerprint)?.name ?? a.fingerprint.slice(0, 16) }));
}
