import { Admin, Consumer } from '@platformatic/kafka';
import type { KafkaConnection } from './kafka-connection.js';

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** Next offset the group will read; where it starts (see `GroupLagOptions`) when it has committed nothing. */
  readonly committed: bigint;
  /** Offset the next produced record will get. */
  readonly end: bigint;
  readonly lag: bigint;
  /** The oldest offset the broker still holds (retention deletes below it); read only when asked for (`GroupLagOptions.logStart`). */
  readonly logStart?: bigint;
}

export interface GroupLagOptions {
  /**
   * Where a partition the group never committed counts from: `zero` (a sink reads every record
   * ever written) or `earliest` (records the broker still holds, e.g. dead letters not yet replayed).
   */
  readonly uncommittedFrom?: 'zero' | 'earliest';
  /** Also read each partition's log start offset: records below it, not consumed, are gone for good. */
  readonly logStart?: boolean;
}

/** Clients that read offsets and never join a group; long-lived pollers pass their own. */
export interface OffsetClients {
  readonly admin: Admin;
  readonly consumer: Consumer;
}

/** Status must answer quickly even when Kafka is down: a short timeout and one retry. */
export const statusConnection = { timeout: 5_000, retries: 1 } as const;

/**
 * How far a consumer group trails its topics, partition by partition, from its committed offsets
 * and the topics' end offsets. It reads only; it never joins the group.
 */
export async function consumerGroupLag(kafka: KafkaConnection, groupId: string, topics: readonly string[], options: GroupLagOptions = {}): Promise<PartitionLag[]> {
  const connection = { ...kafka.options, ...statusConnection };
  const admin = new Admin({ clientId: 'tandem-lag', ...connection });
  const consumer = new Consumer({ clientId: 'tandem-lag', groupId: `${groupId}-lag-reader`, ...connection });
  try {
    return await groupLag({ admin, consumer }, groupId, topics, options);
  } finally {
    await Promise.all([admin.close(), consumer.close()]);
  }
}

/** `consumerGroupLag` with clients the caller keeps open. */
export async function groupLag(clients: OffsetClients, groupId: string, topics: readonly string[], options: GroupLagOptions = {}): Promise<PartitionLag[]> {
  if (topics.length === 0) return [];
  const [groups, ends, earliest] = await Promise.all([
    clients.admin.listConsumerGroupOffsets({ groups: [groupId] }),
    clients.consumer.listOffsets({ topics: [...topics] }),
    options.uncommittedFrom === 'earliest' || options.logStart ? clients.consumer.listOffsets({ topics: [...topics], timestamp: -2n }) : undefined,
  ]);
  const committed = new Map<string, bigint>();
  for (const topic of groups[0]?.topics ?? []) {
    for (const p of topic.partitions) if (p.committedOffset >= 0n) committed.set(`${topic.name}:${p.partitionIndex}`, p.committedOffset);
  }
  const lags: PartitionLag[] = [];
  for (const [topic, offsets] of ends) {
    offsets.forEach((end, partition) => {
      const logStart = earliest?.get(topic)?.[partition];
      const done = committed.get(`${topic}:${partition}`) ?? (options.uncommittedFrom === 'earliest' ? logStart : undefined) ?? 0n;
      lags.push({ topic, partition, committed: done, end, lag: end > done ? end - done : 0n, ...(options.logStart && logStart !== undefined ? { logStart } : {}) });
    });
  }
  return lags;
}
