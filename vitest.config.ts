import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The JSON report is what .ci/run counts; its path can be moved so two runs keep both.
    reporters: ['default', ['json', { outputFile: process.env.TANDEM_TEST_REPORT ?? 'test-results/vitest.json' }]],
    projects: [
      {
        test: {
          name: 'unit',
          // Pure modules: one import per worker instead of one per file (the import was most of its minute).
          isolate: false,
          include: ['test/**/*.test.ts'],
          // Integration files run on the suite's stack; fault and three-node files on their own
          // (vitest.faults.config.ts, vitest.multinode.config.ts).
          exclude: ['test/**/*.it.test.ts', 'test/**/*.fault.test.ts', 'test/**/*.multinode.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.it.test.ts'],
          // One stack for the whole run, on ports of its own (see test/stack-setup.ts).
          globalSetup: ['test/stack-setup.ts'],
          // Two cores serve three servers: files run one at a time, tests inside them too.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
