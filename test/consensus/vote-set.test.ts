import { describe, expect, it } from 'vitest';
import type { Vote } from '../../src-main/consensus/messages';
import { HeightVoteSet, RoundVotes } from '../../src-main/consensus/vote-set';
import { guardNext, MemorySignGuard } from '../../src-main/consensus/sign-guard';

const h = (t: number) => new Uint8Array(32).fill(t);
const v = (validator: number, hash: Uint8Array | null, round = 0): Vote => ({ height: 5, round, phase: 'prevote', blockHash: hash, validator, signature: new Uint8Array(96) });

describe('vote sets', () => {
  it('counts one vote per validator per value and reports equivocation once', () => {
    const rv = new RoundVotes(5, 0, 'prevote', 4);
    expect(rv.add(v(0, h(1))).status).toBe('added');
    expect(rv.add(v(0, h(1))).status).toBe('duplicate');
    expect(rv.add(v(1, h(1))).status).toBe('added');
    const eq = rv.add(v(0, null));
    expect(eq.status).toBe('equivocation');
    expect(rv.add(v(0, h(9))).status).toBe('duplicate'); // already reported; junk value not kept
    expect(rv.count(h(1))).toBe(2);
    expect(rv.count(null)).toBe(1);
    expect(rv.count(h(9))).toBe(0);
    expect(rv.total).toBe(2);
    expect(rv.add(v(7, h(1))).status).toBe('rejected');
    expect(rv.add({ ...v(2, h(1)), round: 1 }).status).toBe('rejected');
  });

  it('two conflicting quorums cannot form even when equivocators count for both values', () => {
    // n = 4, quorum 3, one equivocator (3): values A and B get at most 2 honest + 1 byzantine each,
    // and honest validators vote once, so A and B cannot both reach 3 unless an honest one equivocates.
    const rv = new RoundVotes(5, 0, 'prevote', 4);
    rv.add(v(0, h(1)));
    rv.add(v(1, h(1)));
    rv.add(v(2, h(2)));
    rv.add(v(3, h(1)));
    rv.add(v(3, h(2)));
    expect(rv.count(h(1))).toBe(3);
    expect(rv.count(h(2))).toBe(2);
  });

  it('HeightVoteSet routes by round and phase', () => {
    const hv = new HeightVoteSet(5, 4);
    hv.add(v(0, h(1), 2));
    hv.add({ ...v(0, h(1), 2), phase: 'precommit' });
    expect(hv.roundsWithVotes()).toEqual([2]);
    expect(hv.peek(2, 'prevote')?.count(h(1))).toBe(1);
    expect(hv.add({ ...v(0, h(1)), height: 6 }).status).toBe('rejected');
  });
});

describe('SignGuard', () => {
  it('refuses anything at or below the last signed (height, round, step) unless identical, and keeps the lock', () => {
    const g = new MemorySignGuard();
    let s = guardNext(g.load(), { height: 3, round: 1, step: 'prevote', hash: h(1) })!;
    expect(s).not.toBeNull();
    expect(guardNext(s, { height: 3, round: 1, step: 'prevote', hash: h(2) })).toBeNull();
    expect(guardNext(s, { height: 3, round: 1, step: 'prevote', hash: null })).toBeNull();
    expect(guardNext(s, { height: 3, round: 1, step: 'prevote', hash: h(1) })).toBe(s);
    expect(guardNext(s, { height: 3, round: 0, step: 'precommit', hash: null })).toBeNull();
    expect(guardNext(s, { height: 3, round: 1, step: 'proposal', hash: h(1) })).toBeNull();
    s = guardNext(s, { height: 3, round: 1, step: 'precommit', hash: h(1) })!;
    expect(s.lock).toMatchObject({ height: 3, round: 1 });
    s = guardNext(s, { height: 3, round: 2, step: 'precommit', hash: null })!;
    expect(s.lock?.round).toBe(1);
    expect(guardNext(s, { height: 4, round: 0, step: 'proposal', hash: h(5) })).not.toBeNull();
  });
});
