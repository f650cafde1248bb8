import { defineConfig } from 'vitest/config';

// Unit and integration tests of the node (src-main), the shared contract and the renderer logic,
// all under test/ (the product folders hold no test code: test/layout.test.ts).
// End-to-end browser tests live in e2e/ and run through Playwright (npm run test:e2e).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/*.soak.test.ts', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two files at a time (vitest's default is one less than the cores: one on a 2-core machine).
    // Most multi-process tests wait on block intervals, sync rounds and child processes more than
    // they compute, so two side by side finish in far less wall time; their bounds allow for it.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
