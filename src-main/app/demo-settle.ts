/**
 * Waiting on conditions in the demo consortium (never fixed sleeps): catch-up rounds driven until a
 * check holds, and the checks themselves (heads reached, own transactions committed, ciphertexts held).
 */
import { toHex } from '../codec/hex';
import { blockHash } from '../ledger/encoding';
import { storedBlock } from '../ledger/light';
import type { ChainId } from '../ledger/types';
import { CHAIN_POLICY } from '../net/acl';
import type { NodeRole } from '../node/config';
import type { Daemon } from '../node/daemon';
import type { TrichainNode } from '../node/node';
import { heldSteps } from '../node/acts';
import type { RecordLink } from '../ledger/rules/patient';

export class DemoError extends Error {}

export const chainsOf = (role: NodeRole): ChainId[] => [...CHAIN_POLICY[role]];


/**
 * Drives catch-up rounds on `daemons` (in order) until check() holds. After a pass that changed
 * nothing (no block applied anywhere, no blob stored), waits for the next block or background
 * round of any node instead of spinning. Throws after timeoutMs.
 */
export async function settleOn(what: string, daemons: Daemon[], watch: TrichainNode[], check: () => boolean, timeoutMs: number, progress?: () => number): Promise<void> {
  const end = Date.now() + timeoutMs;
  let changes = 0;
  const bump = (): void => {
    changes++;
  };
  for (const n of watch) n.on('block', bump);
  for (const d of daemons) d.on('synced', bump);
  try {
    for (;;) {
      if (check()) return;
      if (Date.now() > end) throw new DemoError(`demo: timed out waiting until ${what}`);
      const before = changes;
      const had = progress?.();
      for (const d of daemons) await d.syncNow();
      if (check()) return;
      if (changes === before && had === progress?.()) await nextEvent(daemons, watch, Math.min(2000, Math.max(1, end - Date.now())));
    }
  } finally {
    for (const n of watch) n.off('block', bump);
    for (const d of daemons) d.off('synced', bump);
  }
}

/** Resolves on the next 'block' of a node or 'tick' of a daemon, or after at most `ms`. */
function nextEvent(daemons: Daemon[], nodes: TrichainNode[], ms: number): Promise<void> {
  return new Promise((resolveWait) => {
    const done = (): void => {
      clearTimeout(t);
      for (const n of nodes) n.off('block', done);
      for (const d of daemons) d.off('tick', done);
      resolveWait();
    };
    const t = setTimeout(done, ms);
    for (const n of nodes) n.on('block', done);
    for (const d of daemons) d.on('tick', done);
  });
}

/** A catch-up round that certainly started after this call (peers.json written just before is read). */
export async function freshRound(d: Daemon): Promise<void> {
  await d.syncNow();
  await d.syncNow();
}

export const noUnsettled = (n: TrichainNode): boolean => n.outbox('pending').length === 0 && n.outbox('submitted').length === 0 && heldSteps(n).length === 0;

/** True when `n` holds exactly the chains its role replicates, each at St Mary's head. */
export function matchesHeads(n: TrichainNode, ref: TrichainNode): boolean {
  for (const c of chainsOf(n.config.role)) {
    if (!n.ledger.hasGenesis(c)) return false;
    const a = n.ledger.head(c);
    const b = ref.ledger.head(c);
    if (a.height !== b.height || toHex(a.hash) !== toHex(b.hash)) return false;
  }
  return true;
}

/** Per chain, the highest head among `nodes` (what every node must reach when it settles). */
export function highestHeads(nodes: TrichainNode[]): Partial<Record<ChainId, number>> {
  const t: Partial<Record<ChainId, number>> = {};
  for (const n of nodes) for (const c of n.chains()) t[c] = Math.max(t[c] ?? 0, n.ledger.height(c));
  return t;
}

/** `n` holds each chain of its role up to `target`, agreeing with `ref` on the block there. */
export function reached(n: TrichainNode, target: Partial<Record<ChainId, number>>, ref: TrichainNode): boolean {
  for (const c of chainsOf(n.config.role)) {
    const h = target[c] ?? 0;
    if (!n.ledger.hasGenesis(c) || n.ledger.height(c) < h) return false;
    if (h > 0 && ref.ledger.height(c) >= h && toHex(blockHash(storedBlock(n.ledger, c, h)!.header)) !== toHex(blockHash(storedBlock(ref.ledger, c, h)!.header))) return false;
  }
  return true;
}

/** Every record ciphertext the patient chain links to is on `n` (St Mary, the hospital validator). */
export function holdsAllLinkedBlobs(n: TrichainNode): boolean {
  return linkedBlobsHeld(n).missing === 0;
}

export function linkedBlobsHeld(n: TrichainNode): { held: number; missing: number } {
  let held = 0;
  let missing = 0;
  for (const [, v] of n.ledger.state('patient').scan('link/')) {
    if (n.blobs.has((v as unknown as RecordLink).blobHash)) held++;
    else missing++;
  }
  return { held, missing };
}
