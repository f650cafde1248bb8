/**
 * The consensus transport's lanes (node/relay.ts PeerTransport): a slow peer gets a bounded backlog,
 * never an ever-growing one, so fresh votes are not stuck behind stale ones.
 */
import { describe, expect, it } from 'vitest';
import { LANE_IN_FLIGHT, LANE_QUEUE, PeerTransport, type DialPeer } from '../../src-main/node/relay';
import type { PeerClient } from '../../src-main/net/client';

/** A peer whose answers the test releases one by one. */
function slowPeer(name: string): { peer: DialPeer; sent: Uint8Array[]; answer: (status?: number) => void; fail: () => void } {
  const waiting: { resolve: (r: { status: number; body: undefined }) => void; reject: (e: Error) => void }[] = [];
  const sent: Uint8Array[] = [];
  const client = {
    request: (_m: string, _path: string, body: Uint8Array) => {
      sent.push(body);
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
  } as unknown as PeerClient;
  return {
    peer: { client, blsPkHex: name, name, fingerprint: name },
    sent,
    answer: (status = 200) => waiting.shift()!.resolve({ status, body: undefined }),
    fail: () => waiting.shift()!.reject(new Error('connection reset')),
  };
}

const msg = (i: number): Uint8Array => new Uint8Array([1, i >> 8, i & 0xff]);
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('PeerTransport lanes', () => {
  it(`keeps ${LANE_IN_FLIGHT} requests in flight per peer, sends the rest as answers come back`, async () => {
    const a = slowPeer('a');
    const t = new PeerTransport('hospital', () => [a.peer]);
    for (let i = 0; i < 5; i++) t.broadcast(msg(i));
    expect(a.sent).toEqual([msg(0), msg(1)]);
    a.answer();
    await settle();
    expect(a.sent).toHaveLength(3);
    a.fail();
    a.answer(500);
    await settle();
    expect(a.sent).toEqual([0, 1, 2, 3, 4].map(msg));
    expect(t.stats).toMatchObject({ sent: 5, failed: 2 });
  });

  it('does not queue a message identical to one already waiting (re-gossip of own messages)', async () => {
    const a = slowPeer('a');
    const t = new PeerTransport('hospital', () => [a.peer]);
    for (let i = 0; i < LANE_IN_FLIGHT; i++) t.broadcast(msg(100 + i));
    t.broadcast(msg(7));
    t.broadcast(msg(7));
    t.broadcast(msg(7));
    expect(t.stats.deduplicated).toBe(2);
    // what waits behind the requests in flight: msg(7), once
    for (let i = 0; i < LANE_IN_FLIGHT + 1; i++) {
      a.answer();
      await settle();
    }
    expect(a.sent).toEqual([...Array.from({ length: LANE_IN_FLIGHT }, (_, i) => msg(100 + i)), msg(7)]);
  });

  it(`drops the oldest waiting message beyond ${LANE_QUEUE}, and a slow peer does not hold up a fast one`, async () => {
    const slow = slowPeer('slow');
    const fast = slowPeer('fast');
    const t = new PeerTransport('social', () => [slow.peer, fast.peer]);
    const n = LANE_IN_FLIGHT + LANE_QUEUE + 10;
    for (let i = 0; i < n; i++) {
      t.broadcast(msg(i));
      fast.answer();
      await settle();
    }
    expect(fast.sent).toHaveLength(n);
    expect(t.stats.dropped).toBe(10);
    expect(slow.sent).toHaveLength(LANE_IN_FLIGHT);
    // the slow peer's answers come back: it receives the newest messages, not the 10 oldest waiting ones
    for (let i = 0; i < LANE_IN_FLIGHT + LANE_QUEUE; i++) {
      slow.answer();
      await settle();
    }
    // LANE_QUEUE were waiting, no more: nothing is left once those answers are in
    expect(slow.sent).toHaveLength(LANE_IN_FLIGHT + LANE_QUEUE);
    const got = slow.sent.map((b) => (b[1] << 8) | b[2]);
    expect(got.slice(0, LANE_IN_FLIGHT)).toEqual([0, 1]);
    expect(got.slice(LANE_IN_FLIGHT)).toEqual(Array.from({ length: LANE_QUEUE }, (_, i) => i + LANE_IN_FLIGHT + 10));
  });
});
