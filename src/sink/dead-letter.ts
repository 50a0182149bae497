import type { Producer } from '@platformatic/kafka';
import type { RecordRejection } from '../errors.js';
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

/** The dead-letter topic of a topic unless the config names one. */
export function deadLetterTopicOf(topic: { topic: string; deadLetterTopic?: string | undefined }): string {
  return topic.deadLetterTopic ?? `${topic.topic}.dlq`;
}

/** Publishes a record that can never be written, unchanged, with headers saying why and whence. */
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
  await producer.send({
    acks: -1,
    messages: [
      {
        topic: letter.deadLetterTopic,
        ...(letter.key ? { key: letter.key } : {}),
        value: letter.value ?? Buffer.alloc(0),
        headers,
      },
    ],
  });
}
