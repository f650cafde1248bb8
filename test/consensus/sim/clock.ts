/**
 * Virtual time for the simulation: a min-heap of (time, seq) events and a Scheduler implementation.
 * Ties are broken by insertion order, so a run depends only on its seed.
 */
import type { Scheduler } from '../../../src-main/consensus/driver';

interface Item {
  time: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export class VirtualClock implements Scheduler {
  private heap: Item[] = [];
  private seq = 0;
  private t = 0;
  executed = 0;

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const it: Item = { time: this.t + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.push(it);
    return it;
  }

  clearTimeout(h: unknown): void {
    if (h) (h as Item).cancelled = true;
  }

  at(time: number, fn: () => void): void {
    this.push({ time: Math.max(time, this.t), seq: this.seq++, fn, cancelled: false });
  }

  get pending(): number {
    return this.heap.length;
  }

  /**
   * Runs events in time order until `until` (virtual ms) or until `stop()` is true. After each
   * batch of events sharing a timestamp it lets promise continuations run (the app's async calls),
   * so they complete at that same virtual instant.
   */
  async run(until: number, stop: () => boolean, maxEvents = 5_000_000): Promise<void> {
    while (this.heap.length > 0 && !stop()) {
      const top = this.heap[0];
      if (top.time > until) break;
      this.t = top.time;
      while (this.heap.length > 0 && this.heap[0].time === this.t) {
        const it = this.pop()!;
        if (it.cancelled) continue;
        it.fn();
        if (++this.executed > maxEvents) throw new Error(`simulation exceeded ${maxEvents} events`);
      }
      await new Promise<void>((r) => setImmediate(r));
    }
    if (!stop() && this.t < until) this.t = until;
  }

  private push(it: Item): void {
    const h = this.heap;
    h.push(it);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p], h[i])) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  private pop(): Item | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l], h[m])) m = l;
        if (r < h.length && less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    return top;
  }
}

const less = (a: Item, b: Item): boolean => a.time < b.time || (a.time === b.time && a.seq < b.seq);
