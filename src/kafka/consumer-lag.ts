import { Admin, Consumer } from '@platformatic/kafka';

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** Next offset the group will read; 0 when it has committed nothing. */
  readonly committed: bigint;
  /** Offset the next produced record will get. */
  readonly end: bigint;
  readonly lag: bigint;
}

/**
 * How far a consumer group trails its topics, partition by partition, from its committed offsets
 * and the topics' end offsets. It reads only; it never joins the group.
 */
export async function consumerGroupLag(brokers: readonly string[], groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
  // Status must answer quickly even when Kafka is down: a short timeout and one retry.
  const connection = { bootstrapBrokers: [...brokers], timeout: 5_000, retries: 1 };
  const admin = new Admin({ clientId: 'tandem-lag', ...connection });
  const reader = new Consumer({ clientId: 'tandem-lag', groupId: `${groupId}-lag-reader`, ...connection });
  try {
    const [groups, ends] = await Promise.all([admin.listConsumerGroupOffsets({ groups: [groupId] }), reader.listOffsets({ topics: [...topics] })]);
    const committed = new Map<string, bigint>();
    for (const topic of groups[0]?.topics ?? []) {
      for (const p of topic.partitions) committed.set(`${topic.name}:${p.partitionIndex}`, p.committedOffset < 0n ? 0n : p.committedOffset);
    }
    const lags: PartitionLag[] = [];
    for (const [topic, offsets] of ends) {
      offsets.forEach((end, partition) => {
        const done = committed.get(`${topic}:${partition}`) ?? 0n;
        lags.push({ topic, partition, committed: done, end, lag: end > done ? end - done : 0n });
      });
    }
    return lags;
  } finally {
    await Promise.all([admin.close(), reader.close()]);
  }
}
