/**
 * The daemon's blob round: fetch the record ciphertexts this node is entitled to (net/acl
 * `mayReceiveBlob`) and lacks, from any dialable peer, at most 50 per round; a blob no peer served
 * is retried after 30 s. A blob whose record was erased while it was in flight is shredded again.
 */
import { fromHex } from '../codec/hex';
import type { ChainId } from '../ledger/types';
import { mayReceiveBlob } from '../net/acl';
import type { PeerClient } from '../net/client';
import { fetchBlob, type SyncSession } from '../net/sync';
import type { TrichainNode } from './node';
import type { BlobIndex, NodeSyncStore } from './sync-adapter';

const PER_ROUND = 50;
const RETRY_AFTER_MS = 30_000;

export class BlobFetcher {
  /** Blob hash (hex) → when it may be asked for again. */
  private readonly retryAt = new Map<string, number>();

  constructor(
    private readonly node: TrichainNode,
    private readonly index: BlobIndex,
    private readonly store: NodeSyncStore,
    private readonly session: SyncSession,
  ) {}

  /**
   * One round over `clients`; `validatorOf` is the chains this node validates (the ACL's input).
   * Answers how many ciphertexts it fetched.
   */
  async run(clients: PeerClient[], validatorOf: ChainId[], signal: AbortSignal): Promise<number> {
    const node = this.node;
    const me = { role: node.config.role, blsPk: node.identity.blsPublicKey, validatorOf };
    if (clients.length === 0) return 0;
    const now = Date.now();
    let budget = PER_ROUND;
    let fetched = 0;
    for (const [hex, meta] of this.index.entries()) {
      if (budget <= 0 || signal.aborted) break;
      if ((this.retryAt.get(hex) ?? 0) > now) continue;
      const hash = fromHex(hex, 32);
      if (node.blobs.has(hash) || !mayReceiveBlob(me, meta)) continue;
      budget--;
      let got = false;
      for (const c of clients) {
        try {
          if (await fetchBlob(c, this.store, hash, this.session)) {
            got = true;
            break;
          }
        } catch {
          // next peer
        }
      }
      // Erased while it was in flight: shred it again.
      if (got && !this.index.entries().some(([h]) => h === hex)) node.blobs.delete(hash);
      if (!got) this.retryAt.set(hex, now + RETRY_AFTER_MS);
      else fetched++;
    }
    return fetched;
  }
}
