import { afterAll, describe, expect, inject, it } from 'vitest';
import { startStack, stackSpecFromConfig, stopStack } from '../../src/stack/index.js';
import { Clients, countRows, referenceKeyspaceOn, uniqueName } from '../helpers/cql.js';
import { produceRaw, runSinksUntil, settled, sinkConfig, type RawRecord } from '../helpers/sinks.js';
import { kafkaConnection } from '../../src/kafka/index.js';

const stack = inject('stackConfig');
const dataDir = inject('stackDataDir');
const clients = new Clients();
afterAll(async () => {
  // Whatever happened, the suite's target runs again for the tests after this one.
  await startStack(stackSpecFromConfig(stack, { dataDir }));
  await clients.closeAll();
});


function records(from: number, to: number): RawRecord[] {
  return Array.from({ length: to - from }, (_, k) => {
    const i = from + k;
    return {
      key: JSON.stringify({ user_id: `u${i % 5000}` }),
      value: JSON.stringify({ user_id: `u${i % 5000}`, activity_time: 1683720000000 + i, activity_type: 'view', activity_details: `record ${i}` }),
      headers: { 'tandem-ts-us': String(1_700_000_000_000_000 + i) },
    };
  });
}

describe('isolation between destinations', () => {
  it('with the target stopped for 15 s mid-stream the source sink goes on; the target sink drains after; nothing dead-lettered', async () => {
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    const keyspace = await referenceKeyspaceOn([source, target], 'iso');
    const topic = uniqueName('iso');
    const config = sinkConfig(stack, { topic, table: `${keyspace}.user_activity` });
    const table = `${keyspace}.user_activity`;
    await produceRaw(kafkaConnection(config.kafka), topic, records(0, 10_000));

    let outageStarted = 0;
    let sourceDoneDuringOutage = false;
    let targetStopped = false;
    let restarted: Promise<unknown> | undefined;
    const counters = await runSinksUntil(
      config,
      async ([sourceCounters, targetCounters]) => {
        if (!targetStopped && settled(targetCounters!) >= 2_000) {
          targetStopped = true;
          // A clean stop (Cassandra drains). A SIGKILL could also lose writes the node acknowledged in its
          // last commitlog sync period (periodic sync), which is the server's durability, not the sink's.
          await stopStack(dataDir, { only: ['target'], graceMs: 60_000 });
          outageStarted = Date.now();
          // The stream goes on while the target is away.
          await produceRaw(kafkaConnection(config.kafka), topic, records(10_000, 30_000));
        }
        if (targetStopped && !restarted) {
          if (settled(sourceCounters!) >= 30_000) sourceDoneDuringOutage = true;
          if (Date.now() - outageStarted >= 15_000) restarted = startStack(stackSpecFromConfig(stack, { dataDir }));
          return false;
        }
        // Counters include records written twice after a redelivery: the table itself must be complete.
        return restarted !== undefined && settled(targetCounters!) >= 30_000 && (await countRows(target, table)) === 30_000;
      },
      { timeoutMs: 180_000 },
    );
    await restarted;

    expect(sourceDoneDuringOutage).toBe(true);
    const [sourceCounters, targetCounters] = counters.map((c) => c.snapshot());
    expect(sourceCounters!.written).toBeGreaterThanOrEqual(30_000);
    expect(sourceCounters).toMatchObject({ deadLettered: 0 });
    expect(targetCounters!.written).toBeGreaterThanOrEqual(30_000);
    expect(targetCounters).toMatchObject({ deadLettered: 0 });
    expect(targetCounters!.retried).toBeGreaterThan(0);
    expect([await countRows(source, table), await countRows(target, table)]).toEqual([30_000, 30_000]);
  });
});
