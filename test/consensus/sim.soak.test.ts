/**
 * Soak (npm run soak): 10,000 simulation seeds (TRICHAIN_SOAK_SEEDS overrides), alternating 4 and 7
 * validators, all fault kinds. Prints every failing seed with its replay command.
 */
import { describe, expect, it } from 'vitest';
import { describeFailure, runSimulation } from './sim/simulation';

const total = Number(process.env.TRICHAIN_SOAK_SEEDS ?? 10_000);
const first = Number(process.env.TRICHAIN_SOAK_FIRST_SEED ?? 100_000);

describe('consensus simulation soak', () => {
  it(`${total} seeds`, async () => {
    const failures: string[] = [];
    const t0 = Date.now();
    for (let i = 0; i < total; i++) {
      const seed = first + i;
      const validators = i % 2 === 0 ? 4 : 7;
      const r = await runSimulation({ seed, validators });
      if (!r.ok) {
        const msg = describeFailure(r);
        console.error(msg);
        failures.push(msg);
      }
      if ((i + 1) % 1000 === 0) console.log(`soak: ${i + 1}/${total} seeds, ${failures.length} failures, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
    expect(failures).toEqual([]);
  }, 24 * 3_600_000);
});
