import { defineConfig } from 'vitest/config';

// Long soaks (npm run soak): many more simulation seeds and crash loops than npm test runs.
// The soak files run one after another (fileParallelism: false): each of them keeps a core busy
// for minutes, and on a two-core machine running them side by side starved the crash soak's
// child processes until it hit its own time budget. Each soak sets its budget from its workload.
export default defineConfig({
  test: {
    include: ['test/**/*.soak.test.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
