import { Admin } from '@platformatic/kafka';
import { describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { ensureTopics, kafkaConnection } from '../../src/kafka/index.js';
import { deadLetterReplayGroup } from '../../src/sink/index.js';
import { jobTopics } from '../../src/jobs/index.js';
import { StatusCollector } from '../../src/status/index.js';
import { uniqueName } from '../helpers/cql.js';
import { produceRaw } from '../helpers/sinks.js';

const stack = inject('stackConfig');

describe('status collector', () => {
  it('counts dead letters the replay group has not consumed, and reads a job log only from where it stopped', async () => {
    const topic = uniqueName('coll');
    const table = `${uniqueName('ks')}.t`;
    const { config } = parseConfig({ kafka: stack.kafka, source: stack.source, target: stack.target, topics: [{ topic, table }], sink: { groupIdPrefix: uniqueName('collgroup') } }, 'test', {}, '.');
    const collector = new StatusCollector({ config, sinkProcesses: async () => [] });
    try {
      // Neither topic exists yet: nothing behind, nothing waiting.
      const empty = await collector.collect();
      expect(empty.kafka.reachable).toBe(true);
      expect(empty.phase).toBe('not-started');
      expect(empty.deadLetters).toEqual([{ topic: `${topic}.dlq`, undrained: 0, expired: 0 }]);
      expect(empty.sinks.map((s) => [s.destination, s.lag, s.committed])).toEqual([
        ['source', 0, 0],
        ['target', 0, 0],
      ]);

      await ensureTopics(kafkaConnection(stack.kafka), [`${topic}.dlq`], 1);
      await produceRaw(kafkaConnection(stack.kafka), `${topic}.dlq`, [{ value: '{"a":1}' }, { value: '{"a":2}' }, { value: '{"a":3}' }]);
      const waiting = await collector.collect();
      expect(waiting.deadLetters).toEqual([{ topic: `${topic}.dlq`, undrained: 3, expired: 0 }]);
      expect(waiting.gates.find((g) => g.id === 'dead-letters-drained')).toMatchObject({ pass: false, reason: `${topic}.dlq: 3 records not replayed` });

      // A replay that consumed two of them (what `tandem dlq replay` will commit).
      const admin = new Admin({ clientId: 'test-replay', bootstrapBrokers: [...stack.kafka.brokers] });
      try {
        await admin.alterConsumerGroupOffsets({ groupId: deadLetterReplayGroup, topics: [{ name: `${topic}.dlq`, partitionOffsets: [{ partition: 0, offset: 2n }] }] });
      } finally {
        await admin.close();
      }
      expect((await collector.collect()).deadLetters).toEqual([{ topic: `${topic}.dlq`, undrained: 1, expired: 0 }]);

      const job = uniqueName('colljob');
      const log = jobTopics(job, 'backfill').progress;
      await ensureTopics(kafkaConnection(stack.kafka), [log], 1);
      const plan = { type: 'plan', planId: 'p1', job, table, partitioner: 'murmur3', ranges: [['0', '1'], ['1', '2'], ['2', '3']], plannedAtMs: Date.now(), keyOnlyRowTimestampUs: '0' };
      const done = (index: number) => ({ key: 'done', value: JSON.stringify({ type: 'done', planId: 'p1', index, rowsRead: 5, rowsWritten: 5, rowsRejected: 0, rejections: [], worker: 'w', ms: 1 }) });
      await produceRaw(kafkaConnection(stack.kafka), log, [{ key: 'plan', value: JSON.stringify(plan) }, done(0)]);
      const started = await collector.collect();
      expect(started.phase).toBe('backfilling');
      expect(started.backfill).toEqual([expect.objectContaining({ job, table, rangesTotal: 3, rangesDone: 1, cells: [1, 0, 0], rowsWritten: 5, complete: false })]);
      await produceRaw(kafkaConnection(stack.kafka), log, [done(1), done(1), done(2)]);
      const finished = await collector.collect();
      expect(finished.backfill).toEqual([expect.objectContaining({ rangesDone: 3, rowsWritten: 15, complete: true, completedAtMs: expect.any(Number) })]);
      expect(finished.phase).toBe('validating');
      expect(finished.gates.find((g) => g.id === 'backfill-complete')).toMatchObject({ pass: true, reason: `${table}: complete, 3/3 ranges, 15 rows (job ${job})` });
    } finally {
      await collector.close();
    }
  });
});
