import type cassandra from 'cassandra-driver';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { produceJsonLines } from '../../src/produce/index.js';
import { deadLetterHeaders } from '../../src/sink/index.js';
import { Clients, countRows, fixtureLines, referenceKeyspaceOn, runAll, uniqueName } from '../helpers/cql.js';
import { produceRaw, readTopic, runSinksUntil, settled, sinkConfig, type RawRecord } from '../helpers/sinks.js';
import { kafkaConnection } from '../../src/kafka/index.js';

const stack = inject('stackConfig');
const clients = new Clients();
afterAll(() => clients.closeAll());
const source = () => clients.connect(stack.source);
const target = () => clients.connect(stack.target);


async function rowsWithWriteTimes(client: cassandra.Client, keyspace: string) {
  const result = await client.execute(
    `SELECT user_id, activity_time, activity_type, activity_details, WRITETIME(activity_type) AS wt_type, WRITETIME(activity_details) AS wt_details FROM ${keyspace}.user_activity`,
  );
  return result.rows
    .map((r) => ({
      user_id: r.get('user_id') as string,
      activity_time: (r.get('activity_time') as Date).toISOString(),
      activity_type: r.get('activity_type') as string,
      activity_details: r.get('activity_details') as string | null,
      wt_type: String(r.get('wt_type')),
      wt_details: String(r.get('wt_details')),
    }))
    .sort((a, b) => a.user_id.localeCompare(b.user_id));
}

const referenceKeyspace = () => referenceKeyspaceOn([source(), target()], 'ref');

describe('dual writes', () => {
  it('the reference design: four sample records land in both databases with identical write times per cell', async () => {
    const keyspace = await referenceKeyspace();
    const topic = uniqueName('mskkscassdualwrites');
    const config = sinkConfig(stack, { topic, table: `${keyspace}.user_activity` });
    const produced = await produceJsonLines({
      kafka: kafkaConnection(config.kafka),
      topic,
      keyColumns: ['user_id'],
      lines: (async function* () {
        yield* fixtureLines();
      })(),
    });
    expect(produced).toEqual({ produced: 4, skipped: [], unkeyed: [] });

    const table = `${keyspace}.user_activity`;
    const counters = await runSinksUntil(config, async () => (await countRows(source(), table)) === 4 && (await countRows(target(), table)) === 4);

    const sourceRows = await rowsWithWriteTimes(source(), keyspace);
    expect(sourceRows.map((r) => [r.user_id, r.activity_time, r.activity_type])).toEqual([
      ['user123', '2023-05-10T12:00:00.000Z', 'click'],
      ['user124', '2023-05-10T12:05:00.000Z', 'view'],
      ['user125', '2023-05-10T12:10:00.000Z', 'purchase'],
      ['user127', '2023-05-10T12:10:00.000Z', 'purchase'],
    ]);
    expect(await rowsWithWriteTimes(target(), keyspace)).toEqual(sourceRows);
    for (const row of sourceRows) {
      expect(row.wt_type).toBe(row.wt_details);
      // The producer's clock: microseconds of today, not the 2023 event time.
      expect(Number(BigInt(row.wt_type) / 1000n)).toBeGreaterThan(Date.now() - 10 * 60_000);
    }
    expect(new Set(sourceRows.map((r) => r.wt_type)).size).toBe(4);
    // At least once: a rebalance while the group forms may resend a record, written again harmlessly.
    for (const c of counters) {
      expect(c.snapshot()).toMatchObject({ deadLettered: 0, state: 'stopped', inFlight: 0 });
      expect(c.written).toBeGreaterThanOrEqual(4);
    }
  });

  it('converges: 10,000 updates to 200 rows, shuffled, every 10th duplicated, end identical and newest on both sides', async () => {
    const keyspace = await referenceKeyspace();
    const topic = uniqueName('converge');
    const config = sinkConfig(stack, { topic, table: `${keyspace}.user_activity` });
    const base = 1_700_000_000_000_000;
    const updates: RawRecord[] = [];
    const newest = new Map<string, number>();
    for (let seq = 0; seq < 10_000; seq++) {
      const user = `user${seq % 200}`;
      newest.set(user, seq);
      updates.push({
        key: JSON.stringify({ user_id: user }),
        value: JSON.stringify({ user_id: user, activity_time: '2023-05-10T12:00:00Z', activity_type: `v${seq}`, activity_details: `update ${seq} of ${user}` }),
        headers: { 'tandem-ts-us': String(base + seq) },
      });
    }
    const shuffled = updates.flatMap((u, i) => (i % 10 === 0 ? [u, u] : [u])).sort(() => Math.random() - 0.5);
    await produceRaw(kafkaConnection(config.kafka), topic, shuffled);

    const counters = await runSinksUntil(config, (all) => all.every((c) => settled(c) >= shuffled.length));
    for (const c of counters) {
      expect(c.deadLettered).toBe(0);
      expect(c.written).toBeGreaterThanOrEqual(shuffled.length);
    }

    const sourceRows = await rowsWithWriteTimes(source(), keyspace);
    expect(await rowsWithWriteTimes(target(), keyspace)).toEqual(sourceRows);
    expect(sourceRows).toHaveLength(200);
    for (const row of sourceRows) {
      const seq = newest.get(row.user_id)!;
      expect(row.activity_type).toBe(`v${seq}`);
      expect(row.wt_type).toBe(String(base + seq));
    }
  });

  it('dead-letters every bad record with its reason while the good ones around it are written', async () => {
    const keyspace = uniqueName('bad');
    const ddl = [
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
      `CREATE TABLE ${keyspace}.events (id text, at timestamp, n int, payload text, PRIMARY KEY (id, at))`,
    ];
    await runAll(source(), ddl);
    await runAll(target(), ddl);
    const topic = uniqueName('badinput');
    const config = sinkConfig(stack, { topic, table: `${keyspace}.events`, unknownFields: 'reject' });
    const good = (id: string) => ({ value: JSON.stringify({ id, at: '2023-05-10T12:00:00Z', n: 1, payload: 'ok' }) });
    const bad: [string, RawRecord][] = [
      ['malformed-json', { value: '{"id": "b1", "at": ' }],
      ['not-an-object', { value: '["b2"]' }],
      ['missing-key-column', { value: JSON.stringify({ at: '2023-05-10T12:00:00Z', n: 1 }) }],
      ['bad-value', { value: JSON.stringify({ id: 'b4', at: '2023-05-10T12:00:00Z', n: 'abc' }) }],
      ['bad-value', { value: JSON.stringify({ id: 'b5', at: '2023-13-45', n: 1 }) }],
      ['unknown-field', { value: JSON.stringify({ id: 'b6', at: '2023-05-10T12:00:00Z', n: 1, colour: 'red' }) }],
    ];
    const twoMegabytes = { value: JSON.stringify({ id: 'huge', at: '2023-05-10T12:00:00Z', n: 1, payload: 'x'.repeat(2 * 1024 * 1024) }) };
    const records = [good('g1'), ...bad.flatMap(([, r], i) => [r, good(`g${i + 2}`)]), twoMegabytes, good('g9')];
    await produceRaw(kafkaConnection(config.kafka), topic, records);

    const sourceTable = `${keyspace}.events`;
    // Settled counts may include copies of a record; the tables tell when every distinct one is in.
    const counters = await runSinksUntil(
      config,
      async (all) => all.every((c) => settled(c) >= records.length) && (await countRows(source(), sourceTable)) === 9 && (await countRows(target(), sourceTable)) === 8,
    );

    // Both sides hold every good record; the 2 MB row is valid Cassandra but breaks the target's 1 MiB guardrail.
    const ids = async (client: cassandra.Client) => (await client.execute(`SELECT id FROM ${sourceTable}`)).rows.map((r) => r.get('id') as string).sort();
    expect(await ids(target())).toEqual(['g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'g7', 'g9']);
    expect(await ids(source())).toEqual(['g1', 'g2', 'g3', 'g4', 'g5', 'g6', 'g7', 'g9', 'huge']);

    // At least once, on both sides of Kafka: a producer retry can store a record twice and a rebalance can
    // resend one, so a bad record may be dead-lettered more than once. Count each record once per destination.
    const letters = await readTopic(kafkaConnection(config.kafka), `${topic}.dlq`, bad.length * 2 + 1, 30_000, (l) => `${l.headers.get(deadLetterHeaders.destination)}:${l.value}`);
    const summary = letters
      .map((l) => [l.headers.get(deadLetterHeaders.destination), l.headers.get(deadLetterHeaders.reason), l.headers.get(deadLetterHeaders.topic)])
      .sort((a, b) => String(a).localeCompare(String(b)));
    const expected = [
      ...bad.flatMap(([reason]) => [['source', reason, topic], ['target', reason, topic]]),
      ['target', 'server-rejected', topic],
    ].sort((a, b) => String(a).localeCompare(String(b)));
    expect(summary).toEqual(expected);
    for (const letter of letters) {
      expect(letter.headers.get(deadLetterHeaders.error)).toBeTruthy();
      expect(letter.headers.get(deadLetterHeaders.offset)).toMatch(/^\d+$/);
      expect(letter.headers.get(deadLetterHeaders.partition)).toMatch(/^\d+$/);
    }
    const reasonOf = (id: string) => letters.find((l) => l.value?.includes(`"${id}"`))?.headers.get(deadLetterHeaders.error);
    expect(reasonOf('b4')).toContain('field "n": expected an integer');
    expect(reasonOf('b5')).toContain('field "at": expected an ISO-8601 timestamp');
    expect(reasonOf('b6')).toContain('field "colour"');
    expect(letters.find((l) => l.headers.get(deadLetterHeaders.reason) === 'server-rejected')?.headers.get(deadLetterHeaders.error)).toMatch(/Guardrail/);
    expect(counters[0]!.deadLettered).toBeGreaterThanOrEqual(bad.length);
    expect(counters[1]!.deadLettered).toBeGreaterThanOrEqual(bad.length + 1);
  });

  it('batches rows that wait for a busy server, and splits a batch the server refuses so only the bad row is dead-lettered', async () => {
    const keyspace = await referenceKeyspace();
    const topic = uniqueName('batches');
    // One request out at a time, so rows queue and go in batches; batches large enough to take a 1.5 MB row,
    // which both servers refuse as a batch (over batch_size_fail_threshold) and the target also refuses alone.
    const config = sinkConfig(stack, { topic, table: `${keyspace}.user_activity` }, { maxRequests: 1, batchMaxBytes: 4 * 1_048_576 });
    const hugeAt = new Set([50, 150]);
    const records: RawRecord[] = Array.from({ length: 200 }, (_, i) => ({
      key: `b${i}`,
      value: JSON.stringify({ user_id: `b${i}`, activity_time: i, activity_type: 'view', activity_details: hugeAt.has(i) ? 'x'.repeat(1_500_000) : `row ${i}` }),
    }));
    await produceRaw(kafkaConnection(config.kafka), topic, records);

    const table = `${keyspace}.user_activity`;
    const counters = await runSinksUntil(
      config,
      async (all) => all.every((c) => settled(c) >= records.length) && (await countRows(source(), table)) === 200 && (await countRows(target(), table)) === 198,
    );
    const ids = async (client: cassandra.Client) => new Set((await client.execute(`SELECT user_id FROM ${table}`)).rows.map((r) => r.get('user_id') as string));
    const onTarget = await ids(target());
    expect([...hugeAt].filter((i) => onTarget.has(`b${i}`))).toEqual([]);
    expect((await ids(source())).size).toBe(200);
    for (const c of counters) {
      expect(c.batches).toBeGreaterThan(5);
      expect(c.batchedRows / c.batches).toBeGreaterThan(2);
    }
    const letters = await readTopic(kafkaConnection(config.kafka), `${topic}.dlq`, 2, 30_000, (l) => `${l.headers.get(deadLetterHeaders.destination)}:${l.key}`);
    expect(letters.map((l) => [l.headers.get(deadLetterHeaders.destination), l.key, l.headers.get(deadLetterHeaders.reason)]).sort()).toEqual([
      ['target', 'b150', 'server-rejected'],
      ['target', 'b50', 'server-rejected'],
    ]);
    expect(counters[0]!.deadLettered).toBe(0);
    expect(counters[1]!.deadLettered).toBeGreaterThanOrEqual(2);
  });
});
