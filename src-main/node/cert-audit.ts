/**
 * The background audit of the certificates catch-up stored unverified (ledger/catch-up.ts;
 * docs/consensus.md "Catch-up: windows authenticated by their tip"). The daemon runs it after each
 * catch-up round: one batchVerify per group of AUDIT_GROUP certificates, one group per turn of the
 * event loop, so that peers and consensus are answered in between. Until a block's certificate is
 * audited, the node neither serves the block (NodeSyncStore.servedHeight) nor uses it in a proof.
 *
 * A certificate found bad is dropped by the ledger; the peer that served it (remembered from the
 * catch-up results of this process) is marked bad, and the block is asked again, alone, from the
 * other peers: its header must hash to the stored block, and Ledger.attachCertificate stores the
 * certificate only if it verifies (a peer serving another bad one is marked bad too). Where no peer
 * has it yet, the audit waits at that height and tries again next round.
 */
import { bytesEqual } from '../codec/canonical';
import { auditCertificates } from '../ledger/catch-up';
import { blockHash, decodeBlock } from '../ledger/encoding';
import type { ChainId } from '../ledger/types';
import type { PeerClient } from '../net/client';
import type { SyncResult, SyncSession } from '../net/sync';
import type { TrichainNode } from './node';

/** Certificates checked in one batchVerify (≈ 0.5 ms each with blst). */
export const AUDIT_GROUP = 128;
/** Catch-up runs remembered to name the peer that served a bad certificate. */
const MAX_SERVED = 256;

export interface AuditSummary {
  audited: number;
  /** Bad certificates found and dropped, by chain and height. */
  dropped: { chain: ChainId; height: number; peer?: string }[];
  /** Bad certificates replaced by a valid one from another peer. */
  replaced: number;
}

export class CertAuditor {
  private readonly served: { chain: ChainId; from: number; to: number; peer: string }[] = [];

  constructor(
    private readonly node: TrichainNode,
    private readonly session: SyncSession,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** Remembers which peer served which heights (catch-up results). */
  noteSynced(results: readonly SyncResult[]): void {
    for (const r of results) if (r.applied > 0) this.served.push({ chain: r.chain, from: r.startHeight + 1, to: r.height, peer: r.peer });
    if (this.served.length > MAX_SERVED) this.served.splice(0, this.served.length - MAX_SERVED);
  }

  /** Audits every unaudited certificate of the chains held in full; drops, blames and refetches bad ones. */
  async run(clients: readonly PeerClient[], signal?: AbortSignal): Promise<AuditSummary> {
    const out: AuditSummary = { audited: 0, dropped: [], replaced: 0 };
    const ledger = this.node.ledger;
    for (const chain of ledger.chains()) {
      if (ledger.isLight(chain)) continue;
      for (;;) {
        if (signal?.aborted) return out;
        const r = auditCertificates(ledger, chain, AUDIT_GROUP);
        out.audited += r.audited;
        if (r.bad) {
          const h = r.bad.height;
          if (r.bad.dropped) out.dropped.push({ chain, height: h, peer: this.blame(chain, h) });
          if (!(await this.refetch(clients, chain, h, signal))) break; // no peer has a valid one yet: next round
          out.replaced++;
          continue;
        }
        if (r.remaining === 0) break;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    return out;
  }

  private blame(chain: ChainId, height: number): string | undefined {
    const s = [...this.served].reverse().find((x) => x.chain === chain && x.from <= height && height <= x.to);
    this.log(`the certificate of ${chain} block ${height} does not verify; dropped, asked again`);
    if (s) this.session.markBad({ fingerprint: s.peer, reason: `served a certificate that does not verify for ${chain} block ${height}`, chain, height });
    return s?.peer;
  }

  /** Asks the other peers for block `height` alone and attaches its certificate if it verifies. */
  private async refetch(clients: readonly PeerClient[], chain: ChainId, height: number, signal?: AbortSignal): Promise<boolean> {
    const stored = this.node.ledger.block(chain, height);
    if (!stored) return false;
    const want = blockHash(stored.header);
    for (const c of clients) {
      if (this.session.isBad(c.fingerprint) || signal?.aborted) continue;
      let bytes: Uint8Array | undefined;
      try {
        for await (const x of c.stream(`/blocks/${chain}?from=${height}&limit=1`, signal)) bytes ??= x;
      } catch {
        continue; // not reachable now: not the peer's fault
      }
      if (!bytes) continue; // it does not serve that height (yet)
      try {
        const b = decodeBlock(bytes);
        if (b.header?.height !== height || !bytesEqual(blockHash(b.header), want)) throw new Error(`served another block at ${chain} height ${height}`);
        this.node.ledger.attachCertificate(chain, height, b.cert);
        return true;
      } catch (e) {
        this.session.markBad({ fingerprint: c.fingerprint, reason: (e as Error).message, chain, height });
      }
    }
    return false;
  }
}
