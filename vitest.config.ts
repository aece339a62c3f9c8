import { defineConfig } from 'vitest/config';

// The worker's native bridge (Rust core) does not survive vitest's worker threads: use forks.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    fileParallelism: true,
    maxWorkers: 2,
    // The JSON report lets .ci/run print a plain 'N passed, N failed' line.
    reporters: ['default', ['json', { outputFile: '.data/test-results.json' }]],
  },
});
