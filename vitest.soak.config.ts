import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// Long soaks (npm run soak): many more simulation seeds and crash loops than npm test runs.
// The soak files run one after another (fileParallelism: false): each of them keeps a core busy
// for minutes, and on a two-core machine running them side by side starved the crash soak's
// child processes until it hit its own time budget. Each soak sets its budget from its workload.
//
// Order: the soaks that race wall-clock budgets (kill -9 loops, the five-process cluster) first,
// the CPU-only simulation last: it has no deadline to miss, so load that arrives later (an
// engineer's test run beside a long soak) can slow it down but not fail it.
const ORDER = ['node.crash.soak', 'import-crash.soak', 'cluster.soak', 'sim.soak'];
const rank = (spec: TestSpecification): number => {
  const i = ORDER.findIndex((name) => spec.moduleId.includes(name));
  return i < 0 ? ORDER.length : i;
};

class DeadlinesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.soak.test.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    fileParallelism: false,
    sequence: { sequencer: DeadlinesFirst },
  },
});
