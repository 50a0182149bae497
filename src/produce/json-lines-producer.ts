import { createInterface } from 'node:readline';
import { Producer, stringSerializer } from '@platformatic/kafka';
import { compatibilityPartitioner, ensureTopics, type KafkaConnection } from '../kafka/index.js';
import { timestampHeader } from '../records/index.js';
import { MicrosecondClock } from './microsecond-clock.js';

/**
 * The lines of a stream, read only once iteration begins. A readline interface made earlier loses
 * the lines (and the end) it emits while its reader awaits something else, and the loop then waits
 * forever: here nothing is read before the producer is ready.
 */
export async function* linesOf(open: () => NodeJS.ReadableStream): AsyncGenerator<string> {
  yield* createInterface({ input: open(), crlfDelay: Infinity });
}

export interface ProduceOptions {
  readonly kafka: KafkaConnection;
  readonly topic: string;
  /** The table's partition key columns: the record key, so one partition's writes stay in order. */
  readonly keyColumns: readonly string[];
  readonly lines: AsyncIterable<string>;
  readonly batchSize?: number;
  readonly clock?: MicrosecondClock;
}

export interface LineProblem {
  readonly line: number;
  readonly problem: string;
}

export interface ProduceResult {
  readonly produced: number;
  /** Lines that were not JSON objects: reported and skipped. */
  readonly skipped: readonly LineProblem[];
  /** Lines published without a key because a key column is missing; the sinks dead-letter them. */
  readonly unkeyed: readonly LineProblem[];
}

export interface PreparedRecord {
  readonly key: string | undefined;
  readonly value: string;
}

/** Checks one input line and derives its key; pure, so every case is unit-tested. */
export function prepareLine(text: string, keyColumns: readonly string[]): PreparedRecord | { problem: string; unkeyed?: PreparedRecord } | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    return { problem: `not valid JSON (${(error as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: 'not a JSON object' };
  const record = value as Record<string, unknown>;
  const missing = keyColumns.filter((column) => record[column] === undefined || record[column] === null);
  if (missing.length > 0) return { problem: `no ${missing.join(', ')}: published without a key`, unkeyed: { key: undefined, value: trimmed } };
  return { key: JSON.stringify(Object.fromEntries(keyColumns.map((column) => [column, record[column]]))), value: trimmed };
}

/**
 * Publishes JSON lines to a topic, as the reference design's console-producer step does, plus a
 * key and a `tandem-ts-us` write time per record. Batches are sent one after another, so records
 * keep their input order within each partition.
 */
export async function produceJsonLines(options: ProduceOptions): Promise<ProduceResult> {
  await ensureTopics(options.kafka, [options.topic]);
  const producer = new Producer<string, string, string, string>({
    clientId: 'tandem-produce',
    ...options.kafka.options,
    serializers: { key: stringSerializer, value: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
    partitioner: compatibilityPartitioner,
    // The client sends a retried request whole (e.g. after NOT_LEADER_OR_FOLLOWER from a topic
    // created a moment ago): without idempotence every partition that took it the first time would
    // take it twice. Batches go one at a time, as they must: @platformatic/kafka 1.x numbers an
    // idempotent batch when it builds the request and advances the number only on the answer, so
    // two sends in flight share a sequence and Kafka drops the second as a duplicate.
    idempotent: true,
  });
  const clock = options.clock ?? new MicrosecondClock();
  const batchSize = options.batchSize ?? 500;
  const skipped: LineProblem[] = [];
  const unkeyed: LineProblem[] = [];
  let produced = 0;
  let batch: { topic: string; key?: string; value: string; headers: Map<string, string> }[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await producer.send({ messages: batch, acks: -1 });
    produced += batch.length;
    batch = [];
  };
  try {
    let lineNumber = 0;
    for await (const text of options.lines) {
      lineNumber += 1;
      const prepared = prepareLine(text, options.keyColumns);
      if (prepared === undefined) continue;
      let record: PreparedRecord;
      if ('problem' in prepared) {
        if (!prepared.unkeyed) {
          skipped.push({ line: lineNumber, problem: prepared.problem });
          continue;
        }
        unkeyed.push({ line: lineNumber, problem: prepared.problem });
        record = prepared.unkeyed;
      } else {
        record = prepared;
      }
      batch.push({
        topic: options.topic,
        ...(record.key === undefined ? {} : { key: record.key }),
        value: record.value,
        headers: new Map([[timestampHeader, String(clock.now())]]),
      });
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  } finally {
    await producer.close();
  }
  return { produced, skipped, unkeyed };
}
