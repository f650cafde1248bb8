import { defineConfig } from 'vitest/config';

// Unit and integration tests of the node (src-main), the shared contract and the renderer logic.
// End-to-end browser tests live in e2e/ and run through Playwright (npm run test:e2e).
export default defineConfig({
  test: {
    include: ['src-main/**/*.test.ts', 'src-shared/**/*.test.ts', 'src-renderer/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/*.soak.test.ts', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
