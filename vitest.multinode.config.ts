import { defineConfig } from 'vitest/config';

/**
 * `npm run test:multinode`: the reference design's source, three nodes of 16 vnodes with RF 3, on
 * a stack of the suite's own (test/multinode/three-node-stack-setup.ts). `.ci/run` runs it once,
 * after the fast suite, whose stack it never shares.
 */
export default defineConfig({
  test: {
    reporters: ['default', ['json', { outputFile: process.env.TANDEM_TEST_REPORT ?? 'test-results/multinode.json' }]],
    include: ['test/multinode/**/*.multinode.test.ts'],
    globalSetup: ['test/multinode/three-node-stack-setup.ts'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 300_000,
  },
});
