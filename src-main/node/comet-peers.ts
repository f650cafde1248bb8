/**
 * Where a validator's CometBFT listens and whom it dials, without a hand-edited file.
 *
 * Ports: per chain, DIR/cometbft/cometbft.json's `p2p`/`rpc` when the operator set them (a
 * firewall wants fixed ports); else the ports this node chose before (DIR/cometbft/ports.json,
 * written by the node; for a home made before that file existed, the ones in its config.toml);
 * else free ports picked now and remembered. Nobody types them elsewhere: each validator's signed
 * peer ad carries them (node/peer-ads.ts `comet`).
 *
 * Persistent peers of a chain: every other validator of that chain, in the set in force at the
 * committed height (CometBFT's set at the next height: a removed validator still votes there) or in
 * a set scheduled after it (so a validator being added is dialled before its change takes effect), as `nodeId@host:port` from that validator's own signed ad
 * pinned in DIR/peers.json. A validator whose ad has not arrived yet is left out until it does
 * (node/cometbft.ts restarts CometBFT when the list changes). An explicit `peers` list in
 * cometbft.json replaces the computed one.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { toHex } from '../codec/hex';
import { freePort } from '../consensus/cometbft/network';
import { validatorSets } from '../consensus/cometbft/validators';
import type { ChainId, ValidatorInfo } from '../ledger/types';
import { PeerList, type CometAd, type PeerRecord } from '../net/peers';
import { writeJsonAtomic } from '../storage/atomic-file';
import { CHAINS } from '../../src-shared/vocabulary';
import type { TrichainNode } from './node';

export interface CometPorts {
  p2p: number;
  rpc: number;
}

const port = z.number().int().min(1).max(65535);
const portsSchema = z.partialRecord(z.enum(CHAINS), z.object({ p2p: port, rpc: port }).strict());

/** The validator sets a chain's CometBFT peers with: the one in force at `height` and every one scheduled after it. */
export function peeringSets(sets: { from: number; vs: ValidatorInfo[] }[], height: number): ValidatorInfo[][] {
  const sorted = [...sets].sort((a, b) => a.from - b.from);
  let i = 0;
  for (let k = 0; k < sorted.length; k++) if (sorted[k].from <= height) i = k;
  return sorted.slice(i).map((s) => s.vs);
}

/**
 * CometBFT's persistent_peers for `chain`: `nodeId@address` of each validator in `sets` other than
 * `self`, from its pinned, not-dropped peer record's signed ad; sorted, without duplicates.
 */
export function cometPeerList(chain: ChainId, sets: ValidatorInfo[][], self: Uint8Array, records: PeerRecord[]): string[] {
  const selfHex = toHex(self);
  const wanted = new Set(sets.flat().map((v) => toHex(v.blsPk)).filter((k) => k !== selfHex));
  const out = new Set<string>();
  for (const r of records) {
    if (r.bad || !wanted.has(r.blsPk)) continue;
    const c: CometAd | undefined = r.advertised?.comet;
    const addr = c?.p2p[chain];
    if (c && addr) out.add(`${c.node}@${addr}`);
  }
  return [...out].sort();
}

/** The chain's validator set in force at `height`, then each one scheduled after it. */
export function validatorSetsFrom(node: TrichainNode, chain: ChainId, height: number): ValidatorInfo[][] {
  return peeringSets(validatorSets(node.ledger, chain), height);
}

/** The persistent peers of `chain` for this node now (see above). */
export function cometPeersOf(node: TrichainNode, chain: ChainId): string[] {
  let records: PeerRecord[] = [];
  try {
    records = PeerList.load(node.paths.dir).list();
  } catch {
    records = []; // a damaged peers.json is reported by the daemon
  }
  // from the set in force at the committed height h: CometBFT's set at h + 1, the one voting next
  return cometPeerList(chain, validatorSetsFrom(node, chain, node.ledger.height(chain)), node.identity.blsPublicKey, records);
}

function portsInConfig(home: string): CometPorts | null {
  const f = join(home, 'config', 'config.toml');
  if (!existsSync(f)) return null;
  const t = readFileSync(f, 'utf8');
  const rpc = /^\[rpc\][^[]*?^laddr = "tcp:\/\/[^"]*:(\d+)"/ms.exec(t);
  const p2p = /^\[p2p\][^[]*?^laddr = "tcp:\/\/[^"]*:(\d+)"/ms.exec(t);
  return rpc && p2p ? { p2p: Number(p2p[1]), rpc: Number(rpc[1]) } : null;
}

/**
 * Each chain's CometBFT ports for this node: `explicit` (cometbft.json) first, then the ones chosen
 * before, else free ones, remembered in DIR/cometbft/ports.json.
 */
export async function resolveCometPorts(dir: string, explicit: Partial<Record<ChainId, Partial<CometPorts>>>): Promise<Record<ChainId, CometPorts>> {
  const file = join(dir, 'cometbft', 'ports.json');
  let saved: Partial<Record<ChainId, CometPorts>> = {};
  if (existsSync(file)) {
    const r = portsSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!r.success) throw new Error(`${file} is invalid (delete it to choose new ports): ${r.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
    saved = r.data;
  }
  const out = {} as Record<ChainId, CometPorts>;
  let changed = false;
  for (const chain of CHAINS) {
    let p = saved[chain] ?? portsInConfig(join(dir, 'cometbft', chain));
    if (!p) p = { p2p: await freePort(), rpc: await freePort() };
    if (saved[chain]?.p2p !== p.p2p || saved[chain]?.rpc !== p.rpc) changed = true;
    saved[chain] = p;
    const e = explicit[chain] ?? {};
    out[chain] = { p2p: e.p2p ?? p.p2p, rpc: e.rpc ?? p.rpc };
  }
  if (changed) {
    mkdirSync(join(dir, 'cometbft'), { recursive: true });
    writeJsonAtomic(file, saved);
  }
  return out;
}
