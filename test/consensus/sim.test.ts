/**
 * Deterministic consensus simulation (npm test part): 160 seeds over 4 and 7 validators with
 * delay, loss, duplication, reordering, partitions, crash/restart and equivocating validators.
 * A failing seed is printed with its replay command:
 *   TRICHAIN_SIM_SEED=<n> TRICHAIN_SIM_VALIDATORS=<n> npx vitest run test/consensus/sim.test.ts
 */
import { describe, expect, it } from 'vitest';
import { describeFailure, runSimulation, type SimResult } from './sim/simulation';

const replaySeed = process.env.TRICHAIN_SIM_SEED;

export async function runSeeds(validators: number, seeds: number[]): Promise<{ failures: string[]; results: SimResult[] }> {
  const failures: string[] = [];
  const results: SimResult[] = [];
  for (const seed of seeds) {
    const r = await runSimulation({ seed, validators });
    results.push({ ...r, certificates: new Map() });
    if (!r.ok) {
      const msg = describeFailure(r);
      console.error(msg);
      failures.push(msg);
    }
  }
  return { failures, results };
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

if (replaySeed !== undefined) {
  describe('consensus simulation replay', () => {
    it(`seed ${replaySeed}`, async () => {
      const validators = Number(process.env.TRICHAIN_SIM_VALIDATORS ?? 4);
      const r = await runSimulation({ seed: Number(replaySeed), validators });
      console.log(r.ok ? `seed ${replaySeed} ok: ${r.scenario} heights=${r.heights}` : describeFailure(r));
      expect(r.failures).toEqual([]);
    });
  });
} else {
  describe('consensus simulation: agreement, validity, evidence and liveness after GST', () => {
    const all: SimResult[] = [];
    const plan: [number, number, number][] = [
      [4, 1, 100],
      [7, 1, 60],
    ];
    for (const [n, from, count] of plan) {
      it(`${n} validators, seeds ${from}..${from + count - 1}`, async () => {
        const { failures, results } = await runSeeds(n, range(from, count));
        all.push(...results);
        expect(failures).toEqual([]);
      }, 120_000);
    }
    it('exercised the faults: equivocation evidence, catch-up by certificate, crashes and partitions', () => {
      expect(all.length).toBe(160);
      expect(all.reduce((a, r) => a + r.evidence, 0)).toBeGreaterThan(50);
      expect(all.filter((r) => r.catchUps > 0).length).toBeGreaterThan(25);
      expect(all.filter((r) => /crashes=n/.test(r.scenario)).length).toBeGreaterThan(50);
      expect(all.filter((r) => /partitions=\d/.test(r.scenario)).length).toBeGreaterThan(50);
      expect(all.filter((r) => r.byzantine.length > 0).length).toBe(160);
    });
  });
}
