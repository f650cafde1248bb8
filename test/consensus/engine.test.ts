import { describe, expect, it } from 'vitest';
import { createBls } from '../../src-main/crypto/bls';
import { checkCertificate } from '../../src-main/ledger/certificate';
import { canonicalEncode } from '../../src-main/codec/canonical';
import type { ConsensusApp } from '../../src-main/consensus/abci';
import { ConsensusEngine } from '../../src-main/consensus/engine';
import type { Transport } from '../../src-main/consensus/driver';
import { encodeMessage } from '../../src-main/consensus/messages';
import { MemorySignGuard } from '../../src-main/consensus/sign-guard';
import { VirtualClock } from './sim/clock';
import { createSimBls } from './sim/sim-signer';
import { describeFailure, realCrypto, runSimulation } from './sim/simulation';

const bls = createBls();

describe(`consensus end to end with real BLS (${bls.backend})`, () => {
  for (const [seed, faults] of [[1, false], [2, true], [3, true]] as const) {
    it(`seed ${seed} (${faults ? 'faults + equivocator' : 'no faults + equivocator'}): real certificates that checkCertificate accepts`, async () => {
      const r = await runSimulation({ seed, validators: 4, crypto: realCrypto(bls, seed), faults, liveness: 3 });
      if (!r.ok) console.error(describeFailure(r));
      expect(r.ok).toBe(true);
      expect(r.certificates.size).toBeGreaterThanOrEqual(3);
      for (const [height, { hash, certificate }] of r.certificates) {
        expect(certificate.signature.length).toBe(96);
        const c = checkCertificate(bls, r.validatorSet, r.genesisHash, height, hash, certificate);
        expect(c.ok, `height ${height}`).toBe(true);
        const tampered = { ...certificate, round: certificate.round + 1 };
        expect(checkCertificate(bls, r.validatorSet, r.genesisHash, height, hash, tampered).ok).toBe(false);
      }
    });
  }
});

describe('engine input hygiene', () => {
  it('rejects malformed and forged messages with a reason and never throws', () => {
    const sim = createSimBls();
    const keys = [0, 1, 2, 3].map((i) => sim.keyPair(`hyg/${i}`));
    const validators = keys.map((k, i) => ({ name: `v${i}`, blsPk: k.pk, pop: k.pop }));
    let handler: (from: string, msg: Uint8Array) => void = () => {};
    const sent: Uint8Array[] = [];
    const transport: Transport = { broadcast: (m) => sent.push(m), onMessage: (h) => (handler = h) };
    const app: ConsensusApp = {
      genesisHash: new Uint8Array(32),
      validatorsAt: () => validators,
      lastCommittedHeight: () => 0,
      prepareProposal: async () => ({ hash: new Uint8Array(32), bytes: new Uint8Array(1) }),
      processProposal: async () => ({ accept: true }),
      finalizeBlock: async () => {},
      commit: async () => {},
    };
    const reasons: string[] = [];
    const clock = new VirtualClock();
    const e = new ConsensusEngine({ app, transport, bls: sim, secretKey: keys[0].sk, publicKey: keys[0].pk, signGuard: new MemorySignGuard(), scheduler: clock, onReject: (_f, r) => reasons.push(r) });
    e.start();
    const junk: Uint8Array[] = [
      new Uint8Array([0xff]),
      canonicalEncode({ t: 'vote' }),
      encodeMessage({ kind: 'vote', vote: { height: 1, round: 0, phase: 'prevote', blockHash: null, validator: 2, signature: new Uint8Array(96) } }),
      encodeMessage({ kind: 'vote', vote: { height: 1, round: 0, phase: 'prevote', blockHash: null, validator: 9, signature: new Uint8Array(96) } }),
      encodeMessage({ kind: 'proposal', proposal: { height: 1, round: 0, polRound: -1, value: { hash: new Uint8Array(32), bytes: new Uint8Array(1) }, proposer: 1, signature: new Uint8Array(96) } }),
      encodeMessage({ kind: 'commit', commit: { height: 1, value: { hash: new Uint8Array(32), bytes: new Uint8Array(1) }, certificate: { round: 0, signers: new Uint8Array([7]), signature: new Uint8Array(96) } } }),
    ];
    for (const j of junk) expect(() => handler('evil', j)).not.toThrow();
    expect(reasons).toHaveLength(junk.length);
    expect(reasons.join('\n')).toMatch(/signature does not verify/);
    expect(reasons.join('\n')).toMatch(/unknown validator/);
    expect(reasons.join('\n')).toMatch(/commit: certificate/);
    expect(e.stats.rejected).toBe(junk.length);
    e.stop();
  });
});
