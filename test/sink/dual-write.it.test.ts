import type cassandra from 'cassandra-driver';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { parseConfig, type TandemConfig } from '../../src/config/index.js';
import { createCqlClient } from '../../src/cql/index.js';
import { produceJsonLines } from '../../src/produce/index.js';
import { CqlDestination, destinationNames, runSinkWorker, type SinkCounters } from '../../src/sink/index.js';
import { Clients, eventually, fixtureLines, referenceSchema, runAll, uniqueName } from '../helpers/cql.js';

const stack = inject('stackConfig');
const clients = new Clients();
afterAll(() => clients.closeAll());
const logger = pino({ level: process.env.TANDEM_TEST_LOG ?? 'silent' });

function configFor(topic: string, table: string, extra: Record<string, unknown> = {}): TandemConfig {
  return parseConfig(
    {
      kafka: stack.kafka,
      source: stack.source,
      target: stack.target,
      topics: [{ topic, table, ...extra }],
      sink: { groupIdPrefix: uniqueName('group'), commitIntervalMs: 50 },
    },
    'test',
    {},
    '.',
  ).config;
}

/** Runs both sinks until `until` holds, then stops them the way SIGTERM does. */
async function runSinks(config: TandemConfig, until: () => Promise<boolean>, timeoutMs = 60_000): Promise<SinkCounters[]> {
  const controller = new AbortController();
  const workers = destinationNames.map((name) => {
    const destination = new CqlDestination(name, createCqlClient(name === 'source' ? config.source : config.target), 'cassandra');
    return runSinkWorker({ destination, brokers: config.kafka.brokers, topics: config.topics, sink: config.sink, logger }, controller.signal).finally(() => destination.close());
  });
  await eventually(until, Boolean, timeoutMs, 250);
  controller.abort();
  return Promise.all(workers);
}

async function rowsWithWriteTimes(client: cassandra.Client, keyspace: string) {
  const result = await client.execute(
    `SELECT user_id, activity_time, activity_type, activity_details, WRITETIME(activity_type) AS wt_type, WRITETIME(activity_details) AS wt_details FROM ${keyspace}.user_activity`,
  );
  return result.rows
    .map((r) => ({
      user_id: r.get('user_id') as string,
      activity_time: (r.get('activity_time') as Date).toISOString(),
      activity_type: r.get('activity_type') as string,
      activity_details: r.get('activity_details') as string,
      wt_type: String(r.get('wt_type')),
      wt_details: String(r.get('wt_details')),
    }))
    .sort((a, b) => a.user_id.localeCompare(b.user_id));
}

describe('dual writes: the reference design scenario', () => {
  it('writes the four sample records into both databases with identical write times per cell', async () => {
    const keyspace = uniqueName('ref');
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    await runAll(source, referenceSchema(keyspace));
    await runAll(target, referenceSchema(keyspace));
    const topic = uniqueName('mskkscassdualwrites');
    const config = configFor(topic, `${keyspace}.user_activity`);

    const produced = await produceJsonLines({
      brokers: config.kafka.brokers,
      topic,
      keyColumns: ['user_id'],
      lines: (async function* () {
        yield* fixtureLines();
      })(),
    });
    expect(produced).toEqual({ produced: 4, skipped: [], unkeyed: [] });

    const count = async (client: cassandra.Client) => (await client.execute(`SELECT count(*) FROM ${keyspace}.user_activity`)).first().get(0) as bigint;
    const counters = await runSinks(config, async () => (await count(source)) === 4n && (await count(target)) === 4n);

    const sourceRows = await rowsWithWriteTimes(source, keyspace);
    const targetRows = await rowsWithWriteTimes(target, keyspace);
    expect(sourceRows.map((r) => [r.user_id, r.activity_time, r.activity_type])).toEqual([
      ['user123', '2023-05-10T12:00:00.000Z', 'click'],
      ['user124', '2023-05-10T12:05:00.000Z', 'view'],
      ['user125', '2023-05-10T12:10:00.000Z', 'purchase'],
      ['user127', '2023-05-10T12:10:00.000Z', 'purchase'],
    ]);
    expect(targetRows).toEqual(sourceRows);
    for (const row of sourceRows) {
      expect(row.wt_type).toBe(row.wt_details);
      // The producer's clock: microseconds of today, not the 2023 event time.
      expect(Number(BigInt(row.wt_type) / 1000n)).toBeGreaterThan(Date.now() - 10 * 60_000);
    }
    expect(new Set(sourceRows.map((r) => r.wt_type)).size).toBe(4);
    for (const c of counters) expect(c.snapshot()).toMatchObject({ written: 4, deadLettered: 0, state: 'stopped', inFlight: 0 });
  });
});
