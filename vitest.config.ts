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
    reporters: ['default'],
  },
});
