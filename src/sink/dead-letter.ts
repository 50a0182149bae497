import { Admin, type Producer } from '@platformatic/kafka';
import type { Logger } from 'pino';
import { DeadLetterTooLargeError, describeError, type RecordRejection } from '../errors.js';
import { describeTopicConfigs, ensureTopics, isRecordTooLarge, keepForever, setTopicConfigs, type GroupLagOptions, type PartitionLag } from '../kafka/index.js';
import type { DestinationName } from './cql-destination.js';

export const deadLetterHeaders = {
  reason: 'tandem-dlq-reason',
  error: 'tandem-dlq-error',
  topic: 'tandem-dlq-source-topic',
  partition: 'tandem-dlq-source-partition',
  offset: 'tandem-dlq-source-offset',
  /** The original record's Kafka timestamp (ms): a replay writes with the write time the record had. */
  timestamp: 'tandem-dlq-source-timestamp',
  destination: 'tandem-dlq-destination',
  at: 'tandem-dlq-at',
  /** Set when the original record was a tombstone (a null value), which the dead letter cannot be. */
  tombstone: 'tandem-dlq-tombstone',
} as const;

export interface DeadLetter {
  readonly deadLetterTopic: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  /** The original record's Kafka timestamp, ms. */
  readonly timestampMs: bigint;
  readonly key: Buffer | null | undefined;
  readonly value: Buffer | null | undefined;
  /** The record's own headers: kept, so a replay writes with the original tandem-ts-us. */
  readonly headers: ReadonlyMap<string, Buffer>;
  readonly reason: RecordRejection;
  readonly error: string;
  readonly destination: DestinationName;
}

/**
 * The consumer group that replays dead letters once their cause is fixed: what it has not consumed
 * is what still waits, and status holds the cutover gate until that is nothing.
 */
export const deadLetterReplayGroup = 'tandem-dlq-replay';

/**
 * Dead letters are counted from the first ever written (offset 0), not the first the broker still
 * holds: a letter deleted before a replay read it is a record never written, and must keep the
 * cutover gate shut rather than vanish from the count.
 */
export const deadLetterLagOptions: GroupLagOptions = Object.freeze({ uncommittedFrom: 'zero', logStart: true });

/** One dead-letter topic's letters the replay group has not consumed, and how many of those the broker deleted unread. */
export interface DeadLetterCount {
  readonly undrained: number;
  readonly expired: number;
}

/** Sums `lags` (read with `deadLetterLagOptions`) over the partitions of `topic`. */
export function countDeadLetters(lags: readonly PartitionLag[], topic: string): DeadLetterCount {
  let undrained = 0n;
  let expired = 0n;
  for (const p of lags) {
    if (p.topic !== topic) continue;
    undrained += p.lag;
    const goneBelow = p.logStart === undefined ? 0n : p.logStart < p.end ? p.logStart : p.end;
    if (goneBelow > p.committed) expired += goneBelow - p.committed;
  }
  return { undrained: Number(undrained), expired: Number(expired) };
}

/** The dead-letter topic of a topic unless the config names one. */
export function deadLetterTopicOf(topic: { topic: string; deadLetterTopic?: string | undefined }): string {
  return topic.deadLetterTopic ?? `${topic.topic}.dlq`;
}

/**
 * What a letter adds to the record it carries (Tandem's headers, the error cut to 2,000 characters,
 * and a record batch of its own) stays far below this.
 */
export const deadLetterHeadroomBytes = 64 * 1024;

/** Kafka's default largest record batch (message.max.bytes), for a topic whose own limit cannot be read. */
export const kafkaDefaultMaxMessageBytes = 1_048_588;

/**
 * The settings a dead-letter topic needs: letters are kept until replayed, however long that takes
 * (the broker's default retention of 7 days would delete records never written), and a letter
 * carrying the largest record its source topics accept is accepted too.
 */
export function deadLetterTopicSettings(largestSourceRecordBytes: number): Record<string, string> {
  return { ...keepForever, 'max.message.bytes': String(largestSourceRecordBytes + deadLetterHeadroomBytes) };
}

/** Of `wanted`, the settings an existing topic falls short of: retention that is not forever, a smaller record limit. */
export function settingsToRaise(current: ReadonlyMap<string, string>, wanted: Readonly<Record<string, string>>): Record<string, string> {
  const raise: Record<string, string> = {};
  for (const [name, value] of Object.entries(wanted)) {
    const now = current.get(name);
    const shortOf = name === 'max.message.bytes' ? now === undefined || Number(now) < Number(value) : now !== value;
    if (shortOf) raise[name] = value;
  }
  return raise;
}

/**
 * Creates the dead-letter topics of `topics` with `deadLetterTopicSettings`, and raises the
 * settings of those that exist (created by hand, or by a Tandem before this rule) to them. A
 * refusal to change an existing topic (an ACL) is logged with the topic and the setting, and the
 * sink goes on: a letter the topic then refuses for its size stops the sink with that record named,
 * and `tandem status` counts letters deleted before a replay as not replayed.
 */
export async function ensureDeadLetterTopics(brokers: readonly string[], topics: readonly { topic: string; deadLetterTopic?: string | undefined }[], log: Logger): Promise<void> {
  const admin = new Admin({ clientId: 'tandem-admin', bootstrapBrokers: [...brokers] });
  try {
    const sourceTopics = [...new Set(topics.map((t) => t.topic))];
    const sourceLimits = await describeTopicConfigs(admin, sourceTopics, ['max.message.bytes']).catch((error: unknown) => {
      log.warn({ topics: sourceTopics, reason: describeError(error) }, "cannot read the topics' max.message.bytes; their dead-letter topics are sized for Kafka's default");
      return new Map<string, Map<string, string>>();
    });
    const largestByDeadLetterTopic = new Map<string, number>();
    for (const t of topics) {
      const largest = Number(sourceLimits.get(t.topic)?.get('max.message.bytes') ?? kafkaDefaultMaxMessageBytes);
      const deadLetterTopic = deadLetterTopicOf(t);
      largestByDeadLetterTopic.set(deadLetterTopic, Math.max(largest, largestByDeadLetterTopic.get(deadLetterTopic) ?? 0));
    }
    const created = new Set<string>();
    for (const [deadLetterTopic, largest] of largestByDeadLetterTopic) {
      for (const topic of await ensureTopics(brokers, [deadLetterTopic], -1, deadLetterTopicSettings(largest))) created.add(topic);
    }
    const existing = [...largestByDeadLetterTopic.keys()].filter((t) => !created.has(t));
    const current = await describeTopicConfigs(admin, existing, Object.keys(deadLetterTopicSettings(0))).catch((error: unknown) => {
      log.warn({ topics: existing, reason: describeError(error) }, 'cannot read the settings of the dead-letter topics; check yourself that they keep letters for ever and take records as large as their topics do');
      return undefined;
    });
    if (!current) return;
    for (const topic of existing) {
      const raise = settingsToRaise(current.get(topic) ?? new Map(), deadLetterTopicSettings(largestByDeadLetterTopic.get(topic)!));
      if (Object.keys(raise).length === 0) continue;
      try {
        await setTopicConfigs(admin, topic, raise);
        log.info({ topic, settings: raise }, 'dead-letter topic settings raised: letters are kept until replayed, and as large as their records');
      } catch (error) {
        log.warn({ topic, settings: raise, reason: describeError(error) }, 'cannot change the dead-letter topic; set these yourself, or letters may be deleted before a replay or refused for their size');
      }
    }
  } finally {
    await admin.close();
  }
}

/**
 * Publishes a record that can never be written, unchanged, with headers saying why and whence.
 * Kafka refusing the letter for its size is no outage to wait out: a `DeadLetterTooLargeError`
 * names the record, so whoever retries publishing stops instead of retrying it for ever.
 */
export async function publishDeadLetter(producer: Producer<Buffer, Buffer, string, Buffer>, letter: DeadLetter): Promise<void> {
  const headers = new Map<string, Buffer>(letter.headers);
  headers.set(deadLetterHeaders.reason, Buffer.from(letter.reason));
  headers.set(deadLetterHeaders.error, Buffer.from(letter.error.slice(0, 2000)));
  headers.set(deadLetterHeaders.topic, Buffer.from(letter.topic));
  headers.set(deadLetterHeaders.partition, Buffer.from(String(letter.partition)));
  headers.set(deadLetterHeaders.offset, Buffer.from(String(letter.offset)));
  headers.set(deadLetterHeaders.timestamp, Buffer.from(String(letter.timestampMs)));
  headers.set(deadLetterHeaders.destination, Buffer.from(letter.destination));
  headers.set(deadLetterHeaders.at, Buffer.from(new Date().toISOString()));
  if (letter.value == null) headers.set(deadLetterHeaders.tombstone, Buffer.from('true'));
  const value = letter.value ?? Buffer.alloc(0);
  try {
    await producer.send({ acks: -1, messages: [{ topic: letter.deadLetterTopic, ...(letter.key ? { key: letter.key } : {}), value, headers }] });
  } catch (error) {
    if (!isRecordTooLarge(error)) throw error;
    const bytes = (letter.key?.length ?? 0) + value.length + [...headers].reduce((sum, [name, v]) => sum + Buffer.byteLength(name) + v.length, 0);
    throw new DeadLetterTooLargeError(
      `the dead letter of ${letter.topic} partition ${letter.partition} offset ${letter.offset} (${letter.reason}, about ${bytes} bytes) is larger than ${letter.deadLetterTopic} accepts`,
      { cause: error, hint: `Raise max.message.bytes of ${letter.deadLetterTopic} above ${bytes + deadLetterHeadroomBytes} and start again: the record is not committed, so it comes back` },
    );
  }
}
