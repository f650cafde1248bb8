/**
 * The solo producer: on each chain this node validates alone (n = 1) and no consensus engine
 * drives, it commits the mempool every tick, and soon after a peer relays a transaction.
 */
import type { ChainId } from '../ledger/types';
import type { TrichainNode } from './node';

export class SoloProducer {
  private timer: ReturnType<typeof setInterval> | null = null;
  private soonTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(
    private readonly node: TrichainNode,
    /** True when a consensus engine drives the chain (the producer leaves it alone). */
    private readonly engineAttached: (chain: ChainId) => boolean,
    private readonly onError: (message: string) => void,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => this.produce(), intervalMs);
  }

  /** Commits within a few milliseconds (a relayed transaction was accepted). */
  soon(): void {
    if (this.soonTimer || this.stopped) return;
    this.soonTimer = setTimeout(() => {
      this.soonTimer = null;
      this.produce();
    }, 5);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.soonTimer) clearTimeout(this.soonTimer);
  }

  private produce(): void {
    if (this.stopped) return;
    for (const c of this.node.chains()) {
      if (this.engineAttached(c)) continue;
      try {
        if (this.node.isSoloValidator(c) && this.node.mempool(c, 1).length > 0) this.node.commitPending(c);
      } catch (e) {
        // e.g. another process on this database committed the same height first: retried next tick.
        this.onError((e as Error).message);
      }
    }
  }
}
