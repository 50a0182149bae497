import { randomUUID } from 'node:crypto';
import { Admin, Consumer, stringDeserializer, type Message } from '@platformatic/kafka';
import { consumerGroupLag, subscribedRoundRobinAssigner, type KafkaConnection } from '../kafka/index.js';
import { deadLetterLagOptions, deadLetterReplayGroup, parseDeadLetter, type DeadLetterRecord } from '../sink/index.js';

export type DeadLetterKafkaMessage = Message<Buffer, Buffer, string, Buffer>;

/** Per partition of a dead-letter topic: where the undrained letters start (what the replay group has not consumed) and end. */
export interface DeadLetterSpan {
  readonly partition: number;
  readonly from: bigint;
  readonly to: bigint;
}

/** Undrained letters of one partition: those the broker still holds (`span`), and those it deleted before a replay read them. */
export interface UndrainedPartition {
  readonly span: DeadLetterSpan;
  /** Offsets [from, to) of letters deleted unread, if any: records never written. */
  readonly expired?: DeadLetterSpan;
}

/** The letters waiting for a replay, partition by partition, counted from the first ever dead-lettered. */
export async function undrainedPartitions(kafka: KafkaConnection, topic: string): Promise<UndrainedPartition[]> {
  const lags = await consumerGroupLag(kafka, deadLetterReplayGroup, [topic], deadLetterLagOptions);
  return lags.map((l) => {
    const logStart = l.logStart === undefined || l.logStart < l.committed ? l.committed : l.logStart < l.end ? l.logStart : l.end;
    const span = { partition: l.partition, from: logStart, to: l.end };
    return logStart > l.committed ? { span, expired: { partition: l.partition, from: l.committed, to: logStart } } : { span };
  });
}

/** How many letters `spans` hold. */
export function countSpans(spans: readonly DeadLetterSpan[]): number {
  return spans.reduce((sum, s) => sum + Number(s.to > s.from ? s.to - s.from : 0n), 0);
}

/** Every letter the broker still holds, replayed or not. */
async function allSpans(kafka: KafkaConnection, topic: string): Promise<DeadLetterSpan[]> {
  const reader = new Consumer({ clientId: 'tandem-dlq', groupId: `tandem-dlq-offsets-${randomUUID()}`, ...kafka.options, timeout: 5_000, retries: 1 });
  try {
    const [earliest, ends] = await Promise.all([reader.listOffsets({ topics: [topic], timestamp: -2n }), reader.listOffsets({ topics: [topic] })]);
    const firsts = earliest.get(topic) ?? [];
    return (ends.get(topic) ?? []).map((to, partition) => ({ partition, from: firsts[partition] ?? 0n, to }));
  } finally {
    await reader.close();
  }
}

export function deadLetterConsumer(kafka: KafkaConnection, groupId: string): Consumer<Buffer, Buffer, string, Buffer> {
  return new Consumer<Buffer, Buffer, string, Buffer>({
    clientId: 'tandem-dlq',
    groupId,
    ...kafka.options,
    deserializers: { headerKey: stringDeserializer as (data?: Buffer) => string },
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    // The replay group serves every dead-letter topic: replays of two topics at once must each get their own.
    partitionAssigner: subscribedRoundRobinAssigner,
  });
}

/**
 * Calls `onMessage` for each message of `spans`, in offset order per partition, and returns when
 * every span is read or `onMessage` says stop. Messages past a span's end (written meanwhile) are
 * left for the next run.
 */
export async function readSpans(
  consumer: Consumer<Buffer, Buffer, string, Buffer>,
  topic: string,
  spans: readonly DeadLetterSpan[],
  mode: 'committed' | 'from-spans',
  onMessage: (message: DeadLetterKafkaMessage) => Promise<'more' | 'stop'>,
  /** Runs before the stream closes, while the consumer is still a member of its group (a last commit). */
  beforeClose?: () => Promise<void>,
): Promise<void> {
  const open = new Map(spans.filter((s) => s.from < s.to).map((s) => [s.partition, s]));
  if (open.size === 0) return;
  const stream =
    mode === 'committed'
      ? await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false })
      : await consumer.consume({ topics: [topic], mode: 'manual', offsets: [...open.values()].map((s) => ({ topic, partition: s.partition, offset: s.from })), autocommit: false });
  try {
    for await (const message of stream) {
      const span = open.get(message.partition);
      if (!span || message.offset >= span.to) continue;
      if ((await onMessage(message)) === 'stop') return;
      if (message.offset + 1n >= span.to) open.delete(message.partition);
      if (open.size === 0) return;
    }
  } finally {
    await beforeClose?.();
    await stream.close().catch(() => undefined);
  }
}

export interface InspectOptions {
  /** Also the letters already replayed (all the broker still holds). */
  readonly all: boolean;
  /** Letters returned at most; all are counted. */
  readonly limit: number;
}

export interface DeadLetterInspection {
  readonly topic: string;
  /** Letters the replay group has not consumed: what holds the cutover gate. */
  readonly undrained: number;
  /** Of those, letters the broker deleted (retention) before a replay read them: records never written. */
  readonly expired: number;
  /** Letters in the spans read (undrained, or all with `all`). */
  readonly total: number;
  readonly letters: readonly DeadLetterRecord[];
}

/** Reads the dead letters of `topic` (the undrained ones unless `all`), without consuming them. */
export async function inspectDeadLetters(kafka: KafkaConnection, topic: string, options: InspectOptions): Promise<DeadLetterInspection> {
  const undrained = await undrainedPartitions(kafka, topic);
  const held = undrained.map((p) => p.span);
  const expired = countSpans(undrained.flatMap((p) => (p.expired ? [p.expired] : [])));
  const spans = options.all ? await allSpans(kafka, topic) : held;
  const letters: DeadLetterRecord[] = [];
  const readerGroup = `tandem-dlq-inspect-${randomUUID()}`;
  const consumer = deadLetterConsumer(kafka, readerGroup);
  try {
    if (options.limit > 0) {
      await readSpans(consumer, topic, spans, 'from-spans', async (message) => {
        letters.push(parseDeadLetter(message));
        return letters.length >= options.limit ? 'stop' : 'more';
      });
    }
  } finally {
    await consumer.close(true as boolean | undefined).catch(() => undefined);
    // The reader's group holds no offsets worth keeping.
    const admin = new Admin({ clientId: 'tandem-dlq', ...kafka.options });
    await admin
      .deleteGroups({ groups: [readerGroup] })
      .catch(() => undefined)
      .finally(() => admin.close());
  }
  letters.sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset));
  return { topic, undrained: countSpans(held) + expired, expired, total: countSpans(spans), letters };
}
