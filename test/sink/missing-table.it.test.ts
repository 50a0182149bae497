import { afterAll, describe, expect, inject, it } from 'vitest';
import { createCqlClient } from '../../src/cql/index.js';
import { CqlDestination, runSinkWorker, SinkCounters } from '../../src/sink/index.js';
import { Clients, countRows, eventually, referenceKeyspaceOn, referenceSchema, runAll, uniqueName } from '../helpers/cql.js';
import { produceRaw, sinkConfig, testLogger } from '../helpers/sinks.js';
import { kafkaConnection } from '../../src/kafka/index.js';

const stack = inject('stackConfig');
const clients = new Clients();
afterAll(() => clients.closeAll());

describe('a table not yet on the target', () => {
  it('is waited for (state retrying, the table named) and written to once `tandem schema` has created it; a stop during the wait is prompt', async () => {
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    // The table exists on the source only, as before `tandem schema` has run.
    const keyspace = await referenceKeyspaceOn([source], 'missing');
    const table = `${keyspace}.user_activity`;
    const topic = uniqueName('missing');
    const config = sinkConfig(stack, { topic, table });
    await produceRaw(
      kafkaConnection(config.kafka),
      topic,
      Array.from({ length: 50 }, (_, i) => ({ key: `m${i}`, value: JSON.stringify({ user_id: `m${i}`, activity_time: i, activity_type: 'view' }) })),
    );

    const run = () => {
      const controller = new AbortController();
      const counters = new SinkCounters('target');
      const destination = new CqlDestination('target', createCqlClient(config.target), 'cassandra');
      const done = runSinkWorker({ destination, kafka: kafkaConnection(config.kafka), topics: config.topics, sink: config.sink, logger: testLogger, counters }, controller.signal).finally(
        () => destination.close(),
      );
      return { controller, counters, done };
    };

    // Stopped while waiting: it returns well before its next 5-second wait would end.
    const first = run();
    await eventually(async () => first.counters.state, (state) => state === 'retrying', 30_000, 50);
    expect(first.counters.lastError).toBe(`table ${table} does not exist on target`);
    // Past the first waits: the one under way now lasts 3.2 s.
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    const stopAt = performance.now();
    first.controller.abort();
    await first.done;
    expect(performance.now() - stopAt).toBeLessThan(1_000);
    expect(first.counters.state).toBe('stopped');

    const second = run();
    await eventually(async () => second.counters.state, (state) => state === 'retrying', 30_000, 50);
    await runAll(target, referenceSchema(keyspace));
    expect(await eventually(() => countRows(target, table), (n) => n === 50, 60_000, 250)).toBe(50);
    second.controller.abort();
    await second.done;
    expect(second.counters.deadLettered).toBe(0);
  });
});
