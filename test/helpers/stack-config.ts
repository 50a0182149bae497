import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface ScratchStack {
  /** Folder holding the config file and the data dir. */
  dir: string;
  configFile: string;
  dataDir: string;
}

/**
 * A config file for a stack of its own on `basePort` + 92 (Kafka), + 42 (source), + 142 (target).
 * Keep bases below 32768: above it, Linux hands ports out to outgoing connections, which can hold one.
 */
export function scratchStack(basePort: number, stack: Record<string, unknown> = {}): ScratchStack {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-scratch-'));
  const dataDir = join(dir, 'data');
  const configFile = join(dir, 'tandem.yaml');
  writeFileSync(
    configFile,
    stringify({
      kafka: { brokers: [`127.0.0.1:${basePort + 92}`] },
      source: { contactPoints: [`127.0.0.1:${basePort + 42}`], auth: { username: 'cassandra', password: 'cassandra' } },
      target: {
        profile: 'cassandra',
        contactPoints: [`127.0.0.1:${basePort + 142}`],
        tls: { caFile: join(dataDir, 'target', 'tls', 'ca.pem') },
        auth: { username: 'ks-user', password: '${env:SCRATCH_TARGET_PASSWORD}' },
      },
      stack: { dataDir, ...stack },
    }),
  );
  return { dir, configFile, dataDir };
}

export const scratchEnv = { SCRATCH_TARGET_PASSWORD: 'scratch-secret-9f3' };
