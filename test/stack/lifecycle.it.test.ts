import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { stopStack } from '../../src/stack/index.js';
import { isRunning, processesMentioning } from '../helpers/processes.js';
import { runTandem } from '../helpers/run-cli.js';
import { scratchEnv, scratchStack } from '../helpers/stack-config.js';

// A second stack beside the suite's own, driven only through the CLI, as a user would.
const scratch = scratchStack(29_000);
const tandem = (...args: string[]) => runTandem([...args, '--config', scratch.configFile], { env: scratchEnv });

afterAll(async () => {
  await stopStack(scratch.dataDir, { graceMs: 5_000 });
  rmSync(scratch.dir, { recursive: true, force: true });
});

describe('tandem up / status / down', () => {
  let pids: number[] = [];

  it('up starts three servers and prints one line per server with address and version', async () => {
    const result = await tandem('up');
    expect(result.stderr).not.toContain('tandem:');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\s+kafka\s+127\.0\.0\.1:29092\s+Kafka 4\.1\.\d+\s+pid \d+/m);
    expect(result.stdout).toMatch(/^\s+source\s+127\.0\.0\.1:29042\s+Cassandra 5\.0\.9\s+pid \d+/m);
    expect(result.stdout).toMatch(/^\s+target\s+127\.0\.0\.1:29142\s+Cassandra 5\.0\.9\s+pid \d+.*TLS, user ks-user/m);
    expect(result.stdout).not.toContain(scratchEnv.SCRATCH_TARGET_PASSWORD);
    pids = [...result.stdout.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(3);
    expect(processesMentioning(scratch.dataDir).sort()).toEqual([...pids].sort());
  });

  it('up again is a no-op that reports the running stack', async () => {
    const result = await tandem('up');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('already running');
    expect([...result.stdout.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]))).toEqual(pids);
  });

  it('status shows each server running', async () => {
    const result = await tandem('status');
    expect(result.code).toBe(0);
    for (const name of ['kafka', 'source', 'target']) expect(result.stdout).toMatch(new RegExp(`${name}\\s+running`));
  });

  it('down stops exactly those processes and waits for them to exit', async () => {
    const result = await tandem('down');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Stopped kafka, source, target');
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
    expect(processesMentioning(scratch.dataDir)).toEqual([]);
  });

  it('down with nothing running says so and exits 0; status shows all stopped', async () => {
    const down = await tandem('down');
    expect(down.code).toBe(0);
    expect(down.stdout).toContain('Nothing running');
    const status = await tandem('status');
    for (const name of ['kafka', 'source', 'target']) expect(status.stdout).toMatch(new RegExp(`${name}\\s+stopped`));
  });
});
