import type { Producer } from '@platformatic/kafka';
import { DeadLetterTooLargeError, type RecordRejection } from '../errors.js';
import { isRecordTooLarge } from '../kafka/index.js';
import type { KafkaRecordView } from '../records/index.js';
import { destinationNames, type DestinationName } from './cql-destination.js';

/**
 * The dead-letter format, both ways: what the sink (and a replay sending a letter back) writes, and
 * how `tandem dlq` reads it. A letter is the original record, unchanged, with headers saying why
 * and whence.
 */
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
 * What a letter adds to the record it carries (Tandem's headers, the error cut to 2,000 characters,
 * and a record batch of its own) stays far below this.
 */
export const deadLetterHeadroomBytes = 64 * 1024;

/** The dead-letter topic of a topic unless the config names one. */
export function deadLetterTopicOf(topic: { topic: string; deadLetterTopic?: string | undefined }): string {
  return topic.deadLetterTopic ?? `${topic.topic}.dlq`;
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

/** A dead letter as read back from its topic: why and whence, and the original record. */
export interface DeadLetterRecord {
  /** Where the dead letter itself sits. */
  readonly partition: number;
  readonly offset: bigint;
  readonly reason: string;
  readonly error: string;
  /** The destination that could not write it; the other one may have. */
  readonly destination: DestinationName | undefined;
  readonly deadLetteredAt: string | undefined;
  readonly sourceTopic: string | undefined;
  readonly sourcePartition: number | undefined;
  readonly sourceOffset: bigint | undefined;
  /** The original record's Kafka timestamp (ms); the dead letter's own when an older sink did not record it. */
  readonly sourceTimestampMs: bigint;
  /** The original record as the sink saw it, for decoding again. */
  readonly original: KafkaRecordView;
}

/** A message of a dead-letter topic, as the Kafka client delivers it. */
export interface DeadLetterMessage {
  readonly partition: number;
  readonly offset: bigint;
  readonly timestamp: bigint;
  readonly key: Buffer | null | undefined;
  readonly value: Buffer | null | undefined;
  readonly headers: ReadonlyMap<string, Buffer>;
}

const ownHeaders = new Set<string>(Object.values(deadLetterHeaders));

/** Reads the headers `publishDeadLetter` wrote and restores the original record (its headers, key, value, timestamp). */
export function parseDeadLetter(message: DeadLetterMessage): DeadLetterRecord {
  const header = (name: string) => message.headers.get(name)?.toString('utf8');
  const whole = (text: string | undefined) => (text !== undefined && /^\d+$/.test(text) ? BigInt(text) : undefined);
  const destination = header(deadLetterHeaders.destination);
  const sourcePartition = whole(header(deadLetterHeaders.partition));
  const sourceTimestampMs = whole(header(deadLetterHeaders.timestamp)) ?? message.timestamp;
  const headers = new Map([...message.headers].filter(([name]) => !ownHeaders.has(name)));
  const tombstone = header(deadLetterHeaders.tombstone) === 'true';
  return {
    partition: message.partition,
    offset: message.offset,
    reason: header(deadLetterHeaders.reason) ?? 'unknown',
    error: header(deadLetterHeaders.error) ?? '',
    destination: (destinationNames as readonly string[]).includes(destination ?? '') ? (destination as DestinationName) : undefined,
    deadLetteredAt: header(deadLetterHeaders.at),
    sourceTopic: header(deadLetterHeaders.topic),
    sourcePartition: sourcePartition === undefined ? undefined : Number(sourcePartition),
    sourceOffset: whole(header(deadLetterHeaders.offset)),
    sourceTimestampMs,
    original: { key: message.key ?? null, value: tombstone ? null : (message.value ?? null), headers, timestampMs: sourceTimestampMs },
  };
}
