import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import cassandra from 'cassandra-driver';
import { describe, expect, inject, it } from 'vitest';
import { countRows, eventually } from '../helpers/cql.js';
import { faultRounds, FaultScenario, killServer, report, restartStack, serverPid, shortForm } from './harness.js';

const config = inject('faultStackConfig');
const dataDir = inject('faultStackDataDir');
const bin = resolve(import.meta.dirname, '..', '..', 'bin', 'tandem.js');

/** History on the source only, each row with its own write time, and what the target must hold after. */
async function seedHistory(scenario: FaultScenario, rows: number): Promise<void> {
  const params = Array.from({ length: rows }, (_, i) => [`h${i}`, i, `history ${i}`, 1_700_000_000_000_000n + BigInt(i)]);
  await cassandra.concurrent.executeConcurrent(scenario.source, `INSERT INTO ${scenario.table} (id, version, payload) VALUES (?, ?, ?) USING TIMESTAMP ?`, params, { concurrencyLevel: 256 });
  for (const [id, version, payload] of params) scenario.expected.set(id as string, { version: version as number, payload: payload as string });
}

/** `tandem backfill --json` of the scenario's table as its own process, paced at `maxRowsPerSecond`. */
function startBackfill(scenario: FaultScenario, maxRowsPerSecond: number) {
  const backfill = spawn(
    process.execPath,
    [bin, 'backfill', '--config', scenario.configFile, '--table', scenario.table, '--splits', '64', '--concurrency', '2', '--max-rows-per-second', String(maxRowsPerSecond), '--json'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TANDEM_LOG_LEVEL: 'warn' } },
  );
  const output = { stdout: '', stderr: '' };
  backfill.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  backfill.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((done) => backfill.once('exit', done));
  return { output, exited };
}

describe.each(faultRounds)('the backfill under faults, round %i', (round) => {
  it.skipIf(shortForm)('target killed with kill -9 mid-backfill and restarted: the backfill waits, resumes and completes', async () => {
    const scenario = new FaultScenario(config, dataDir);
    try {
      await scenario.create();
      const rows = 40_000;
      await seedHistory(scenario, rows);
      const { output, exited } = startBackfill(scenario, 8000);

      await eventually(() => countRows(scenario.target, scenario.table), (n) => n >= 10_000, 120_000, 200);
      const killedAt = Date.now();
      await killServer(dataDir, 'target');
      await new Promise((r) => setTimeout(r, 5_000));
      await restartStack(config, dataDir);
      const downMs = Date.now() - killedAt;
      // The suite's clients reconnect on their own; the backfill retries its writes until the target is back.
      expect(await exited, output.stdout).toBe(0);
      const summary = JSON.parse(output.stdout) as { complete: boolean; rowsWritten: number; thisProcess: { retries: number } };
      expect(summary).toMatchObject({ complete: true });
      const recoveryMs = Date.now() - killedAt - downMs;
      expect(await scenario.differencesOn(scenario.target)).toEqual([]);
      const differences = await scenario.validate();
      expect(differences).toBe(0);
      report('target kill -9 mid-backfill', round, { rows, 'target down (ms)': downMs, retries: summary.thisProcess.retries, 'backfill finished after restart (ms)': recoveryMs, differences });
    } finally {
      await scenario.close();
    }
  });

  /**
   * A backfill slow enough that `fault` comes mid-job, while ranges are claimed, worked on and
   * recorded through Kafka: it must carry on and complete, every row on the target.
   */
  const backfillThroughKafkaFault = async (name: string, fault: () => Promise<void>) => {
    const scenario = new FaultScenario(config, dataDir);
    try {
      await scenario.create();
      const rows = 15_000;
      await seedHistory(scenario, rows);
      const { output, exited } = startBackfill(scenario, 1000);

      await eventually(() => countRows(scenario.target, scenario.table), (n) => n >= 5_000, 120_000, 200);
      const faultAt = Date.now();
      await fault();
      expect(await exited, `${output.stdout}\n${output.stderr.slice(-4_000)}`).toBe(0);
      expect(JSON.parse(output.stdout)).toMatchObject({ complete: true });
      expect(await scenario.differencesOn(scenario.target)).toEqual([]);
      report(name, round, {
        rows,
        'backfill finished after the fault began (ms)': Date.now() - faultAt,
        'Kafka consumers replaced': (output.stderr.match(/starting a fresh one/g) ?? []).length,
        differences: 0,
      });
    } finally {
      await scenario.close();
    }
  };

  it('broker paused with SIGSTOP for 15 s mid-backfill and resumed: the backfill carries on and completes', () =>
    backfillThroughKafkaFault('broker SIGSTOP 15 s mid-backfill', async () => {
      const pid = serverPid(dataDir, 'kafka');
      process.kill(pid, 'SIGSTOP');
      await new Promise((r) => setTimeout(r, 15_000));
      process.kill(pid, 'SIGCONT');
    }));

  it.skipIf(shortForm)('broker killed with kill -9 mid-backfill and restarted: the backfill carries on and completes', () =>
    backfillThroughKafkaFault('broker kill -9 mid-backfill', async () => {
      await killServer(dataDir, 'kafka');
      await new Promise((r) => setTimeout(r, 5_000));
      await restartStack(config, dataDir);
    }));
});
