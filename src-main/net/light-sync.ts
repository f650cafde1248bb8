/**
 * Light-client sync (DESIGN.md §3; the light chain itself: ledger/light.ts).
 *
 * Server side, lightRoute():
 *   GET /light/:chain?from=H&limit=N   blocks H..H+N-1, each reduced to its header, commit
 *                                      certificate, transaction count and the requesting peer's
 *                                      own transactions with their inclusion proofs, as a stream
 *                                      of frames. Selected by the serving node, by the peer's
 *                                      authenticated BLS key: a patient never receives another
 *                                      patient's transactions, whatever it asks. 403 unless the
 *                                      peer may hold the chain (./acl mayReceiveHeaders).
 * Whole blocks of a chain the peer holds as a light client are refused at /blocks (./acl).
 *
 * Client side, syncLightChain(): like syncChain (./sync), from the local height + 1; each light
 * block goes to SyncStore.appendLight, which checks the header's link and certificate and every
 * held transaction (signature, inclusion proof, that it is this patient's own) before storing
 * anything. A refused block makes the peer bad: nothing of it is stored, the session drops it.
 */
import type { ChainId } from '../ledger/types';
import { mayReceiveHeaders } from './acl';
import { PeerHttpError, type PeerClient } from './client';
import { FrameError } from './frames';
import { HttpError, route, type Route } from './server';
import type { SyncStore } from './sync-store';
import { beginSync, chainParam, intParam, DEFAULT_MAX_BLOCKS_PER_REQUEST, type SyncOptions, type SyncResult } from './sync';

export function lightRoute(store: SyncStore, maxBlocks = DEFAULT_MAX_BLOCKS_PER_REQUEST): Route {
  return route('GET', '/light/:chain', ({ peer, params, query }) => {
    const chain = chainParam(params.chain);
    if (!mayReceiveHeaders(peer, chain)) throw new HttpError(403, `not entitled to the ${chain} chain`);
    if (!store.lightBlockBytes || store.isLight?.(chain)) throw new HttpError(404, `this node serves no light blocks of the ${chain} chain`);
    const from = intParam(query, 'from', null, 1, Number.MAX_SAFE_INTEGER);
    const limit = intParam(query, 'limit', maxBlocks, 1, maxBlocks);
    const top = Math.min(store.servedHeight?.(chain) ?? store.height(chain), from + limit - 1);
    const forKey = peer.blsPk;
    function* blocks(): Generator<Uint8Array> {
      for (let h = from; h <= top; h++) {
        const b = store.lightBlockBytes!(chain, h, forKey);
        if (!b) return;
        yield b;
      }
    }
    return { stream: blocks() };
  });
}

/** Catch-up of a chain held as a light client, from one peer. */
export async function syncLightChain(client: PeerClient, store: SyncStore, chain: ChainId, opts: SyncOptions = {}): Promise<SyncResult> {
  const run = await beginSync(client, store, chain, opts, store.appendLight ? undefined : 'this store holds no light chains');
  if ('finished' in run) return run.finished;
  const { batch, retries, r, done, bad } = run;
  const peer = r.peer;
  const t0 = performance.now();
  let failures = 0;
  while (store.height(chain) < r.target) {
    if (opts.signal?.aborted) return done({ stopped: 'aborted' });
    const from = store.height(chain) + 1;
    const limit = Math.min(batch, r.target - from + 1);
    let got = 0;
    try {
      for await (const bytes of client.stream(`/light/${chain}?from=${from}&limit=${limit}`, opts.signal)) {
        if (got >= limit) return bad(`peer sent more blocks than asked for (${limit})`);
        try {
          store.appendLight!(chain, bytes); // present: beginSync refused a store without it
        } catch (e) {
          const h = store.height(chain) + 1;
          return bad(`light block ${h} refused: ${(e as Error).message}`, h);
        }
        got++;
        r.applied++;
        r.bytes += bytes.length;
        const elapsedMs = performance.now() - t0;
        opts.onProgress?.({ chain, peer, height: from + got - 1, target: r.target, applied: r.applied, bytes: r.bytes, elapsedMs, blocksPerSecond: elapsedMs > 0 ? (r.applied * 1000) / elapsedMs : 0 });
      }
      if (got < limit) throw new Error(`stream ended after ${got} of ${limit} light blocks`);
      failures = 0;
    } catch (e) {
      if (e instanceof FrameError) return bad((e as Error).message, from + got);
      if (e instanceof PeerHttpError && (e.status === 403 || e.status === 404)) return done({ stopped: e.message });
      if (got > 0) failures = 0;
      if (++failures > retries) return done({ stopped: `interrupted: ${(e as Error).message}` });
    }
  }
  return done({ complete: true });
}
