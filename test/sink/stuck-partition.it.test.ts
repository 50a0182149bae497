import cassandra from 'cassandra-driver';
import { Producer, stringSerializer } from '@platformatic/kafka';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { TableSchema } from '../../src/cql/index.js';
import { createCqlClient } from '../../src/cql/index.js';
import { ensureTopics, kafkaConnection } from '../../src/kafka/index.js';
import type { RowOperation } from '../../src/records/index.js';
import { CqlDestination, runSinkWorker, SinkCounters, type Destination } from '../../src/sink/index.js';
import { Clients, eventually, referenceKeyspaceOn, uniqueName } from '../helpers/cql.js';
import { sinkConfig, testLogger } from '../helpers/sinks.js';

const stack = inject('stackConfig');
const clients = new Clients();
afterAll(() => clients.closeAll());

/**
 * The real target, but the row of user "stuck" never gets written: every attempt times out, as a
 * hot partition on a throttled target may for hours. A fault at the destination, not a mock.
 */
class OneRowNeverWrites implements Destination {
  readonly name = 'target' as const;
  written = new Map<string, number>();
  constructor(private readonly real: CqlDestination) {}
  private check(ops: readonly RowOperation[]): void {
    if (ops.some((op) => op.kind === 'upsert' && op.values.get('user_id') === 'stuck')) throw new cassandra.errors.OperationTimedOutError('injected: this row never gets written');
  }
  private count(ops: readonly RowOperation[]): void {
    for (const op of ops) if (op.kind === 'upsert') {
      const user = String(op.values.get('user_id'));
      this.written.set(user, (this.written.get(user) ?? 0) + 1);
    }
  }
  async write(table: TableSchema, op: RowOperation): Promise<void> {
    this.check([op]);
    await this.real.write(table, op);
    this.count([op]);
  }
  async writeBatch(table: TableSchema, ops: readonly RowOperation[]): Promise<void> {
    this.check(ops);
    await this.real.writeBatch(table, ops);
    this.count(ops);
  }
  batchesAcrossPartitions(): boolean {
    return false;
  }
  tableSchema(keyspace: string, table: string) {
    return this.real.tableSchema(keyspace, table);
  }
  close() {
    return this.real.close();
  }
}

describe('a partition held by one record that never gets written', () => {
  it('stops being fetched past sink.maxUncommittedPerPartition, shows as stuck, and the other partitions go on', { timeout: 180_000 }, async () => {
    const keyspace = await referenceKeyspaceOn([clients.connect(stack.source), clients.connect(stack.target)], 'stuck');
    const topic = uniqueName('stuck');
    await ensureTopics(kafkaConnection(stack.kafka), [topic], 2);
    const config = sinkConfig(stack, { topic, table: `${keyspace}.user_activity` }, { maxUncommittedPerPartition: 50, maxInFlight: 64 });
    const destination = new OneRowNeverWrites(new CqlDestination('target', createCqlClient(config.target), 'cassandra'));
    const counters = new SinkCounters('target');
    const controller = new AbortController();
    const sink = runSinkWorker({ destination, kafka: kafkaConnection(config.kafka), topics: config.topics, sink: config.sink, logger: testLogger, counters }, controller.signal);

    const producer = new Producer<string, string, string, string>({
      clientId: 'test-stuck',
      bootstrapBrokers: [...stack.kafka.brokers],
      serializers: { key: stringSerializer, value: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
    });
    const send = (partition: number, user: string, from: number, count: number) =>
      producer.send({
        acks: -1,
        messages: Array.from({ length: count }, (_, k) => ({
          topic,
          partition,
          key: user,
          value: JSON.stringify({ user_id: user, activity_time: 1_683_720_000_000 + from + k, activity_type: 'view' }),
        })),
      });
    try {
      await send(0, 'stuck', 0, 1);
      // Partition 0 keeps receiving, a hundred at a time, as a live topic does.
      for (let batch = 0; batch < 20; batch++) {
        await send(0, 'behind', batch * 100, 100);
        await new Promise((r) => setTimeout(r, 100));
      }
      await eventually(async () => counters.stuckPartitions.size, (n) => n === 1, 30_000, 100);
      expect([...counters.stuckPartitions.values()]).toEqual([expect.objectContaining({ topic, partition: 0, waitingOnOffset: '0' })]);
      // Partition 1 is written while partition 0 waits.
      await send(1, 'other', 0, 300);
      await eventually(async () => destination.written.get('other') ?? 0, (n) => n === 300, 60_000, 200);
      // Fetching stopped: what was fetched before the pause is written, the rest waits in Kafka.
      const behind = destination.written.get('behind') ?? 0;
      expect(behind).toBeGreaterThanOrEqual(50);
      expect(behind).toBeLessThan(1_000);
      expect(counters.snapshot().stuckPartitions).toHaveLength(1);
    } finally {
      controller.abort();
      await producer.close();
      await sink;
    }
  });
});
