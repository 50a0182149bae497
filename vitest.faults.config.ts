import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults`: servers and sinks killed, paused and restarted on a stack of the suite's
 * own. FAULT_ROUNDS=3 runs each scenario three times in a row; FAULT_SCENARIOS=short runs the
 * short form that `.ci/run` always runs.
 */
export default defineConfig({
  test: {
    reporters: ['default', ['json', { outputFile: process.env.TANDEM_TEST_REPORT ?? 'test-results/faults.json' }]],
    include: ['test/faults/**/*.fault.test.ts'],
    globalSetup: ['test/faults/fault-stack-setup.ts'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 300_000,
  },
});
