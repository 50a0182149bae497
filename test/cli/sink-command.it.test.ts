import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { consumerGroupLag, kafkaConnection } from '../../src/kafka/index.js';
import { Clients, countRows, eventually, referenceSchema, runAll, uniqueName } from '../helpers/cql.js';
import { exitedWithin } from '../helpers/processes.js';
import { produceRaw } from '../helpers/sinks.js';

const stack = inject('stackConfig');
const clients = new Clients();
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await clients.closeAll();
});

const bin = resolve(import.meta.dirname, '..', '..', 'bin', 'tandem.js');

describe('tandem sink --destination both', () => {
  it('ends with a non-zero exit naming the destination and the reason when one sink stops for good, after the other stopped cleanly', async () => {
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    const keyspace = uniqueName('onedies');
    const table = `${keyspace}.user_activity`;
    // The source table has a column the target's will not have; the mapping names it.
    await runAll(source, [...referenceSchema(keyspace), `ALTER TABLE ${table} ADD referrer text`]);
    const topic = uniqueName('onedies');
    const group = uniqueName('onediesgroup');
    const configFile = join(mkdtempSync(join(tmpdir(), 'tandem-onedies-')), 'tandem.yaml');
    writeFileSync(
      configFile,
      stringify({
        kafka: stack.kafka,
        source: stack.source,
        target: stack.target,
        topics: [{ topic, table, mapping: 'user_id=value.user_id, activity_time=value.activity_time, activity_type=value.activity_type, referrer=value.referrer' }],
        sink: { groupIdPrefix: group, commitIntervalMs: 100 },
      }),
    );
    const total = 50;
    await produceRaw(
      kafkaConnection(stack.kafka),
      topic,
      Array.from({ length: total }, (_, i) => ({
        key: JSON.stringify({ user_id: `u${i}` }),
        value: JSON.stringify({ user_id: `u${i}`, activity_time: 1_683_720_000_000 + i, activity_type: 'click', referrer: `r${i}` }),
      })),
    );

    const child = spawn(process.execPath, [bin, 'sink', '--config', configFile, '--destination', 'both', '--status-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.resume();
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

    // The target's table does not exist yet, so its sink waits for it while the source's writes everything.
    expect(await eventually(() => countRows(source, table), (n) => n === total, 60_000, 200)).toBe(total);
    // Then the target's table appears without the mapped column: the target's sink can never run.
    await runAll(target, referenceSchema(keyspace));
    expect(await exitedWithin(exited, 45_000), `still running 45 s after the target's table appeared:\n${stderr.slice(-3000)}`).toBe(true);
    expect(await exited).not.toBe(0);
    const line = stderr.split('\n').find((l) => l.startsWith('tandem: '));
    expect(line, stderr.slice(-3000)).toMatch(/target/);
    expect(line).toMatch(/referrer/);
    // The source's sink was stopped cleanly: it committed what it wrote.
    expect(stderr).toMatch(/"destination":"source".*"msg":"sink stopped"/);
    const lag = await consumerGroupLag(kafkaConnection(stack.kafka), `${group}-source`, [topic]);
    expect(lag.reduce((sum, p) => sum + p.lag, 0n)).toBe(0n);
  });
});
