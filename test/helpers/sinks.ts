import { Consumer, Producer, stringDeserializer, stringSerializer } from '@platformatic/kafka';
import { pino } from 'pino';
import { parseConfig, type TandemConfig } from '../../src/config/index.js';
import { createCqlClient } from '../../src/cql/index.js';
import { ensureTopics, kafkaConnection, type KafkaConnection } from '../../src/kafka/index.js';
import { CqlDestination, destinationNames, runSinkWorker, SinkCounters, type DestinationName } from '../../src/sink/index.js';
import { eventually, uniqueName } from './cql.js';

export const testLogger = pino({ level: process.env.TANDEM_TEST_LOG ?? 'silent' });

/** A config on the test stack for one topic, with a consumer group prefix no other test uses. */
export function sinkConfig(stack: TandemConfig, topic: Record<string, unknown>, sink: Record<string, unknown> = {}): TandemConfig {
  return parseConfig(
    {
      kafka: stack.kafka,
      source: stack.source,
      target: stack.target,
      topics: [topic],
      sink: { groupIdPrefix: uniqueName('group'), commitIntervalMs: 50, ...sink },
    },
    'test',
    {},
    '.',
  ).config;
}

/** Records a sink has finished with: written, deleted or dead-lettered. */
export function settled(counters: SinkCounters): number {
  const s = counters.snapshot();
  return s.written + s.deleted + s.deadLettered;
}

/** Runs the sinks of `destinations` until `until` holds, then stops them as SIGTERM does. */
export async function runSinksUntil(
  config: TandemConfig,
  until: (counters: readonly SinkCounters[]) => Promise<boolean> | boolean,
  options: { timeoutMs?: number; destinations?: readonly DestinationName[]; pollMs?: number } = {},
): Promise<SinkCounters[]> {
  const controller = new AbortController();
  const names = options.destinations ?? destinationNames;
  const counters = names.map((name) => new SinkCounters(name));
  const workers = names.map((name, i) => {
    const destination = new CqlDestination(name, createCqlClient(name === 'source' ? config.source : config.target), 'cassandra');
    return runSinkWorker(
      {
        destination,
        kafka: kafkaConnection(config.kafka),
        topics: config.topics,
        sink: config.sink,
        logger: testLogger,
        counters: counters[i]!,
        maxWritesPerSecond: name === 'target' ? config.target.maxWritesPerSecond : undefined,
      },
      controller.signal,
    ).finally(() => destination.close());
  });
  await eventually(async () => until(counters), Boolean, options.timeoutMs ?? 60_000, options.pollMs ?? 250);
  controller.abort();
  return Promise.all(workers);
}

export interface RawRecord {
  key?: string;
  value?: string;
  headers?: Record<string, string>;
  /** Kafka record time in milliseconds; the producer's clock when absent. */
  timestamp?: bigint;
}

/** Publishes records exactly as given (no validation), as a misbehaving application might. */
export async function produceRaw(kafka: KafkaConnection, topic: string, records: readonly RawRecord[]): Promise<void> {
  await ensureTopics(kafka, [topic]);
  const producer = new Producer<string, string, string, string>({
    clientId: 'test-raw',
    ...kafka.options,
    // Tests count records: a retried request must not append them twice. One send at a time (see
    // produceJsonLines for why that matters to an idempotent producer of @platformatic/kafka 1.x).
    idempotent: true,
    serializers: { key: stringSerializer, value: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
  });
  try {
    for (let i = 0; i < records.length; i += 1000) {
      await producer.send({
        acks: -1,
        messages: records.slice(i, i + 1000).map((r) => ({
          topic,
          ...(r.key === undefined ? {} : { key: r.key }),
          ...(r.value === undefined ? {} : { value: r.value }),
          ...(r.timestamp === undefined ? {} : { timestamp: r.timestamp }),
          headers: new Map(Object.entries(r.headers ?? {})),
        })),
      });
    }
  } finally {
    await producer.close();
  }
}

export interface ConsumedRecord {
  key: string | undefined;
  value: string | undefined;
  headers: Map<string, string>;
}

/**
 * Reads a topic from the beginning until `count` distinct records are seen: distinct by partition
 * and offset, or by `identity` (e.g. to fold a record delivered twice into one).
 */
export async function readTopic(
  kafka: KafkaConnection,
  topic: string,
  count: number,
  timeoutMs = 30_000,
  identity?: (record: ConsumedRecord) => string,
): Promise<ConsumedRecord[]> {
  const consumer = new Consumer<string, string, string, string>({
    clientId: 'test-reader',
    groupId: uniqueName('reader'),
    ...kafka.options,
    deserializers: { key: stringDeserializer, value: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
  });
  const records = new Map<string, ConsumedRecord>();
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    const timer = setTimeout(() => void stream.close(), timeoutMs);
    for await (const message of stream) {
      const record = { key: message.key, value: message.value, headers: message.headers };
      records.set(identity ? identity(record) : `${message.partition}:${message.offset}`, record);
      if (records.size >= count) break;
    }
    clearTimeout(timer);
    await stream.close();
  } finally {
    await consumer.close(true as boolean | undefined);
  }
  return [...records.values()];
}
