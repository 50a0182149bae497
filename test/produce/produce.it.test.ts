import { describe, expect, inject, it } from 'vitest';
import { consumerGroupLag, kafkaConnection } from '../../src/kafka/index.js';
import { produceJsonLines } from '../../src/produce/index.js';
import { uniqueName } from '../helpers/cql.js';

const stack = inject('stackConfig');

describe('tandem produce', () => {
  // A topic created a moment ago answers the first requests with NOT_LEADER_OR_FOLLOWER on some of
  // its partitions, and the client sends such a request again whole. Before the producer was
  // idempotent, more than half of the fresh topics here ended with some batches in them twice.
  it('publishes each line exactly once to topics it has just created', { timeout: 120_000 }, async () => {
    const lines = 2_000;
    for (let round = 0; round < 5; round++) {
      const topic = uniqueName('produce-once');
      const result = await produceJsonLines({
        kafka: kafkaConnection(stack.kafka),
        topic,
        keyColumns: ['user_id'],
        lines: (async function* () {
          for (let i = 0; i < lines; i++) yield JSON.stringify({ user_id: `user${i % 97}`, activity_time: 1_683_720_000_000 + i, activity_type: 'click' });
        })(),
      });
      expect(result.produced).toBe(lines);
      const partitions = await consumerGroupLag(kafkaConnection(stack.kafka), uniqueName('nobody'), [topic]);
      expect(Number(partitions.reduce((sum, p) => sum + p.end, 0n)), `records in ${topic}`).toBe(lines);
    }
  });
});
