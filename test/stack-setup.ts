import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { parseConfig, type TandemConfig } from '../src/config/index.js';
import { startStack, stackSpecFromConfig, stopStack, type KafkaListenerInfo } from '../src/stack/index.js';

/**
 * Starts the stack once per test run on ports a user's own stack never uses, and stops it after,
 * whether tests passed or not. TANDEM_TEST_KEEP_STACK=1 keeps it running in ./.tandem-test between
 * runs (a second `up` finds it and reuses it), for a fast edit-test loop. TANDEM_TEST_PORT_BASE
 * (default 19000) moves every port, so two checkouts can each run their suite on one machine.
 * Kafka's secured listeners are on, as Amazon MSK numbers them: TLS +2, SASL/SCRAM +4, IAM +6.
 */
const portBase = Number(process.env.TANDEM_TEST_PORT_BASE ?? 19_000);
export const testPorts = {
  kafka: portBase + 92,
  kafkaTls: portBase + 94,
  kafkaScram: portBase + 96,
  kafkaIam: portBase + 98,
  source: portBase + 42,
  target: portBase + 142,
} as const;
/** Short, so tests see sessions re-authenticated (or ended) within a test's time. */
export const testKafkaSessionLifetimeMs = 20_000;

declare module 'vitest' {
  export interface ProvidedContext {
    stackConfig: TandemConfig;
    stackDataDir: string;
    /** Kafka's TLS, SCRAM and IAM listeners: addresses (`localhost:<port>`), CA, password and credentials files. */
    stackKafkaListeners: readonly KafkaListenerInfo[];
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const keep = process.env.TANDEM_TEST_KEEP_STACK === '1';
  const dataDir = keep ? resolve('.tandem-test') : mkdtempSync(join(tmpdir(), 'tandem-test-'));
  const { config } = parseConfig(
    {
      kafka: { brokers: [`127.0.0.1:${testPorts.kafka}`] },
      source: { contactPoints: [`127.0.0.1:${testPorts.source}`], auth: { username: 'cassandra', password: 'cassandra' } },
      target: {
        profile: 'cassandra',
        contactPoints: [`127.0.0.1:${testPorts.target}`],
        tls: { caFile: join(dataDir, 'target', 'tls', 'ca.pem') },
        auth: { username: 'ks-user', password: 'ks-password' },
      },
      stack: { kafkaSecurity: ['tls', 'scram', 'iam'], kafkaSessionLifetimeMs: testKafkaSessionLifetimeMs },
    },
    'test stack',
    {},
    process.cwd(),
  );
  const spec = stackSpecFromConfig(config, { dataDir });
  const began = Date.now();
  const result = await startStack(spec);
  console.log(`test stack ${result.alreadyRunning ? 'reused' : 'up'} in ${((Date.now() - began) / 1000).toFixed(1)} s (${dataDir})`);
  project.provide('stackConfig', config);
  project.provide('stackDataDir', dataDir);
  project.provide('stackKafkaListeners', result.kafkaListeners);
  return async () => {
    if (keep) return;
    await stopStack(dataDir, { graceMs: 15_000 });
    rmSync(dataDir, { recursive: true, force: true });
  };
}
