import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { parseConfig, type TandemConfig } from '../../src/config/index.js';
import { startStack, stackSpecFromConfig, stopStack } from '../../src/stack/index.js';

/**
 * The three-node suite's own stack: the source is the reference design's ring (three nodes on
 * 127.0.0.1-3, 16 vnodes each, data center `Datacenter1`), its nodes are killed and restarted, so
 * it never shares the fast suite's stack. Nodes sync their commit log before acknowledging
 * (`commitlogSync: group`), as in the fault suite: a kill -9 then loses nothing a node acknowledged.
 * TANDEM_MULTINODE_PORT_BASE (default 28000) moves every port.
 */
const portBase = Number(process.env.TANDEM_MULTINODE_PORT_BASE ?? 28_000);
export const multiNodePorts = { kafka: portBase + 92, source: portBase + 42, target: portBase + 142 } as const;

declare module 'vitest' {
  export interface ProvidedContext {
    multiNodeStackConfig: TandemConfig;
    multiNodeStackDataDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const keep = process.env.TANDEM_TEST_KEEP_STACK === '1';
  const dataDir = keep ? resolve('.tandem-multinode') : mkdtempSync(join(tmpdir(), 'tandem-multinode-'));
  const { config } = parseConfig(
    {
      kafka: { brokers: [`127.0.0.1:${multiNodePorts.kafka}`] },
      source: {
        contactPoints: [`127.0.0.1:${multiNodePorts.source}`],
        localDataCenter: 'Datacenter1',
        auth: { username: 'cassandra', password: 'cassandra' },
      },
      target: {
        profile: 'cassandra',
        contactPoints: [`127.0.0.1:${multiNodePorts.target}`],
        tls: { caFile: join(dataDir, 'target', 'tls', 'ca.pem') },
        auth: { username: 'ks-user', password: 'ks-password' },
      },
      stack: { sourceNodes: 3, commitlogSync: 'group' },
    },
    'three-node stack',
    {},
    process.cwd(),
  );
  const spec = stackSpecFromConfig(config, { dataDir });
  const began = Date.now();
  const result = await startStack(spec);
  console.log(`three-node stack ${result.alreadyRunning ? 'reused' : 'up'} in ${((Date.now() - began) / 1000).toFixed(1)} s (${dataDir})`);
  project.provide('multiNodeStackConfig', config);
  project.provide('multiNodeStackDataDir', dataDir);
  return async () => {
    if (keep) return;
    await stopStack(dataDir, { graceMs: 15_000 });
    rmSync(dataDir, { recursive: true, force: true });
  };
}
