import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // test/reference-summary.ts: one line at the end on the reference data and the tests it skipped
    reporters: ['default', './test/reference-summary.ts'],
  },
});
