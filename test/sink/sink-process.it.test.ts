import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { Clients, countRows, eventually, referenceKeyspaceOn, uniqueName } from '../helpers/cql.js';
import { runTandem } from '../helpers/run-cli.js';
import { produceRaw } from '../helpers/sinks.js';

const stack = inject('stackConfig');
const clients = new Clients();
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await clients.closeAll();
});

const bin = resolve(import.meta.dirname, '..', '..', 'bin', 'tandem.js');

function startSink(configFile: string): { child: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, [bin, 'sink', '--config', configFile, '--destination', 'both', '--stats-interval', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout!.resume();
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, stderr: () => stderr };
}


describe('tandem sink as a process', () => {
  it('killed with SIGKILL at a random point of a 50,000-record stream and restarted: both sides hold all 50,000 rows', async () => {
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    const keyspace = await referenceKeyspaceOn([source, target], 'crash');
    const topic = uniqueName('crash');
    const dir = mkdtempSync(join(tmpdir(), 'tandem-crash-'));
    const configFile = join(dir, 'tandem.yaml');
    writeFileSync(
      configFile,
      stringify({
        kafka: stack.kafka,
        source: stack.source,
        target: stack.target,
        topics: [{ topic, table: `${keyspace}.user_activity` }],
        sink: { groupIdPrefix: uniqueName('crashgroup') },
      }),
    );
    const total = 50_000;
    await produceRaw(
      stack.kafka.brokers,
      topic,
      Array.from({ length: total }, (_, i) => ({
        key: JSON.stringify({ user_id: `u${i}` }),
        value: JSON.stringify({ user_id: `u${i}`, activity_time: 1683720000000 + i, activity_type: 'click', activity_details: `record ${i}` }),
        headers: { 'tandem-ts-us': String(1_700_000_000_000_000 + i) },
      })),
    );
    const table = `${keyspace}.user_activity`;

    const first = startSink(configFile);
    const killAt = Math.floor(total * (0.1 + Math.random() * 0.6));
    const reached = await eventually(() => countRows(source, table), (n) => n >= killAt, 90_000, 100);
    expect(reached).toBeGreaterThanOrEqual(killAt);
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = [await countRows(source, table), await countRows(target, table)];
    expect(Math.min(...atKill)).toBeLessThan(total);

    const second = startSink(configFile);
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
  });
});
