import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { parseConfig, type TandemConfig } from '../../src/config/index.js';
import { startStack, stackSpecFromConfig, stopStack } from '../../src/stack/index.js';

/**
 * The fault suite's own stack: its servers are killed and paused, so it never shares the fast
 * suite's stack, and it runs on ports of its own. Cassandra syncs its commit log before
 * acknowledging (`commitlogSync: group`): with the default periodic sync a kill -9 loses writes
 * the node acknowledged, which is the server's durability setting, not something Tandem can fix.
 */
export const faultPorts = { kafka: 19292, source: 19242, target: 19342 } as const;

declare module 'vitest' {
  export interface ProvidedContext {
    faultStackConfig: TandemConfig;
    faultStackDataDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const keep = process.env.TANDEM_TEST_KEEP_STACK === '1';
  const dataDir = keep ? resolve('.tandem-faults') : mkdtempSync(join(tmpdir(), 'tandem-faults-'));
  const { config } = parseConfig(
    {
      kafka: { brokers: [`127.0.0.1:${faultPorts.kafka}`] },
      source: { contactPoints: [`127.0.0.1:${faultPorts.source}`], auth: { username: 'cassandra', password: 'cassandra' } },
      target: {
        profile: 'cassandra',
        contactPoints: [`127.0.0.1:${faultPorts.target}`],
        tls: { caFile: join(dataDir, 'target', 'tls', 'ca.pem') },
        auth: { username: 'ks-user', password: 'ks-password' },
      },
      stack: { commitlogSync: 'group' },
    },
    'fault stack',
    {},
    process.cwd(),
  );
  const spec = stackSpecFromConfig(config, { dataDir });
  const began = Date.now();
  const result = await startStack(spec);
  console.log(`fault stack ${result.alreadyRunning ? 'reused' : 'up'} in ${((Date.now() - began) / 1000).toFixed(1)} s (${dataDir})`);
  project.provide('faultStackConfig', config);
  project.provide('faultStackDataDir', dataDir);
  return async () => {
    if (keep) return;
    await stopStack(dataDir, { graceMs: 15_000 });
    rmSync(dataDir, { recursive: true, force: true });
  };
}
