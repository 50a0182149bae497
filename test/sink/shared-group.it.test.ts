import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { Clients, countRows, eventually, referenceKeyspaceOn, uniqueName } from '../helpers/cql.js';
import { kcatProduce } from '../helpers/independent-clients.js';
import { exitedWithin } from '../helpers/processes.js';
import { killStartedTandems, spawnTandem } from '../helpers/run-cli.js';

const stack = inject('stackConfig');
const clients = new Clients();
afterAll(async () => {
  killStartedTandems();
  await clients.closeAll();
});

/** A `tandem sink --destination source` process of a config of its own. */
function startSink(topic: string, table: string, groupIdPrefix: string) {
  const configFile = join(mkdtempSync(join(tmpdir(), 'tandem-shared-')), 'tandem.yaml');
  writeFileSync(configFile, stringify({ kafka: stack.kafka, source: stack.source, target: stack.target, topics: [{ topic, table }], sink: { groupIdPrefix, commitIntervalMs: 100 } }));
  return spawnTandem(['sink', '--config', configFile, '--destination', 'source', '--status-port', '0']);
}

/** The partitions of the sink's latest 'joined consumer group' line. */
function lastAssignment(log: string): string[] | undefined {
  const joins = log
    .split('\n')
    .filter((line) => line.includes('"msg":"joined consumer group"'))
    .map((line) => (JSON.parse(line) as { assignments: string[] }).assignments);
  return joins.at(-1);
}

const records = (topic: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    key: JSON.stringify({ user_id: `${topic}-${i}` }),
    value: JSON.stringify({ user_id: `${topic}-${i}`, activity_time: '2023-05-10T12:00:00Z', activity_type: 'click', activity_details: topic }),
  }));

describe('sinks of two configs in one consumer group (the default group names are shared)', () => {
  it('each gets exactly its own topics, and a sink started before its topic existed writes what is produced to it later', { timeout: 180_000 }, async () => {
    const source = clients.connect(stack.source);
    const keyspace = await referenceKeyspaceOn([source], 'shared');
    const table = `${keyspace}.user_activity`;
    const group = uniqueName('sharedgroup');
    const [topicA, topicB] = [uniqueName('shareda'), uniqueName('sharedb')];
    const rowsOf = async (topic: string) => Number((await source.execute(`SELECT count(*) FROM ${table} WHERE activity_details = ? ALLOW FILTERING`, [topic], { prepare: true })).first().get(0));

    const first = startSink(topicA, table, group);
    await eventually(async () => first.stderr(), (log) => log.includes('"msg":"sink started"'), 60_000);
    await kcatProduce(stack.kafka.brokers, topicA, records(topicA, 8));
    expect(await eventually(() => rowsOf(topicA), (n) => n === 8, 60_000)).toBe(8);

    // The second config's topic does not exist until its sink starts; nothing is produced to it before.
    const second = startSink(topicB, table, group);
    await eventually(async () => second.stderr(), (log) => log.includes('"msg":"sink started"'), 60_000);
    await kcatProduce(stack.kafka.brokers, topicB, records(topicB, 8));
    await kcatProduce(stack.kafka.brokers, topicA, records(topicA, 16).slice(8));
    const written = await eventually(async () => [await rowsOf(topicA), await rowsOf(topicB)], ([a, b]) => a === 16 && b === 8, 60_000);
    expect(written, `first sink:\n${first.stderr().slice(-2000)}\nsecond sink:\n${second.stderr().slice(-2000)}`).toEqual([16, 8]);
    expect(await countRows(source, table)).toBe(24);

    const [ofFirst, ofSecond] = [lastAssignment(first.stderr())!, lastAssignment(second.stderr())!];
    expect(ofFirst.length).toBeGreaterThan(0);
    expect(ofFirst.every((p) => p.startsWith(`${topicA}:`)), ofFirst.join(', ')).toBe(true);
    expect(ofSecond.length).toBeGreaterThan(0);
    expect(ofSecond.every((p) => p.startsWith(`${topicB}:`)), ofSecond.join(', ')).toBe(true);
    expect(second.stderr()).not.toContain('not configured for');

    for (const sink of [first, second]) sink.child.kill('SIGTERM');
    for (const sink of [first, second]) expect(await exitedWithin(sink.exited, 30_000)).toBe(true);
  });
});
