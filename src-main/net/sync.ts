/**
 * Catch-up sync (DESIGN.md §4).
 *
 * Server side, syncRoutes() — every route checks the peer's entitlements (./acl) first:
 *   GET  /chains                          chains this peer may get: { chains: [{ chain, height, genesis }] }
 *   GET  /blocks/:chain?from=H&limit=N    blocks H..H+N-1 as a stream of frames (./frames); 403 and no
 *                                         block bytes if the peer may not receive the chain
 *   GET  /light/:chain?from=H&limit=N     headers, certificates and the peer's own transactions with
 *                                         inclusion proofs, for light clients (./light-sync)
 *   GET  /genesis/:chain                  the chain's genesis document (canonical CBOR): a public trust anchor for every peer
 *   GET  /blob/:hash                      a ciphertext blob (CBOR byte string); 404 both when it is
 *                                         absent and when the peer is not entitled (no existence oracle)
 *   POST /tx/:chain                       a signed transaction for the mempool (injected handler)
 *   POST /consensus/:chain                a consensus message, from validators of that chain only
 *
 * Client side, syncChain() streams from the local height + 1 and hands the blocks to the store in
 * windows of up to APPEND_BATCH_BLOCKS (SyncStore.appendBlocks: authenticated by the certificate of
 * the window's last block, docs/consensus.md) or one by one (appendBlock). A broken connection is an
 * interruption: what was stored stays, and sync resumes from the new local height (up to `retries`
 * times, or on the next call). A block the store refuses, a malformed stream, a different genesis
 * or a blob whose hash differs makes the peer bad: sync stops, nothing of that window is stored,
 * the peer is returned in the result and a SyncSession never contacts it again.
 */
import { sha256 } from '../crypto/hash';
import { bytesEqual, canonicalDecode, type Canonical } from '../codec/canonical';
import { genesisHash } from '../ledger/encoding';
import { fromHex, toHex } from '../codec/hex';
import { isChainId, type Genesis } from '../ledger/types';
import { CHAINS, type ChainId } from '../../src-shared/vocabulary';
import { chainsFor, mayReceiveBlob, mayReceiveChain, maySendConsensus, maySubmitTx, type BlobMeta } from './acl';
import { PeerHttpError, type PeerClient } from './client';
import { FrameError } from './frames';
import { HttpError, route, type Route } from './server';
import type { SyncStore } from './sync-store';
import { lightRoute, syncLightChain } from './light-sync';
import type { PeerIdentity } from './types';

export const DEFAULT_MAX_BLOCKS_PER_REQUEST = 1000;
/** A catch-up window where the store takes one (appendBlocks): at most this many blocks (or bytes). */
export const APPEND_BATCH_BLOCKS = 256;
export const APPEND_BATCH_BYTES = 8 * 1024 * 1024;

export interface SyncRoutesOptions {
  store: SyncStore;
  /** Metadata of a blob from the ledger's index (null if the ledger knows no such blob). */
  blobMeta(hash: Uint8Array): BlobMeta | null;
  /** Submits a signed transaction to the mempool; returns a CBOR answer (e.g. { accepted, id }). */
  onTx?(chain: ChainId, tx: Canonical, peer: PeerIdentity): Canonical | Promise<Canonical>;
  /** Delivers a consensus message; returns a CBOR answer (null if none). */
  onConsensus?(chain: ChainId, msg: Canonical, peer: PeerIdentity): Canonical | Promise<Canonical>;
  /** The canonical CBOR of a chain's genesis document (served to peers entitled to the chain). */
  genesisDoc?(chain: ChainId): Uint8Array | null;
  maxBlocksPerRequest?: number;
  /** Body limit for transactions and consensus messages. */
  maxMessageBytes?: number;
}

export function chainParam(s: string): ChainId {
  if (!isChainId(s)) throw new HttpError(404, 'no such chain');
  return s;
}

export function intParam(q: URLSearchParams, name: string, dflt: number | null, min: number, max: number): number {
  const v = q.get(name);
  if (v === null) {
    if (dflt === null) throw new HttpError(400, `${name} is required`);
    return dflt;
  }
  if (!/^\d{1,15}$/.test(v)) throw new HttpError(400, `${name} must be a non-negative integer`);
  const n = Number(v);
  if (n < min || n > max) throw new HttpError(400, `${name} must be in ${min}..${max}`);
  return n;
}

export function syncRoutes(o: SyncRoutesOptions): Route[] {
  const maxBlocks = o.maxBlocksPerRequest ?? DEFAULT_MAX_BLOCKS_PER_REQUEST;
  const msgLimit = o.maxMessageBytes ?? 1024 * 1024;
  return [
    route('GET', '/chains', ({ peer }) => {
      const chains: Canonical[] = [];
      for (const chain of chainsFor(peer)) {
        if (o.store.isLight?.(chain)) continue; // a light client serves nothing of that chain
        const genesis = o.store.genesisHash(chain);
        if (genesis) chains.push({ chain, height: o.store.servedHeight?.(chain) ?? o.store.height(chain), genesis });
      }
      return { body: { chains } };
    }),

    route('GET', '/blocks/:chain', ({ peer, params, query }) => {
      const chain = chainParam(params.chain);
      if (!mayReceiveChain(peer, chain)) throw new HttpError(403, `not entitled to the ${chain} chain`);
      const from = intParam(query, 'from', null, 1, Number.MAX_SAFE_INTEGER);
      const limit = intParam(query, 'limit', maxBlocks, 1, maxBlocks);
      const top = Math.min(o.store.servedHeight?.(chain) ?? o.store.height(chain), from + limit - 1);
      const store = o.store;
      function* blocks(): Generator<Uint8Array> {
        for (let h = from; h <= top; h++) {
          const b = store.blockBytes(chain, h);
          if (!b) return;
          yield b;
        }
      }
      return { stream: blocks() };
    }),

    lightRoute(o.store, maxBlocks),

    // Genesis documents are trust anchors (validator keys with their proofs of possession), not
    // chain content: any authenticated peer may fetch them, so that an entity holding only the
    // social chain can verify cross-chain proofs that reach into the other two (DESIGN.md §5).
    route('GET', '/genesis/:chain', ({ params }) => {
      const chain = chainParam(params.chain);
      const doc = o.genesisDoc?.(chain);
      if (!doc) throw new HttpError(404, 'no genesis for this chain');
      return { body: doc };
    }),

    route('GET', '/blob/:hash', ({ peer, params }) => {
      let hash: Uint8Array;
      try {
        hash = fromHex(params.hash, 32);
      } catch {
        throw new HttpError(400, 'blob hash must be 64 hex characters');
      }
      if (!mayReceiveBlob(peer, o.blobMeta(hash))) throw new HttpError(404, 'no such blob');
      const bytes = o.store.blob(hash);
      if (!bytes) throw new HttpError(404, 'no such blob');
      return { body: bytes };
    }),

    route(
      'POST',
      '/tx/:chain',
      async ({ peer, params, body }) => {
        const chain = chainParam(params.chain);
        if (!maySubmitTx(peer, chain)) throw new HttpError(403, `not entitled to the ${chain} chain`);
        if (body === undefined) throw new HttpError(400, 'transaction body required');
        if (!o.onTx) throw new HttpError(501, 'this node takes no transactions');
        return { body: await o.onTx(chain, body, peer) };
      },
      { maxBodyBytes: msgLimit },
    ),

    route(
      'POST',
      '/consensus/:chain',
      async ({ peer, params, body }) => {
        const chain = chainParam(params.chain);
        if (!maySendConsensus(peer, chain)) throw new HttpError(403, `not a validator of the ${chain} chain`);
        if (body === undefined) throw new HttpError(400, 'message body required');
        if (!o.onConsensus) throw new HttpError(501, 'this node runs no consensus');
        return { body: await o.onConsensus(chain, body, peer) };
      },
      { maxBodyBytes: msgLimit },
    ),
  ];
}

// ---------------------------------------------------------------- client side

export interface RemoteChain {
  chain: ChainId;
  height: number;
  genesis: Uint8Array;
}

/** GET /chains, validated. */
export async function remoteChains(client: PeerClient, signal?: AbortSignal): Promise<RemoteChain[]> {
  const body = (await client.call('GET', '/chains', undefined, signal)) as { chains?: unknown } | undefined;
  if (!body || !Array.isArray(body.chains)) throw new FrameError('sync: malformed /chains answer');
  return body.chains.map((c: unknown) => {
    const x = c as Record<string, unknown>;
    if (!x || !isChainId(x.chain) || !Number.isSafeInteger(x.height) || (x.height as number) < 0 || !(x.genesis instanceof Uint8Array) || x.genesis.length !== 32)
      throw new FrameError('sync: malformed /chains entry');
    return { chain: x.chain, height: x.height as number, genesis: x.genesis };
  });
}

export interface BadPeer {
  fingerprint: string;
  reason: string;
  chain?: ChainId;
  height?: number;
}

/** Peers found bad in this session; they are not contacted again. */
export class SyncSession {
  readonly bad = new Map<string, BadPeer>();
  constructor(private readonly onBadPeer?: (b: BadPeer) => void) {}

  isBad(fingerprint: string): boolean {
    return this.bad.has(fingerprint);
  }

  markBad(b: BadPeer): void {
    if (this.bad.has(b.fingerprint)) return;
    this.bad.set(b.fingerprint, b);
    this.onBadPeer?.(b);
  }
}

export interface SyncProgress {
  chain: ChainId;
  peer: string;
  /** Local height now. */
  height: number;
  /** The peer's height when sync started. */
  target: number;
  /** Blocks stored in this call. */
  applied: number;
  bytes: number;
  elapsedMs: number;
  blocksPerSecond: number;
}

export interface SyncOptions {
  onProgress?(p: SyncProgress): void;
  /** Blocks asked for per request (default 500). */
  batchSize?: number;
  /** Automatic resumptions after interruptions without progress (default 2). */
  retries?: number;
  session?: SyncSession;
  signal?: AbortSignal;
}

export interface SyncResult {
  chain: ChainId;
  /** The peer's fingerprint. */
  peer: string;
  startHeight: number;
  height: number;
  target: number;
  applied: number;
  bytes: number;
  complete: boolean;
  /** Why sync stopped early without blaming the peer (network, peer lacks the chain, …). */
  stopped?: string;
  /** Set when the peer served something invalid; it has been dropped. */
  badPeer?: BadPeer;
}

/** A catch-up from one peer under way: its result so far; done() finishes it, bad() also drops the peer. */
export interface SyncRun {
  batch: number;
  retries: number;
  r: SyncResult;
  done(extra: Partial<SyncResult>): SyncResult;
  bad(reason: string, height?: number): SyncResult;
}

/**
 * The opening of full and light catch-up (syncChain, ./light-sync): a dropped peer is not asked
 * again, its chain must have our genesis, its height is the target. `{ finished }` when sync cannot
 * start (`refuse`, when given, stops it before the peer is contacted).
 */
export async function beginSync(client: PeerClient, store: SyncStore, chain: ChainId, opts: SyncOptions, refuse?: string): Promise<{ finished: SyncResult } | SyncRun> {
  const session = opts.session ?? new SyncSession();
  const batch = Math.max(1, Math.min(opts.batchSize ?? 500, DEFAULT_MAX_BLOCKS_PER_REQUEST));
  const retries = opts.retries ?? 2;
  const peer = client.fingerprint;
  const startHeight = store.height(chain);
  const r: SyncResult = { chain, peer, startHeight, height: startHeight, target: startHeight, applied: 0, bytes: 0, complete: false };
  const done = (extra: Partial<SyncResult>): SyncResult => Object.assign(r, { height: store.height(chain) }, extra);
  const bad = (reason: string, height?: number): SyncResult => {
    const b: BadPeer = { fingerprint: peer, reason, chain, height };
    session.markBad(b);
    return done({ badPeer: b, stopped: reason });
  };
  const finish = (x: SyncResult) => ({ finished: x });
  if (refuse) return finish(done({ stopped: refuse }));
  if (session.isBad(peer)) return finish(done({ stopped: 'peer was dropped earlier in this session' }));
  const localGenesis = store.genesisHash(chain);
  if (!localGenesis) return finish(done({ stopped: `no local genesis for the ${chain} chain` }));
  let remote: RemoteChain | undefined;
  try {
    remote = (await remoteChains(client, opts.signal)).find((c) => c.chain === chain);
  } catch (e) {
    if (e instanceof FrameError) return finish(bad((e as Error).message));
    return finish(done({ stopped: `could not list the peer's chains: ${(e as Error).message}` }));
  }
  if (!remote) return finish(done({ stopped: `peer does not serve the ${chain} chain to us` }));
  if (!bytesEqual(remote.genesis, localGenesis)) return finish(bad(`peer's ${chain} chain has another genesis (another network)`));
  r.target = remote.height;
  return { batch, retries, r, done, bad };
}
export async function syncChain(client: PeerClient, store: SyncStore, chain: ChainId, opts: SyncOptions = {}): Promise<SyncResult> {
  const t0 = performance.now();
  const run = await beginSync(client, store, chain, opts);
  if ('finished' in run) return run.finished;
  const { batch, retries, r, done, bad } = run;
  const peer = r.peer;

  let failures = 0;
  while (store.height(chain) < r.target) {
    if (opts.signal?.aborted) return done({ stopped: 'aborted' });
    const from = store.height(chain) + 1;
    const limit = Math.min(batch, r.target - from + 1);
    let got = 0;
    const pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const flush = (): SyncResult | null => {
      if (pending.length === 0) return null;
      try {
        if (store.appendBlocks && pending.length > 1) store.appendBlocks(chain, pending);
        else for (const b of pending) store.appendBlock(chain, b);
      } catch (e) {
        // A refused window: the block at fault, as the store names it (else the next height).
        const at = (e as { height?: number }).height;
        const h = Number.isSafeInteger(at) && at! > store.height(chain) ? at! : store.height(chain) + 1;
        return bad(`block ${h} refused: ${(e as Error).message}`, h);
      }
      for (const b of pending) {
        got++;
        r.applied++;
        r.bytes += b.length;
        if (opts.onProgress) {
          const elapsedMs = performance.now() - t0;
          opts.onProgress({ chain, peer, height: from + got - 1, target: r.target, applied: r.applied, bytes: r.bytes, elapsedMs, blocksPerSecond: elapsedMs > 0 ? (r.applied * 1000) / elapsedMs : 0 });
        }
      }
      pending.length = 0;
      pendingBytes = 0;
      return null;
    };
    try {
      for await (const bytes of client.stream(`/blocks/${chain}?from=${from}&limit=${limit}`, opts.signal)) {
        if (got + pending.length >= limit) return bad(`peer sent more blocks than asked for (${limit})`);
        pending.push(bytes);
        pendingBytes += bytes.length;
        const refused = pending.length >= APPEND_BATCH_BLOCKS || pendingBytes >= APPEND_BATCH_BYTES ? flush() : null;
        if (refused) return refused;
      }
      const refused = flush();
      if (refused) return refused;
      if (got < limit) throw new Error(`stream ended after ${got} of ${limit} blocks`);
      failures = 0;
    } catch (e) {
      if (e instanceof FrameError) return bad((e as Error).message, from + got);
      if (e instanceof PeerHttpError && e.status === 403) return done({ stopped: e.message });
      const refused = flush(); // an interruption: the blocks that arrived form a window of their own
      if (refused) return refused;
      if (got > 0) failures = 0; // progress was made: resuming is worthwhile
      if (++failures > retries) return done({ stopped: `interrupted: ${(e as Error).message}` });
    }
  }
  return done({ complete: true });
}

/**
 * Syncs each chain from the first peer that is not bad and serves it; when a peer is dropped or
 * interrupted, the next one continues from where the store stopped.
 */
export async function syncFromPeers(clients: PeerClient[], store: SyncStore, chains: readonly ChainId[] = CHAINS, opts: SyncOptions = {}): Promise<SyncResult[]> {
  const session = opts.session ?? new SyncSession();
  const results: SyncResult[] = [];
  for (const chain of chains) {
    for (const c of clients) {
      if (session.isBad(c.fingerprint)) continue;
      const res = await (store.isLight?.(chain) ? syncLightChain : syncChain)(c, store, chain, { ...opts, session });
      results.push(res);
      if (res.complete) break;
    }
  }
  return results;
}

/**
 * Fetches a chain's genesis document for a joining node and checks it hashes to the genesis hash
 * the invite carried. A peer serving another document is marked bad.
 */
export async function fetchGenesis(client: PeerClient, chain: ChainId, expectedHash: Uint8Array, session = new SyncSession()): Promise<Genesis> {
  if (session.isBad(client.fingerprint)) throw new Error('sync: peer was dropped earlier in this session');
  const bytes = await client.call('GET', `/genesis/${chain}`);
  let g: Genesis | null = null;
  try {
    if (bytes instanceof Uint8Array) g = canonicalDecode(bytes) as unknown as Genesis;
  } catch {
    g = null;
  }
  if (!g || g.chain !== chain || !bytesEqual(genesisHash(g), expectedHash)) {
    session.markBad({ fingerprint: client.fingerprint, reason: `served a ${chain} genesis that does not match the invite`, chain });
    throw new Error(`sync: the peer's ${chain} genesis does not match the expected hash`);
  }
  return g;
}

/** Fetches a blob, checks it hashes to what was asked for, stores it. Null if the peer has none for us. */
export async function fetchBlob(client: PeerClient, store: SyncStore, hash: Uint8Array, session = new SyncSession()): Promise<Uint8Array | null> {
  if (session.isBad(client.fingerprint)) throw new Error('sync: peer was dropped earlier in this session');
  const r = await client.request('GET', `/blob/${toHex(hash)}`);
  if (r.status === 404) return null;
  if (r.status !== 200) throw new PeerHttpError(r.status, `HTTP ${r.status}`);
  if (!(r.body instanceof Uint8Array) || !bytesEqual(sha256(r.body), hash)) {
    session.markBad({ fingerprint: client.fingerprint, reason: `blob ${toHex(hash)} does not hash to its name` });
    throw new Error('sync: peer served a blob that does not match its hash');
  }
  const stored = store.putBlob(r.body);
  if (!bytesEqual(stored, hash)) throw new Error('sync: store computed another hash for the blob');
  return r.body;
}
