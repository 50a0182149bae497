import { setMaxListeners } from 'node:events';
import { Admin, Producer, stringSerializer } from '@platformatic/kafka';
import type { Logger } from 'pino';
import { retry, writeBackoff } from '../retry.js';
import type { TandemConfig, TopicConfig } from '../config/index.js';
import { classifyCqlError, cqlRetryable, createCqlClient, splitTable, type TableSchema } from '../cql/index.js';
import { kafkaConnection, OffsetCommitter, OffsetTracker, type KafkaConnection } from '../kafka/index.js';
import { ConfigError, DeadLettersExpiredError, describeError, RecordRejectedError, type RecordRejection } from '../errors.js';
import { warnExtraListCopiesKept, warnListGuardUnavailable } from '../cells/index.js';
import {
  CqlDestination,
  deadLetterReplayGroup,
  deadLetterTopicOf,
  parseDeadLetter,
  publishDeadLetter,
  topicDecoder,
  type DeadLetterRecord,
  type DestinationName,
} from '../sink/index.js';
import { countSpans, deadLetterConsumer, readSpans, undrainedPartitions, type DeadLetterSpan } from './dead-letter-topic.js';

export interface ReplayOptions {
  readonly config: TandemConfig;
  /** The dead-letter topic to drain. */
  readonly topic: string;
  readonly logger: Logger;
  /**
   * Go past letters the broker deleted before a replay read them (their records were never
   * written): only once their tables were repaired another way. Without it such letters stop the replay.
   */
  readonly skipExpired?: boolean;
}

export interface ReplaySummary {
  readonly topic: string;
  /** Letters read: every undrained one when the replay was not stopped. */
  readonly read: number;
  /** Written to the destination that had refused them, with their original write time. */
  readonly replayed: number;
  /** Still not writable: published again to the end of the topic with the new reason (they hold the cutover gate). */
  readonly deadLetteredAgain: number;
  readonly again: readonly { readonly sourceTopic: string; readonly sourceOffset: string; readonly destination: string; readonly reason: string; readonly error: string }[];
  /** Stopped (a signal) before every undrained letter was read. */
  readonly stopped: boolean;
  /** Letters the broker had deleted unread, gone past with `skipExpired`. */
  readonly expiredSkipped: number;
}

const maxAgainListed = 20;

/**
 * Drains a dead-letter topic after its cause is fixed (a column added, a guardrail raised): each
 * letter is decoded again with its topic's mapping and the table as it is now, and written to the
 * destination that refused it through the sink's own write path, with the original write time
 * (its `tandem-ts-us` header or its original Kafka timestamp), so it converges with everything
 * written since. The replay group `tandem-dlq-replay` commits past each letter once it is written
 * or published again, so a replay stopped halfway goes on where it stopped, and what that group
 * has not consumed is what `tandem status` counts as undrained. A letter that still cannot be
 * written goes to the end of the same topic with its new reason: nothing is dropped.
 */
export async function replayDeadLetters(options: ReplayOptions, signal: AbortSignal): Promise<ReplaySummary> {
  const { config, topic, logger: log } = options;
  setMaxListeners(0, signal);
  const sources = config.topics.filter((t) => deadLetterTopicOf(t) === topic);
  if (sources.length === 0) {
    throw new ConfigError(`no topic of the config dead-letters to ${topic}`, { hint: `Dead-letter topics of this config: ${config.topics.map(deadLetterTopicOf).join(', ') || 'none'}` });
  }
  const partitions = await undrainedPartitions(kafkaConnection(config.kafka), topic);
  const expired = partitions.flatMap((p) => (p.expired ? [p.expired] : []));
  const summary = { topic, read: 0, replayed: 0, deadLetteredAgain: 0, again: [] as ReplaySummary['again'][number][], stopped: false, expiredSkipped: 0 };
  if (expired.length > 0) {
    const where = expired.map((s) => `partition ${s.partition} offsets ${s.from}-${s.to - 1n}`).join(', ');
    if (!options.skipExpired) {
      throw new DeadLettersExpiredError(`${countSpans(expired)} dead letter(s) of ${topic} were deleted by the broker before a replay read them (${where}): their records were never written where they were refused`, {
        hint: 'Repair the tables of those records (tandem validate --table <table> --repair), then replay the rest with --skip-expired',
      });
    }
    await commitPast(kafkaConnection(config.kafka), topic, expired);
    summary.expiredSkipped = countSpans(expired);
    log.warn({ topic, expired: where, letters: summary.expiredSkipped }, 'went past dead letters the broker deleted unread (--skip-expired)');
  }
  const spans = partitions.map((p) => p.span);
  if (spans.every((s) => s.from >= s.to)) return summary;

  const destinations = new Map<DestinationName, CqlDestination>();
  const destinationFor = (name: DestinationName) => {
    let destination = destinations.get(name);
    if (!destination) {
      const client = name === 'source' ? createCqlClient(config.source) : createCqlClient(config.target, { profile: config.target.profile });
      destination = new CqlDestination(name, client, name === 'target' ? config.target.profile : 'cassandra', warnListGuardUnavailable(log, name), warnExtraListCopiesKept(log, name));
      destinations.set(name, destination);
    }
    return destination;
  };
  // Tables as they are now on each destination: the fix a replay follows is often a schema change.
  const tables = new Map<string, Promise<TableSchema | undefined>>();
  const tableOn = (destination: CqlDestination, qualified: string) => {
    const key = `${destination.name}:${qualified}`;
    let table = tables.get(key);
    if (!table) {
      const [keyspace, name] = splitTable(qualified);
      table = destination.tableSchema(keyspace, name);
      tables.set(key, table);
    }
    return table;
  };

  /** Writes one letter where it was refused; the rejection when it still cannot be written. */
  const replayOne = async (letter: DeadLetterRecord): Promise<RecordRejectedError | undefined> => {
    const topicConfig: TopicConfig | undefined = sources.find((t) => t.topic === letter.sourceTopic);
    if (!topicConfig) return new RecordRejectedError('unknown-topic', `topic ${letter.sourceTopic ?? '(not recorded)'} is not in the config`);
    if (!letter.destination) return new RecordRejectedError('unknown-topic', 'the dead letter does not say which destination refused it');
    const destination = destinationFor(letter.destination);
    const table = await tableOn(destination, topicConfig.table);
    if (!table) return new RecordRejectedError('unknown-table', `table ${topicConfig.table} does not exist on ${destination.name}`);
    let op;
    try {
      op = topicDecoder(topicConfig, table, config.topics.indexOf(topicConfig))(letter.original);
    } catch (error) {
      if (error instanceof RecordRejectedError) return error;
      return new RecordRejectedError('bad-value', `the record could not be decoded: ${describeError(error)}`, { cause: error });
    }
    const onRetry = (reason: string, attempt: number) => {
      if (attempt % 20 === 0) log.warn({ attempt, error: reason, destination: destination.name }, 'replayed write failed; retrying');
    };
    try {
      await retry(() => destination.write(table, op), { signal, retryable: cqlRetryable, backoff: writeBackoff, onRetry });
      return undefined;
    } catch (error) {
      if (error instanceof RecordRejectedError) return error;
      const verdict = classifyCqlError(error);
      if (verdict.action === 'reject') return new RecordRejectedError('server-rejected', verdict.reason);
      throw error;
    }
  };

  const producer = new Producer<Buffer, Buffer, string, Buffer>({
    clientId: 'tandem-dlq-replay',
    ...kafkaConnection(config.kafka).options,
    serializers: { headerKey: stringSerializer as (data?: string) => Buffer },
  });
  const consumer = deadLetterConsumer(kafkaConnection(config.kafka), deadLetterReplayGroup);
  const tracker = new OffsetTracker();
  const committer = new OffsetCommitter(consumer, tracker, 200, { onFailed: (error) => log.warn({ err: error }, 'committing replayed letters failed; will retry') });
  try {
    await readSpans(consumer, topic, spans, 'committed', async (message) => {
      if (signal.aborted) {
        summary.stopped = true;
        return 'stop';
      }
      const tracked = tracker.started(message.topic, message.partition, message.offset);
      const letter = parseDeadLetter(message);
      summary.read += 1;
      let rejected: RecordRejectedError | undefined;
      try {
        rejected = await replayOne(letter);
      } catch (error) {
        if (signal.aborted) {
          // Left uncommitted: the next replay starts with it.
          summary.stopped = true;
          return 'stop';
        }
        throw error;
      }
      if (rejected) {
        await publishDeadLetter(producer, {
          deadLetterTopic: topic,
          topic: letter.sourceTopic ?? topic,
          partition: letter.sourcePartition ?? -1,
          offset: letter.sourceOffset ?? -1n,
          timestampMs: letter.sourceTimestampMs,
          key: letter.original.key,
          value: letter.original.value,
          headers: letter.original.headers,
          reason: rejected.reason as RecordRejection,
          error: rejected.message,
          destination: letter.destination ?? 'target',
        });
        summary.deadLetteredAgain += 1;
        if (summary.again.length < maxAgainListed) {
          summary.again.push({
            sourceTopic: letter.sourceTopic ?? '',
            sourceOffset: String(letter.sourceOffset ?? ''),
            destination: letter.destination ?? '',
            reason: rejected.reason,
            error: rejected.message,
          });
        }
      } else {
        summary.replayed += 1;
      }
      if (tracked) tracker.finished(message.topic, message.partition, message.offset);
      return 'more';
    }, () => committer.close());
  } finally {
    await committer.close();
    await consumer.close(true as boolean | undefined).catch(() => undefined);
    await producer.close().catch(() => undefined);
    await Promise.all([...destinations.values()].map((d) => d.close()));
  }
  log.info({ topic, read: summary.read, replayed: summary.replayed, deadLetteredAgain: summary.deadLetteredAgain }, 'dead letters replayed');
  return summary;
}

/** Moves the replay group past deleted letters, so they no longer count as waiting (the group has no member between replays). */
async function commitPast(kafka: KafkaConnection, topic: string, spans: readonly DeadLetterSpan[]): Promise<void> {
  const admin = new Admin({ clientId: 'tandem-dlq-replay', ...kafka.options });
  try {
    await admin.alterConsumerGroupOffsets({
      groupId: deadLetterReplayGroup,
      topics: [{ name: topic, partitionOffsets: spans.map((s) => ({ partition: s.partition, offset: s.to })) }],
    });
  } finally {
    await admin.close();
  }
}
