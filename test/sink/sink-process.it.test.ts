import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { Clients, countRows, eventually, referenceKeyspaceOn, uniqueName } from '../helpers/cql.js';
import { runTandem } from '../helpers/run-cli.js';
import { produceRaw } from '../helpers/sinks.js';
import { exitedWithin } from '../helpers/processes.js';
import { freePort } from '../helpers/free-port.js';
import { kafkaConnection } from '../../src/kafka/index.js';

const stack = inject('stackConfig');
const clients = new Clients();
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await clients.closeAll();
});

const bin = resolve(import.meta.dirname, '..', '..', 'bin', 'tandem.js');

function startSink(configFile: string, ...extra: string[]): { child: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, [bin, 'sink', '--config', configFile, '--destination', 'both', '--stats-interval', '2', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout!.resume();
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, stderr: () => stderr };
}

function writeConfig(name: string, config: Record<string, unknown>): string {
  const configFile = join(mkdtempSync(join(tmpdir(), `tandem-${name}-`)), 'tandem.yaml');
  writeFileSync(configFile, stringify({ kafka: stack.kafka, source: stack.source, target: stack.target, ...config }));
  return configFile;
}

/** Value of one sample in Prometheus text format, e.g. `tandem_sink_records_written_total{destination="source"}`. */
function sample(metrics: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of metrics.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('tandem sink as a process', () => {
  it('killed with SIGKILL at a random point of a 50,000-record stream and restarted: both sides hold all 50,000 rows', async () => {
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    const keyspace = await referenceKeyspaceOn([source, target], 'crash');
    const topic = uniqueName('crash');
    // The target is paced so the kill lands mid-stream however fast this machine writes: unpaced,
    // a fast machine wrote all 50,000 rows before a COUNT could see the kill point.
    const configFile = writeConfig('crash', {
      target: { ...stack.target, maxWritesPerSecond: 5_000 },
      topics: [{ topic, table: `${keyspace}.user_activity` }],
      sink: { groupIdPrefix: uniqueName('crashgroup') },
    });
    const total = 50_000;
    await produceRaw(
      kafkaConnection(stack.kafka),
      topic,
      Array.from({ length: total }, (_, i) => ({
        key: JSON.stringify({ user_id: `u${i}` }),
        value: JSON.stringify({ user_id: `u${i}`, activity_time: 1683720000000 + i, activity_type: 'click', activity_details: `record ${i}` }),
        headers: { 'tandem-ts-us': String(1_700_000_000_000_000 + i) },
      })),
    );
    const table = `${keyspace}.user_activity`;

    const first = startSink(configFile, '--status-port', '0');
    const killAt = Math.floor(total * (0.1 + Math.random() * 0.6));
    const reached = await eventually(() => countRows(target, table), (n) => n >= killAt, 90_000, 100);
    expect(reached).toBeGreaterThanOrEqual(killAt);
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = [await countRows(source, table), await countRows(target, table)];
    expect(Math.min(...atKill)).toBeLessThan(total);

    const second = startSink(configFile, '--status-port', '0');
    const done = async () => (await countRows(source, table)) === total && (await countRows(target, table)) === total;
    expect(await eventually(done, Boolean, 120_000, 500)).toBe(true);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.stderr()).toContain('sink stopped');
    expect([await countRows(source, table), await countRows(target, table)]).toEqual([total, total]);

    // Both groups committed to the end: `tandem status` shows no lag.
    const status = await runTandem(['status', '--config', configFile, '--json']);
    expect(status.code).toBe(0);
    const sinks = (JSON.parse(status.stdout) as { sinks: { destination: string; lag: number; partitions: unknown[] }[] }).sinks;
    expect(sinks.map((s) => [s.destination, s.lag])).toEqual([
      ['source', 0],
      ['target', 0],
    ]);
    expect(sinks[0]!.partitions.length).toBeGreaterThan(0);

    // A sink stopped while it joins its group, here waiting out a killed member's session (10 s),
    // with nothing left to read: the stop once went unheard and it ran on until killed.
    const idle = startSink(configFile, '--status-port', '0');
    expect(await eventually(async () => idle.stderr().split('sink started').length > 2, Boolean, 30_000, 50)).toBe(true);
    idle.child.kill('SIGKILL');
    await idle.exited;
    const stoppedWhileJoining = startSink(configFile, '--status-port', '0');
    expect(await eventually(async () => stoppedWhileJoining.stderr().includes('joining consumer group'), Boolean, 30_000, 50)).toBe(true);
    stoppedWhileJoining.child.kill('SIGTERM');
    expect(await exitedWithin(stoppedWhileJoining.exited, 30_000), `still running 30 s after SIGTERM:\n${stoppedWhileJoining.stderr()}`).toBe(true);
    expect(await stoppedWhileJoining.exited, stoppedWhileJoining.stderr()).toBe(0);
  });

  it('serves Prometheus metrics: counts per destination, lag, and the delay of records that waited an hour in Kafka', async () => {
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    const keyspace = await referenceKeyspaceOn([source, target], 'metrics');
    const topic = uniqueName('metrics');
    const statusPort = await freePort();
    const configFile = writeConfig('metrics', {
      topics: [{ topic, table: `${keyspace}.user_activity` }],
      sink: { groupIdPrefix: uniqueName('metricsgroup') },
      status: { port: statusPort },
    });
    const total = 300;
    const anHourAgo = BigInt(Date.now() - 3_600_000);
    await produceRaw(
      kafkaConnection(stack.kafka),
      topic,
      Array.from({ length: total }, (_, i) => ({
        key: JSON.stringify({ user_id: `m${i}` }),
        value: JSON.stringify({ user_id: `m${i}`, activity_time: 1683720000000 + i, activity_type: 'view' }),
        timestamp: anHourAgo,
      })),
    );

    const sink = startSink(configFile);
    const url = await eventually(async () => /"metrics":"(http:\/\/[^"]+)"/.exec(sink.stderr())?.[1], Boolean, 30_000, 100);
    expect(url).toBe(`http://127.0.0.1:${statusPort}/metrics`);
    const scrape = async () => (await fetch(url!)).text();
    const written = (m: string, destination: string) => sample(m, 'tandem_sink_records_written_total', { destination }) ?? 0;
    const metrics = await eventually(scrape, (m) => written(m, 'source') >= total && written(m, 'target') >= total, 60_000, 250);
    for (const destination of ['source', 'target']) {
      // Every record waited an hour: all above the 30-minute bucket, none below.
      expect(sample(metrics, 'tandem_sink_delay_seconds_bucket', { destination, le: '1800' })).toBe(0);
      expect(sample(metrics, 'tandem_sink_delay_seconds_count', { destination })).toBe(written(metrics, destination));
      expect(sample(metrics, 'tandem_sink_delay_seconds_sum', { destination })! / written(metrics, destination)).toBeGreaterThan(3_590);
      expect(sample(metrics, 'tandem_sink_records_dead_lettered_total', { destination })).toBe(0);
      expect(sample(metrics, 'tandem_sink_state', { destination, state: 'running' })).toBe(1);
    }
    // The process's own health beside them: event-loop delay (what a sink adds to a record's delay first) and memory.
    expect(sample(metrics, 'nodejs_eventloop_lag_p99_seconds', {})).toBeGreaterThan(0);
    expect(sample(metrics, 'process_resident_memory_bytes', {})).toBeGreaterThan(10 * 1024 * 1024);
    // Commits follow writes by up to commitIntervalMs, each destination on its own: wait for both.
    const lagOf = (m: string) => ['source', 'target'].map((destination) => sample(m, 'tandem_sink_lag_records', { destination }));
    const lagDrained = await eventually(scrape, (m) => lagOf(m).every((lag) => lag === 0), 30_000, 250);
    expect(lagOf(lagDrained)).toEqual([0, 0]);

    const status = (await (await fetch(url!.replace('/metrics', '/api/status'))).json()) as { sinks: { destination: string; state: string; lag: number }[] };
    expect(status.sinks.map((s) => [s.destination, s.state, s.lag])).toEqual([
      ['source', 'running', 0],
      ['target', 'running', 0],
    ]);
    // `tandem status` shows the running sink's counters beside the lag.
    const shown = await runTandem(['status', '--config', configFile, '--json']);
    type Delay = { count: number; p50UpToMs: number | null; p99UpToMs: number | null };
    const sinks = (JSON.parse(shown.stdout) as { sinks: { destination: string; lag: number; state?: string; written?: number; delay?: Delay }[] }).sinks;
    expect(sinks.map((s) => [s.destination, s.lag, s.state])).toEqual([
      ['source', 0, 'running'],
      ['target', 0, 'running'],
    ]);
    expect(sinks.every((s) => s.written! >= total)).toBe(true);
    // An hour in Kafka is beyond the top bucket: JSON carries that bound as null.
    for (const s of sinks) expect(s.delay).toMatchObject({ p50UpToMs: null, p99UpToMs: null });
    expect(sinks.every((s) => s.delay!.count >= total)).toBe(true);
    const human = await runTandem(['status', '--config', configFile]);
    expect(human.stdout).toMatch(/source .* records behind .*running: \d+ written.*delay p50 ≤ more than 30 min, p99 ≤ more than 30 min/);

    sink.child.kill('SIGTERM');
    expect(await sink.exited).toBe(0);
    const after = JSON.parse((await runTandem(['status', '--config', configFile, '--json'])).stdout) as { sinks: { state?: unknown }[] };
    expect(after.sinks.map((s) => s.state)).toEqual([undefined, undefined]);
  });
});
