import { afterAll, describe, expect, inject, it } from 'vitest';
import { createCqlClient } from '../../src/cql/index.js';
import { CqlDestination, destinationNames, runSinkWorker, schemaRecheckIntervalMs, SinkCounters } from '../../src/sink/index.js';
import { Clients, countRows, eventually, referenceKeyspaceOn, runAll, uniqueName } from '../helpers/cql.js';
import { produceRaw, sinkConfig, testLogger } from '../helpers/sinks.js';
import { kafkaConnection } from '../../src/kafka/index.js';

const stack = inject('stackConfig');
const clients = new Clients();
afterAll(() => clients.closeAll());

describe('a table altered while the sinks run', () => {
  it('takes a column added since the sinks started, and writes on once a column is dropped, dead-lettering nothing', async () => {
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    const keyspace = await referenceKeyspaceOn([source, target], 'altered');
    const table = `${keyspace}.user_activity`;
    const topic = uniqueName('altered');
    const config = sinkConfig(stack, { topic, table });
    const records = (from: number, extra: (i: number) => Record<string, unknown>) =>
      Array.from({ length: 20 }, (_, n) => {
        const i = from + n;
        return { key: `a${i}`, value: JSON.stringify({ user_id: `a${i}`, activity_time: i, activity_type: 'view', activity_details: `d${i}`, ...extra(i) }) };
      });

    const controller = new AbortController();
    const counters = destinationNames.map((name) => new SinkCounters(name));
    const workers = destinationNames.map((name, i) => {
      const destination = new CqlDestination(name, createCqlClient(name === 'source' ? config.source : config.target), 'cassandra');
      return runSinkWorker({ destination, kafka: kafkaConnection(config.kafka), topics: config.topics, sink: config.sink, logger: testLogger, counters: counters[i]! }, controller.signal).finally(() =>
        destination.close(),
      );
    });
    try {
      const bothHold = (rows: number) =>
        eventually(async () => Promise.all([countRows(source, table), countRows(target, table)]), (counts) => counts.every((n) => n === rows), 60_000, 200);

      await produceRaw(kafkaConnection(config.kafka), topic, records(0, () => ({})));
      await bothHold(20);

      // The application adds a column (on both sides, as `tandem schema` would) and starts writing it.
      for (const client of [source, target]) await runAll(client, [`ALTER TABLE ${table} ADD page text`]);
      await new Promise((resolve) => setTimeout(resolve, schemaRecheckIntervalMs));
      await produceRaw(kafkaConnection(config.kafka), topic, records(20, (i) => ({ page: `/p${i}` })));
      await bothHold(40);
      for (const client of [source, target]) {
        const pages = await client.execute(`SELECT page FROM ${table} WHERE user_id IN (${Array.from({ length: 20 }, (_, n) => `'a${20 + n}'`).join(', ')})`);
        expect(pages.rows.map((row) => row.get('page') as string | null).sort()).toEqual(Array.from({ length: 20 }, (_, n) => `/p${20 + n}`).sort());
      }

      // Then drops one: statements prepared with it fail until the table is read again. Records that still carry the field are written without it.
      for (const client of [source, target]) await runAll(client, [`ALTER TABLE ${table} DROP activity_details`]);
      await produceRaw(kafkaConnection(config.kafka), topic, records(40, (i) => ({ page: `/p${i}` })));
      await bothHold(60);
    } finally {
      controller.abort();
      await Promise.all(workers);
    }
    for (const c of counters) {
      expect({ destination: c.destination, deadLettered: c.deadLettered, written: c.written }).toEqual({ destination: c.destination, deadLettered: 0, written: 60 });
    }
  });
});
