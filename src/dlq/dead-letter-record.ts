import type { KafkaRecordView } from '../records/index.js';
import { deadLetterHeaders } from '../sink/dead-letter.js';
import { destinationNames, type DestinationName } from '../sink/cql-destination.js';

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
