import { setMaxListeners } from 'node:events';
import { Consumer, Producer, stringDeserializer, stringSerializer, type Message, type MessagesStream } from '@platformatic/kafka';
import type { Logger } from 'pino';
import type { SinkConfig, TopicConfig } from '../config/index.js';
import { ensureTopics, fetchMaxBytesPerPartition, InFlightWindow, OffsetCommitter, OffsetTracker, retryWhileKafkaIsAway, subscribedRoundRobinAssigner, withConsumerReplacement, type KafkaConnection } from '../kafka/index.js';
import { abortableDelay } from '../abortable-delay.js';
import { onAbort } from '../on-abort.js';
import { describeError, RecordRejectedError, type RecordRejection } from '../errors.js';
import type { KafkaRecordView, RowOperation } from '../records/index.js';
import type { Destination, DestinationName } from './cql-destination.js';
import { publishDeadLetter } from './dead-letter.js';
import { ensureDeadLetterTopics } from './dead-letter-topics.js';
import { RateLimiter } from '../rate-limiter.js';
import { mayBatchAcrossPartitions, WriteBatcher } from './write-batcher.js';
import { SinkCounters } from './sink-counters.js';
import { prepareRoutes, type DecodedRecord, type TopicRoute } from './topic-routes.js';
import { classifyCqlError, cqlRetryable, mayBeStaleStatement } from '../cql/index.js';
import { retry, writeBackoff, type RetryOptions } from '../retry.js';

export interface SinkWorkerOptions {
  readonly destination: Destination;
  readonly kafka: KafkaConnection;
  readonly topics: readonly TopicConfig[];
  readonly sink: SinkConfig;
  readonly logger: Logger;
  readonly counters?: SinkCounters;
  /** Client-side cap for a target with provisioned capacity (Keyspaces); retries count too. */
  readonly maxWritesPerSecond?: number | undefined;
}

type SinkMessage = Message<Buffer, Buffer, string, Buffer>;

class Aborted extends Error {}

/** A write refused by a statement prepared before its table changed: the table is read anew, the record decoded again. */
class TableChanged extends Error {
  constructor(options: ErrorOptions) {
    super('the table changed since it was read', options);
  }
}

export function consumerGroupOf(sink: SinkConfig, destination: DestinationName): string {
  return `${sink.groupIdPrefix}-${destination}`;
}

/**
 * One destination's sink: its own consumer group, its own window of writes in flight, its own
 * commits. It reads records, writes each with its record's timestamp, retries what may succeed
 * later, dead-letters what never will, and commits an offset only when every record before it is
 * written or dead-lettered. Resolves when `signal` aborts and in-flight writes are settled.
 *
 * @example
 *   const controller = new AbortController();
 *   const done = runSinkWorker({ destination, kafka, topics, sink, logger }, controller.signal);
 *   process.once('SIGTERM', () => controller.abort());
 *   await done;
 */
export async function runSinkWorker(options: SinkWorkerOptions, signal: AbortSignal): Promise<SinkCounters> {
  const { destination, logger } = options;
  const counters = options.counters ?? new SinkCounters(destination.name);
  // Every write waiting on backoff or the rate limit listens for the abort; thousands may wait at once.
  setMaxListeners(0, signal);
  const log = logger.child({ destination: destination.name });
  const routes = await prepareRoutes(destination, options.topics, options.sink, counters, log, signal);
  if (signal.aborted) {
    counters.state = 'stopped';
    return counters;
  }

  const result = await withConsumerReplacement(() => consumeAndWrite(options, routes, counters, log, signal), {
    signal,
    groupId: consumerGroupOf(options.sink, options.destination.name),
    progress: () => counters.written + counters.deleted + counters.deadLettered,
    onReplace: (error, restart) => {
      counters.state = 'retrying';
      counters.lastError = describeError(error);
      // `reason` names the innermost errors, which the serialized `err` elides past a few levels;
      // first, so a log line cut short (as the fault suite prints them) still holds it.
      log.warn({ reason: counters.lastError, restart, err: error }, 'the Kafka consumer failed; starting a fresh one from the committed offsets');
    },
  });
  if (result) return result;
  counters.state = 'stopped';
  return counters;
}

/** One Kafka consumer's life: reads, writes and commits until `signal` aborts or the consumer fails. */
async function consumeAndWrite(options: SinkWorkerOptions, routes: Map<string, TopicRoute>, counters: SinkCounters, log: Logger, signal: AbortSignal): Promise<SinkCounters> {
  const { destination, sink } = options;
  await ensureTopics(options.kafka, [...routes.keys()]);
  await ensureDeadLetterTopics(options.kafka, [...routes.values()].map((r) => r.config), log);
  const groupId = consumerGroupOf(sink, destination.name);
  const clientId = `tandem-sink-${destination.name}`;
  const consumer = new Consumer<Buffer, Buffer, string, Buffer>({
    clientId,
    groupId,
    ...options.kafka.options,
    deserializers: { headerKey: stringDeserializer as (data?: Buffer) => string },
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxBytesPerPartition: fetchMaxBytesPerPartition,
    // Sinks of other configs may share the group (the default group names are the same for all).
    partitionAssigner: subscribedRoundRobinAssigner,
    strict: true,
    ...retryWhileKafkaIsAway,
  });
  const deadLetters = new Producer<Buffer, Buffer, string, Buffer>({
    clientId: `${clientId}-dlq`,
    ...options.kafka.options,
    ...retryWhileKafkaIsAway,
    serializers: { headerKey: stringSerializer as (data?: string) => Buffer },
  });
  const tracker = new OffsetTracker();
  const window = new InFlightWindow(sink.maxInFlight);
  const limiter = options.maxWritesPerSecond ? new RateLimiter(options.maxWritesPerSecond) : undefined;
  // Decided once, as the number of requests out depends on it.
  const acrossPartitions = mayBatchAcrossPartitions(sink.batchAcrossPartitions, destination);
  const lingerMs = sink.lingerMs ?? (acrossPartitions ? 2 : 0);
  const batcher = new WriteBatcher(destination, {
    // Measured on 2 cores (bench:sink): 16 batches out keep a one-node Cassandra busiest.
    maxRequests: sink.maxRequests ?? (acrossPartitions ? 16 : 128),
    maxRows: sink.batchMaxRows,
    maxBytes: sink.batchMaxBytes,
    acrossPartitions,
    lingerMs,
    onBatch: (rows) => counters.batchSent(rows),
  });
  let fatal: unknown;
  let stream: MessagesStream<Buffer, Buffer, string, Buffer> | undefined;
  const ownedPartitions = new Set<string>();

  consumer.on('consumer:group:join', ({ assignments }) => {
    const owned = new Set((assignments ?? []).flatMap((a) => a.partitions.map((p) => `${a.topic}:${p}`)));
    for (const key of [...ownedPartitions]) {
      if (!owned.has(key)) {
        const [topic, partition] = splitKey(key);
        tracker.forget(topic, partition);
        ownedPartitions.delete(key);
        if (counters.stuckPartitions.delete(key)) stream?.resumePartition(topic, partition);
      }
    }
    for (const key of owned) ownedPartitions.add(key);
    log.info({ groupId, assignments: [...owned] }, 'joined consumer group');
    const foreign = [...owned].filter((key) => !routes.has(splitKey(key)[0]));
    if (foreign.length > 0) log.warn({ groupId, partitions: foreign }, 'assigned partitions of topics this sink is not configured for (a member of an older Tandem leads the group); they are left alone, neither written nor committed');
  });

  // A consumer whose rejoin fails after its retries (after a broker pause, seen as `joinGroup failed
  // 21 times` with every attempt's connection closed) says so with an 'error' event, which unheard
  // ends the process. It ends this consumer's life instead: a fresh one takes over from the committed
  // offsets (withConsumerReplacement), as after any other failure of the Kafka client.
  consumer.on('error', (error: unknown) => {
    fatal ??= error;
    void stream?.close().catch(() => undefined);
  });

  const committer = new OffsetCommitter(consumer, tracker, sink.commitIntervalMs, {
    onCommitted: (offsets) => counters.committed(offsets),
    onFailed: (error) => log.warn({ err: error }, 'offset commit failed; will retry'),
  });

  const sleep = (ms: number) => abortableDelay(ms, signal, () => new Aborted());

  /**
   * Dead letters must not be lost either: publishing is retried until Kafka takes it, unless Kafka
   * refuses it for its size (DeadLetterTooLargeError), which ends the sink with the record named.
   */
  const deadLetter = async (message: SinkMessage, route: TopicRoute, reason: RecordRejection, error: string) => {
    const letter = {
      deadLetterTopic: route.deadLetterTopic,
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      timestampMs: message.timestamp,
      key: message.key,
      value: message.value,
      headers: message.headers,
      reason,
      error,
      destination: destination.name,
    };
    // DeadLetterTooLargeError is not retryable (byRetryableFlag): it ends the sink.
    await retry(() => publishDeadLetter(deadLetters, letter), {
      signal,
      aborted: () => new Aborted(),
      backoff: writeBackoff,
      onRetry: (_reason, attempt, publishError) => {
        if (attempt % 10 === 0) log.error({ err: publishError }, 'cannot publish to the dead-letter topic; retrying');
      },
    });
    counters.deadLettered += 1;
    log.warn({ topic: message.topic, partition: message.partition, offset: String(message.offset), reason, error }, 'record dead-lettered');
  };

  /**
   * One attempt at a record: decode it (again, on a retry) and write it. A write refused for a
   * column dropped since the table was read is retried with the table read anew (every INSERT
   * naming the column would fail until then).
   */
  const writeRecord = async (route: TopicRoute, record: KafkaRecordView): Promise<RowOperation> => {
    const decoded = await decodeOrReject(route, record);
    const wait = limiter?.reserve() ?? 0;
    if (wait > 0) await sleep(wait);
    // A route without a table has a decoder that always rejects, so here the table exists.
    const table = decoded.table!;
    try {
      await batcher.submit(table, decoded.op);
    } catch (error) {
      if (mayBeStaleStatement(error) && (await route.schemaMovedOn(table))) throw new TableChanged({ cause: error });
      throw error;
    }
    return decoded.op;
  };
  // Built once: on this path, once per record, options made per call would cost more than the call.
  const writeRetries: RetryOptions = {
    signal,
    aborted: () => new Aborted(),
    backoff: writeBackoff,
    retryable: (error) => (error instanceof RecordRejectedError ? undefined : error instanceof TableChanged ? error.message : cqlRetryable(error)),
    onRetry: (reason, attempt) => {
      counters.retrying(reason);
      if (attempt % 20 === 0) log.warn({ attempt, error: reason }, 'write failed; retrying');
    },
  };

  /** Decodes and writes one record until it is written or dead-lettered. */
  const handle = async (message: SinkMessage) => {
    const route = routes.get(message.topic)!;
    const record: KafkaRecordView = { key: message.key, value: message.value, headers: message.headers, timestampMs: message.timestamp };
    let op: RowOperation;
    try {
      op = await retry(() => writeRecord(route, record), writeRetries);
    } catch (error) {
      if (signal.aborted || error instanceof Aborted) throw new Aborted();
      if (error instanceof RecordRejectedError) return deadLetter(message, route, error.reason, error.message);
      return deadLetter(message, route, 'server-rejected', classifyCqlError(error).reason);
    }
    counters.recordWritten(op.kind, op.timestampUs, message.timestamp);
  };

  /**
   * Pauses fetching a partition whose records pile up finished but uncommittable behind one that
   * is not (sink.maxUncommittedPerPartition), and resumes it once they are down to half: memory
   * and what a restart redelivers stay bounded, and the other partitions go on.
   */
  const holdBack = (topic: string, partition: number) => {
    const key = `${topic}:${partition}`;
    const held = tracker.heldBehind(topic, partition);
    const stuck = counters.stuckPartitions.get(key);
    if (!stuck) {
      if (held < sink.maxUncommittedPerPartition || !stream) return;
      stream.pausePartition(topic, partition);
      const holding = tracker.holdingRecord(topic, partition);
      const entry = { topic, partition, waitingOnOffset: String(holding?.offset ?? ''), since: new Date(holding?.sinceMs ?? Date.now()).toISOString(), held };
      counters.stuckPartitions.set(key, entry);
      log.warn(entry, 'partition paused: one record not written yet holds the commit of every record after it');
    } else if (held <= sink.maxUncommittedPerPartition / 2) {
      stream?.resumePartition(topic, partition);
      counters.stuckPartitions.delete(key);
      log.info({ topic, partition }, 'partition resumed');
    } else {
      counters.stuckPartitions.set(key, { ...stuck, held });
    }
  };

  log.info({ groupId }, 'joining consumer group');
  counters.stuckPartitions.clear();
  stream = await consumer.consume({
    topics: [...routes.keys()],
    mode: 'committed',
    fallbackMode: 'earliest',
    autocommit: false,
  });
  // A stop may have come while the consumer was joining its group (which waits out a dead member's session).
  const stopListening = onAbort(signal, () => void stream.close());
  if (fatal) void stream.close().catch(() => undefined);
  counters.state = 'running';
  log.info(
    { groupId, topics: [...routes.keys()], maxInFlight: sink.maxInFlight, maxRequests: batcher.maxRequests, lingerMs, batchAcrossPartitions: acrossPartitions, maxWritesPerSecond: options.maxWritesPerSecond },
    'sink started',
  );

  try {
    for await (const message of stream) {
      if (!routes.has(message.topic)) {
        // Another config's topic: its offsets are that config's sink's to commit.
        stream.pausePartition(message.topic, message.partition);
        continue;
      }
      const waiting = window.acquire();
      if (waiting) await waiting;
      if (signal.aborted || fatal) {
        window.release();
        break;
      }
      const tracked = tracker.started(message.topic, message.partition, message.offset);
      counters.inFlight = window.inFlight;
      handle(message).then(
        () => {
          if (tracked) {
            tracker.finished(message.topic, message.partition, message.offset);
            holdBack(message.topic, message.partition);
          }
          window.release();
          counters.inFlight = window.inFlight;
        },
        (error: unknown) => {
          // Left unfinished: its offset is never committed, so the record comes back after a restart.
          window.release();
          if (error instanceof Aborted) return;
          fatal ??= error;
          log.error({ err: error, topic: message.topic, partition: message.partition, offset: String(message.offset) }, 'unexpected failure; stopping');
          stream.close();
        },
      );
    }
  } finally {
    stopListening();
    const drained = await window.drained(sink.shutdownTimeoutMs);
    if (!drained) log.warn({ inFlight: window.inFlight }, 'stopping with writes still in flight; they will be redelivered');
    await committer.close();
    // `as boolean | undefined` picks the promise overload of close().
    await consumer.close(true as boolean | undefined).catch((error: unknown) => log.warn({ err: error }, 'closing the consumer failed'));
    await deadLetters.close().catch(() => undefined);
    counters.state = 'stopped';
    counters.inFlight = window.inFlight;
    const { destination: _name, ...totals } = counters.snapshot();
    log.info(totals, 'sink stopped');
  }
  if (fatal) throw fatal;
  return counters;
}

function splitKey(key: string): [string, number] {
  const at = key.lastIndexOf(':');
  return [key.slice(0, at), Number(key.slice(at + 1))];
}

/**
 * The record decoded for its table, or a RecordRejectedError: decoding is pure, so whatever failed
 * fails again on every delivery, and the record is dead-lettered rather than retried.
 */
async function decodeOrReject(route: TopicRoute, record: KafkaRecordView): Promise<DecodedRecord> {
  try {
    return await route.decode(record);
  } catch (error) {
    if (error instanceof RecordRejectedError) throw error;
    throw new RecordRejectedError('bad-value', `the record could not be decoded: ${describeError(error)}`, { cause: error });
  }
}
