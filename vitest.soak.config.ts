import { defineConfig } from 'vitest/config';

// Long soaks (npm run soak): many more simulation seeds and crash loops than npm test runs.
export default defineConfig({
  test: {
    include: ['src-main/**/*.soak.test.ts', 'test/**/*.soak.test.ts'],
    testTimeout: 3_600_000,
    pool: 'forks',
  },
});
