import type { Consumer } from '@platformatic/kafka';

/** Offsets `[from, to)` of one partition. */
export interface PartitionSlice {
  readonly topic: string;
  readonly partition: number;
  readonly from: bigint;
  readonly to: bigint;
}

export interface ReadRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  /** Kafka record time in milliseconds. */
  readonly timestampMs: number;
  readonly value: string | null;
}

const partitionMaxBytes = 1024 * 1024;

/**
 * Reads the given offset slices with plain fetch requests, outside any consumer group: a status
 * poll every second cannot pay for a group join and rebalance each time, and must leave no group
 * behind. Records come back in offset order per partition. A slice the broker returns nothing
 * for (its records expired meanwhile) ends where it stands instead of being asked for again.
 *
 * @example
 *   const records = await readPartitionSlices(consumer, [{ topic: 'tandem-backfill.ua.progress', partition: 0, from: 0n, to: 12n }]);
 */
export async function readPartitionSlices(consumer: Consumer, slices: readonly PartitionSlice[]): Promise<ReadRecord[]> {
  const pending = slices.filter((s) => s.from < s.to).map((s) => ({ ...s, next: s.from }));
  if (pending.length === 0) return [];
  const metadata = await consumer.metadata({ topics: [...new Set(pending.map((s) => s.topic))] });
  const records: ReadRecord[] = [];
  while (pending.length > 0) {
    const byLeader = new Map<number, typeof pending>();
    for (const slice of pending) {
      const leader = metadata.topics.get(slice.topic)?.partitions[slice.partition]?.leader;
      if (leader === undefined) throw new Error(`no leader known for ${slice.topic}:${slice.partition}`);
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), slice]);
    }
    await Promise.all(
      [...byLeader].map(async ([leader, leaderSlices]) => {
        const ids = new Map(leaderSlices.map((s) => [metadata.topics.get(s.topic)!.id, s.topic]));
        const response = await consumer.fetch({
          node: leader,
          maxWaitTime: 100,
          topics: leaderSlices.map((s) => ({
            topicId: metadata.topics.get(s.topic)!.id,
            partitions: [{ partition: s.partition, fetchOffset: s.next, partitionMaxBytes, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }],
          })),
        });
        for (const topicResponse of response.responses) {
          const topic = ids.get(topicResponse.topicId);
          for (const part of topicResponse.partitions) {
            const slice = leaderSlices.find((s) => s.topic === topic && s.partition === part.partitionIndex);
            if (!slice) continue;
            if (part.errorCode !== 0) throw new Error(`reading ${slice.topic}:${slice.partition} failed with Kafka error ${part.errorCode}`);
            let advanced = false;
            for (const batch of part.records ?? []) {
              for (const record of batch.records) {
                const offset = batch.firstOffset + BigInt(record.offsetDelta);
                if (offset < slice.next || offset >= slice.to) continue;
                records.push({ topic: slice.topic, partition: slice.partition, offset, timestampMs: Number(batch.firstTimestamp + record.timestampDelta), value: record.value?.toString('utf8') ?? null });
              }
              const afterBatch = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
              if (afterBatch > slice.next) {
                slice.next = afterBatch;
                advanced = true;
              }
            }
            if (!advanced) slice.next = slice.to;
          }
        }
        // A slice the response did not mention would otherwise be asked for forever.
        for (const slice of leaderSlices) if (!response.responses.some((t) => ids.get(t.topicId) === slice.topic)) slice.next = slice.to;
      }),
    );
    for (let i = pending.length - 1; i >= 0; i--) if (pending[i]!.next >= pending[i]!.to) pending.splice(i, 1);
  }
  return records.sort((a, b) => (a.topic === b.topic ? (a.partition === b.partition ? Number(a.offset - b.offset) : a.partition - b.partition) : a.topic < b.topic ? -1 : 1));
}
