/**
 * The persistent list of pinned peers: DIR/peers.json, rewritten atomically (temp file, fsync,
 * rename). A peer is pinned by its TLS fingerprint and carries its signed binding statement, so
 * the pin can be re-verified whenever the list is loaded.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeJsonAtomic } from '../storage/atomic-file';
import { join } from 'node:path';
import { z } from 'zod';
import { toHex } from '../codec/hex';
import { CHAINS } from '../../src-shared/vocabulary';
import { ROLES } from '../../src-shared/vocabulary';

export const PEERS_FILE = 'peers.json';

const ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

/**
 * A validator's CometBFT peer identity, carried in its signed ad (node/peer-ads.ts): its node ID
 * (hex of its node key's address, CometBFT's `id@host:port`) and, per chain, where its CometBFT
 * listens for peers. At most one address per chain; unknown chains refused.
 */
export const cometAdSchema = z
  .object({
    node: z.string().regex(/^[0-9a-f]{40}$/, 'CometBFT node ID must be 40 lowercase hex characters'),
    p2p: z.partialRecord(z.enum(CHAINS), z.string().max(300).regex(ADDRESS, 'CometBFT P2P address must be host:port')),
  })
  .strict();
export type CometAd = z.infer<typeof cometAdSchema>;

const peerSchema = z
  .object({
    address: z.string().regex(ADDRESS),
    fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
    blsPk: z.string().regex(/^[0-9a-f]{96}$/),
    role: z.enum(ROLES),
    name: z.string().min(1).max(128),
    /** 'trichain-peer:…' string of its signed binding statement. */
    binding: z.string().optional(),
    validatorOf: z.array(z.enum(CHAINS)).optional(),
    lastSeen: z.number().int().nonnegative().nullable(),
    /** Why the peer was dropped (it served something invalid); absent for good peers. */
    bad: z.string().optional(),
    /** How it was added: 'invite' (we joined through it) or 'join' (it joined through us). */
    source: z.enum(['invite', 'join', 'manual']).optional(),
    /** The peer's own signed advertisement of its address (node/peer-ads.ts): what we relay, and the newest time we took. */
    advertised: z.object({ address: z.string().max(300), time: z.number().int().nonnegative(), sig: z.string().regex(/^[0-9a-f]{192}$/), comet: cometAdSchema.optional() }).strict().optional(),
  })
  .strict();

const fileSchema = z.object({ version: z.literal(1), peers: z.array(peerSchema) }).strict();

export type PeerRecord = z.infer<typeof peerSchema>;

export class PeerList {
  private peers: PeerRecord[];

  private constructor(
    readonly file: string,
    peers: PeerRecord[],
  ) {
    this.peers = peers;
  }

  static pathIn(dataDir: string): string {
    return join(dataDir, PEERS_FILE);
  }

  /** Loads DIR/peers.json (an empty list if there is none); throws if the file is damaged. */
  static load(dataDir: string): PeerList {
    const file = PeerList.pathIn(dataDir);
    if (!existsSync(file)) return new PeerList(file, []);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`peers: ${file} is not valid JSON: ${(e as Error).message}`);
    }
    const r = fileSchema.safeParse(json);
    if (!r.success) throw new Error(`peers: ${file} is invalid: ${r.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
    return new PeerList(file, r.data.peers);
  }

  list(): PeerRecord[] {
    return this.peers.map((p) => ({ ...p }));
  }

  /** Peers not marked bad. */
  good(): PeerRecord[] {
    return this.list().filter((p) => !p.bad);
  }

  get(fingerprint: string): PeerRecord | null {
    const p = this.peers.find((x) => x.fingerprint === fingerprint);
    return p ? { ...p } : null;
  }

  byBlsPk(blsPk: Uint8Array): PeerRecord | null {
    const hex = toHex(blsPk);
    const p = this.peers.find((x) => x.blsPk === hex);
    return p ? { ...p } : null;
  }

  /** Adds or replaces (by fingerprint) a peer, and saves. */
  upsert(rec: PeerRecord): void {
    const v = peerSchema.parse(rec);
    const i = this.peers.findIndex((x) => x.fingerprint === v.fingerprint);
    if (i >= 0) this.peers[i] = v;
    else this.peers.push(v);
    this.save();
  }

  remove(fingerprint: string): void {
    this.peers = this.peers.filter((x) => x.fingerprint !== fingerprint);
    this.save();
  }

  markBad(fingerprint: string, reason: string): void {
    this.update(fingerprint, (p) => ({ ...p, bad: reason.slice(0, 500) }));
  }

  clearBad(fingerprint: string): void {
    this.update(fingerprint, ({ bad: _bad, ...p }) => p);
  }

  markSeen(fingerprint: string, time = Date.now()): void {
    this.update(fingerprint, (p) => ({ ...p, lastSeen: time }));
  }

  private update(fingerprint: string, f: (p: PeerRecord) => PeerRecord): void {
    const i = this.peers.findIndex((x) => x.fingerprint === fingerprint);
    if (i < 0) return;
    this.peers[i] = peerSchema.parse(f(this.peers[i]));
    this.save();
  }

  save(): void {
    writeJsonAtomic(this.file, { version: 1, peers: this.peers });
  }
}
