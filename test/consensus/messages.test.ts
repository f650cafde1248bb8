import { describe, expect, it } from 'vitest';
import { canonicalEncode } from '../../src-main/codec/canonical';
import { decodeMessage, encodeMessage, type ConsensusMessage } from '../../src-main/consensus/messages';
import { Prng } from './sim/prng';

const b = (n: number, fill = 7) => new Uint8Array(n).fill(fill);
const samples: ConsensusMessage[] = [
  { kind: 'proposal', proposal: { height: 9, round: 2, polRound: 1, value: { hash: b(32), bytes: b(100) }, proposer: 3, signature: b(96) } },
  { kind: 'vote', vote: { height: 9, round: 2, phase: 'prevote', blockHash: b(32), validator: 1, signature: b(96) } },
  { kind: 'vote', vote: { height: 9, round: 0, phase: 'precommit', blockHash: null, validator: 0, signature: b(96) } },
  { kind: 'commit', commit: { height: 9, value: { hash: b(32), bytes: b(5) }, certificate: { round: 1, signers: new Uint8Array([7]), signature: b(96) } } },
  { kind: 'status', height: 12 },
];

describe('consensus wire messages', () => {
  it('round-trip through canonical CBOR', () => {
    for (const m of samples) {
      const r = decodeMessage(encodeMessage(m));
      expect(r).toEqual({ ok: true, message: m });
    }
  });

  it('reject malformed messages with a reason', () => {
    const bad: [unknown, RegExp][] = [
      ['not bytes', /bytes/],
      [new Uint8Array([0xff, 0x00]), /canonical/],
      [canonicalEncode([1, 2]), /map/],
      [canonicalEncode({ t: 'hello' }), /unknown message type/],
      [canonicalEncode({ t: 'vote', h: 1, r: 0, ph: 'prevote', b: null, i: 0, sig: b(95) }), /96 bytes/],
      [canonicalEncode({ t: 'vote', h: 1, r: 0, ph: 'maybe', b: null, i: 0, sig: b(96) }), /phase/],
      [canonicalEncode({ t: 'vote', h: -1, r: 0, ph: 'prevote', b: null, i: 0, sig: b(96) }), /height/],
      [canonicalEncode({ t: 'vote', h: 1, r: 0, ph: 'prevote', b: b(31), i: 0, sig: b(96) }), /block hash/],
      [canonicalEncode({ t: 'vote', h: 1, r: 0, ph: 'prevote', b: null, i: 0, sig: b(96), extra: 1 }), /fields/],
      [canonicalEncode({ t: 'vote', h: 1, r: 10_000_000, ph: 'prevote', b: null, i: 0, sig: b(96) }), /round/],
      [canonicalEncode({ t: 'vote', h: 1, r: 0, ph: 'prevote', b: null, i: 70000, sig: b(96) }), /validator/],
      [canonicalEncode({ t: 'proposal', h: 1, r: 1, pr: 1, hash: b(32), bytes: b(1), p: 0, sig: b(96) }), /polRound/],
      [canonicalEncode({ t: 'proposal', h: 1, r: 1, pr: -2, hash: b(32), bytes: b(1), p: 0, sig: b(96) }), /polRound/],
      [canonicalEncode({ t: 'commit', h: 1, hash: b(32), bytes: b(1), cert: 5 }), /map/],
      [canonicalEncode({ t: 'commit', h: 1, hash: b(32), bytes: b(1), cert: { round: 0, signers: b(1) } }), /fields/],
      [canonicalEncode({ t: 'status', h: 'x' }), /height/],
    ];
    for (const [input, reason] of bad) {
      const r = decodeMessage(input);
      expect(r.ok, String(reason)).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(reason);
    }
  });

  it('never throws on mutated or random input (fuzz, seeded)', () => {
    const rng = new Prng(42);
    const wires = samples.map(encodeMessage);
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      const w = new Uint8Array(rng.pick(wires));
      const k = rng.int(1, 4);
      for (let j = 0; j < k; j++) w[rng.int(0, w.length - 1)] = rng.int(0, 255);
      const cut = rng.chance(0.2) ? w.slice(0, rng.int(0, w.length)) : w;
      const r = decodeMessage(cut);
      if (r.ok) accepted++;
      expect(typeof r.ok).toBe('boolean');
      expect(decodeMessage(rng.bytes(rng.int(0, 64))).ok === true || true).toBe(true);
    }
    expect(accepted).toBeLessThan(5000);
  });
});
