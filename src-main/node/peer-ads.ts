/**
 * Validator addresses: how validators find each other. A node that joined by invite knows only
 * its inviter's address, and the validator set on the chain carries keys, not addresses. So every
 * running node POSTs /validator-peers to each pinned peer with its own advertisement (PeerAd);
 * the answer lists the ads of the peers the answering node has pinned that are validators of a
 * chain. A node pins (DIR/peers.json, source 'manual') an entry only when its binding (TLS
 * fingerprint bound to a BLS key, net/binding) verifies and names a key that is a validator (in
 * any recorded set) of one of its chains.
 *
 * The address is signed (issue 13, finding 6: an unsigned address let any peer rewrite a pinned
 * validator's address): an ad carries the advertised node's BLS signature over (fingerprint, key,
 * address, time). An ad is taken only when that signature verifies under the binding's key, its
 * time is at most MAX_AD_AGE_MS old and not ahead of our clock by more than MAX_AD_SKEW_MS, and it
 * is newer than the last ad we took for that peer (an old address cannot be replayed). Relaying
 * nodes pass on the validator's own signed ad, unchanged; a node re-signs its own ad every
 * AD_REFRESH_MS. Each refused ad is reported with its reason (the daemon logs it).
 *
 * A validator that runs CometBFT (node/cometbft.ts) adds its CometBFT node ID and per-chain P2P
 * addresses (`comet`, net/peers.ts cometAdSchema) to its ad, under the same signature: so every
 * validator learns the others' CometBFT peers from the peer network, signed by their BLS keys,
 * and none is typed into a file. An ad without `comet` is signed over the same message as before.
 */
import { bytesEqual, domainBytes, type Canonical } from '../codec/canonical';
import { fromHex, toHex } from '../codec/hex';
import type { BlsApi } from '../crypto/bls-types';
import type { ValidatorInfo } from '../ledger/types';
import { decodeBindingString, encodeBindingString, signBinding, verifyBinding, type SignedBinding } from '../net/binding';
import { parseAddress, type PeerClient } from '../net/client';
import { cometAdSchema, PeerList, type CometAd, type PeerRecord } from '../net/peers';
export type { CometAd } from '../net/peers';
import { HttpError, route, type Route } from '../net/server';
import { isRole } from '../net/types';
import type { TrichainNode } from './node';
import { isValidator } from './validators';

export interface PeerAd {
  /** The advertised node's signed binding, as a `trichain-peer:` string. */
  binding: string;
  address: string;
  /** When the advertised node signed it (ms since the epoch). */
  time: number;
  /** The advertised node's BLS signature over adMessage (hex). */
  sig: string;
  /** Its CometBFT node ID and P2P addresses, when it runs CometBFT (signed with the rest). */
  comet?: CometAd;
}

/** Ads older than this are refused (a node re-signs its own every AD_REFRESH_MS). */
export const MAX_AD_AGE_MS = 24 * 3600 * 1000;
export const MAX_AD_SKEW_MS = 10 * 60 * 1000;
export const AD_REFRESH_MS = 3600 * 1000;
const MAX_ADDRESS = 300;
const MAX_ADS = 256;

const adMessage = (fingerprint: string, blsPk: Uint8Array, address: string, time: number, comet?: CometAd) =>
  domainBytes('net/peer-ad', comet ? { fingerprint, blsPk, address, time, comet: comet as unknown as Canonical } : { fingerprint, blsPk, address, time });

export const dialableAddress = (address: string): boolean => {
  try {
    const a = parseAddress(address);
    return a.port !== 0 && a.host !== '0.0.0.0' && a.host !== '::' && a.host !== '';
  } catch {
    return false;
  }
};

/** This node's signed binding for its TLS fingerprint, as a `trichain-peer:` string. */
export function ownBindingLine(node: TrichainNode, fingerprint: string): string {
  const role = node.config.role;
  if (!isRole(role)) throw new Error(`unknown role ${role}`);
  return encodeBindingString(signBinding(node.bls, node.identity.blsSecretKey, { fingerprint, blsPk: node.identity.blsPublicKey, role, name: node.config.name.slice(0, 128), time: Date.now() }));
}

/** This node's ad for `address` (and its CometBFT peer identity, when given), signed now. */
export function signPeerAd(node: TrichainNode, fingerprint: string, address: string, time = Date.now(), comet?: CometAd): PeerAd {
  if (comet) cometAdSchema.parse(comet);
  const sig = node.bls.sign(node.identity.blsSecretKey, adMessage(fingerprint, node.identity.blsPublicKey, address, time, comet));
  return { binding: ownBindingLine(node, fingerprint), address, time, sig: toHex(sig), ...(comet ? { comet } : {}) };
}

/** This node's ad, re-signed when it is older than AD_REFRESH_MS. */
export function selfAdvertiser(node: TrichainNode, fingerprint: string, address: string, comet?: CometAd): () => PeerAd {
  let ad = signPeerAd(node, fingerprint, address, Date.now(), comet);
  return () => (Date.now() - ad.time > AD_REFRESH_MS ? (ad = signPeerAd(node, fingerprint, address, Date.now(), comet)) : ad);
}

/** Why an ad's CometBFT part is unusable (null when absent or sound): malformed ID, unknown chain, unroutable address. */
function cometFault(comet: unknown): string | null {
  if (comet === undefined) return null;
  const r = cometAdSchema.safeParse(comet);
  if (!r.success) return `malformed CometBFT peer: ${r.error.issues.map((i) => `${i.path.join('.') || 'comet'} ${i.message}`).join('; ').slice(0, 200)}`;
  for (const [c, a] of Object.entries(r.data.p2p)) if (!dialableAddress(a)) return `CometBFT P2P address for ${c} is not dialable`;
  return null;
}

/** Why an ad's signature or time does not hold (null when they do). */
function adFault(bls: BlsApi, b: SignedBinding, ad: PeerAd, lastTime: number | undefined, now: number): string | null {
  if (!Number.isSafeInteger(ad.time) || typeof ad.sig !== 'string' || !/^[0-9a-f]{192}$/.test(ad.sig)) return 'unsigned';
  if (ad.time < now - MAX_AD_AGE_MS) return 'expired';
  if (ad.time > now + MAX_AD_SKEW_MS) return 'dated in the future';
  if (lastTime !== undefined && ad.time <= lastTime) return 'not newer than the ad already taken';
  try {
    return bls.verify(b.statement.blsPk, adMessage(b.statement.fingerprint, b.statement.blsPk, ad.address, ad.time, ad.comet), fromHex(ad.sig, 96)) ? null : 'bad signature';
  } catch {
    return 'bad signature'; // not a point on the curve
  }
}

/** True when `pk` is a validator of one of the node's chains, in any recorded set (current or scheduled). */
function isAnyValidator(node: TrichainNode, pk: Uint8Array): boolean {
  for (const c of node.chains()) {
    for (const [, vs] of node.ledger.state(c).scan('validators/')) if (isValidator(vs as unknown as ValidatorInfo[], pk)) return true;
  }
  return false;
}

/** A refused ad: whose (as far as it could be read) and why. */
export interface AdRefusal {
  fingerprint: string | null;
  name: string | null;
  reason: string;
}

/** A refusal callback that logs each peer's refusal reason when it changes (not at every exchange). */
export function adRefusalLog(log: (line: string) => void): (r: AdRefusal) => void {
  const last = new Map<string, string>();
  return (r) => {
    const who = r.fingerprint ?? '?';
    if (last.get(who) === r.reason) return;
    if (last.size > 1024) last.clear();
    last.set(who, r.reason);
    log(`peer ad of ${r.name ?? '?'} (${who.slice(0, 16)}…) not taken: ${r.reason}`);
  };
}

export interface MergeOptions {
  now?: number;
  onRefused?: (r: AdRefusal) => void;
}

/** Pins advertised validators (checked as described above); returns how many addresses changed. */
export function mergePeerAds(node: TrichainNode, ownFingerprint: string, ads: unknown, o: MergeOptions = {}): number {
  if (!Array.isArray(ads)) return 0;
  const now = o.now ?? Date.now();
  let list: PeerList;
  try {
    list = PeerList.load(node.paths.dir);
  } catch {
    return 0;
  }
  let changed = 0;
  for (const raw of ads.slice(0, MAX_ADS) as unknown[]) {
    const ad = raw as PeerAd;
    const refuse = (reason: string, st?: { fingerprint: string; name: string }) => o.onRefused?.({ fingerprint: st?.fingerprint ?? null, name: st?.name ?? null, reason });
    if (!ad || typeof ad !== 'object' || typeof ad.binding !== 'string' || typeof ad.address !== 'string') {
      refuse('malformed');
      continue;
    }
    let b: SignedBinding;
    try {
      b = decodeBindingString(ad.binding);
    } catch {
      refuse('malformed binding');
      continue;
    }
    const st = b.statement;
    if (st.fingerprint === ownFingerprint || bytesEqual(st.blsPk, node.identity.blsPublicKey)) continue;
    if (ad.address.length > MAX_ADDRESS || !dialableAddress(ad.address)) {
      refuse('address is not dialable', st);
      continue;
    }
    const cur = list.get(st.fingerprint);
    if (cur?.bad) continue; // a dropped peer stays dropped
    if (cur && cur.blsPk !== toHex(st.blsPk)) {
      refuse('the fingerprint is pinned to another key', st);
      continue;
    }
    const fault = cometFault(ad.comet) ?? adFault(node.bls, b, ad, cur?.advertised?.time, now) ?? (verifyBinding(node.bls, b) ? null : 'binding does not verify') ?? (isAnyValidator(node, st.blsPk) ? null : 'not a validator here (yet)');
    if (fault) {
      // the same ad offered again by another relay is no news
      if (!(cur?.advertised && cur.advertised.time === ad.time && cur.advertised.address === ad.address)) refuse(fault, st);
      continue;
    }
    const advertised = { address: ad.address, time: ad.time, sig: ad.sig, ...(ad.comet ? { comet: ad.comet } : {}) };
    const rec: PeerRecord = cur
      ? { ...cur, address: ad.address, advertised }
      : { address: ad.address, fingerprint: st.fingerprint, blsPk: toHex(st.blsPk), role: st.role, name: st.name, binding: ad.binding, lastSeen: null, source: 'manual', advertised };
    try {
      list.upsert(rec);
      if (cur?.address !== ad.address) changed++;
    } catch (e) {
      refuse(`invalid record: ${(e as Error).message.slice(0, 200)}`, st);
    }
  }
  return changed;
}

/** The ads of the validators among this node's pinned peers (and this node's own ad). */
export function peerAds(node: TrichainNode, self: PeerAd | null): PeerAd[] {
  let recs: PeerRecord[] = [];
  try {
    recs = PeerList.load(node.paths.dir).good();
  } catch {
    recs = [];
  }
  const out: PeerAd[] = self ? [self] : [];
  // Only what a validator signed itself is passed on, as it signed it.
  for (const r of recs) {
    const a = r.advertised;
    if (!r.binding || !a || a.address !== r.address || !dialableAddress(r.address)) continue;
    if (isAnyValidator(node, fromHex(r.blsPk, 48))) out.push({ binding: r.binding, address: a.address, time: a.time, sig: a.sig, ...(a.comet ? { comet: a.comet } : {}) });
  }
  return out;
}

/** POST /validator-peers: takes the caller's ad (its binding must name the calling connection), answers ours. */
export function validatorPeersRoute(node: TrichainNode, self: () => PeerAd | null, ownFingerprint: () => string, onChange: () => void, onRefused?: (r: AdRefusal) => void): Route {
  return route(
    'POST',
    '/validator-peers',
    ({ peer, body }) => {
      const ad = body as unknown as PeerAd | undefined;
      if (ad && typeof ad === 'object' && typeof ad.binding === 'string') {
        try {
          const b = decodeBindingString(ad.binding);
          if (b.statement.fingerprint !== peer.fingerprint || !bytesEqual(b.statement.blsPk, peer.blsPk)) throw new HttpError(400, 'the binding does not name this connection');
        } catch (e) {
          if (e instanceof HttpError) throw e;
          throw new HttpError(400, 'malformed binding');
        }
        if (mergePeerAds(node, ownFingerprint(), [ad], { onRefused }) > 0) onChange();
      }
      return { body: peerAds(node, self()) as unknown as Canonical };
    },
    { maxBodyBytes: 64 * 1024 },
  );
}

/** Client side: tells each peer our address and pins the validators it knows. */
export async function exchangeValidatorPeers(node: TrichainNode, clients: PeerClient[], self: PeerAd | null, ownFingerprint: string, signal?: AbortSignal, onRefused?: (r: AdRefusal) => void): Promise<number> {
  let changed = 0;
  for (const c of clients) {
    if (signal?.aborted) break;
    try {
      const r = await c.request('POST', '/validator-peers', self as unknown as Canonical, signal);
      if (r.status === 200) changed += mergePeerAds(node, ownFingerprint, r.body, { onRefused });
    } catch {
      // unreachable or an older node without the route: next peer
    }
  }
  return changed;
}
