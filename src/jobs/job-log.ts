import { randomUUID } from 'node:crypto';
import { Admin, Consumer, Producer, stringDeserializer, stringSerializer, type MessagesStream } from '@platformatic/kafka';
import type { Logger } from 'pino';
import { ensureTopics, keepForever, retryWhileKafkaIsAway, type KafkaConnection } from '../kafka/index.js';
import type { TokenRange } from '../cql/index.js';
import { jobTopics, type JobKind, type JobTopics } from './job-topics.js';

/** Partitions of a job's range topic: how many workers can share the job. */
export const rangeTopicPartitions = 12;

/** A range task: the index of a range in the plan that published it. */
export interface RangeTask {
  readonly planId: string;
  readonly index: number;
}

/** The first record of a job's progress log: what the job works on, and every range of the plan. */
export interface PlanRecord {
  readonly type: 'plan';
  /** Tells this plan's tasks and done records from those of a plan another process wrote at the same moment. */
  readonly planId: string;
  readonly job: string;
  /** `keyspace.table`, unquoted. */
  readonly table: string;
  /** Each range as [start, end] decimal strings; a range task names its index here. */
  readonly ranges: readonly (readonly [string, string])[];
  readonly plannedAtMs: number;
}

/** Written once a range's work is finished; a range redelivered after a rebalance or restart is skipped when it has one. */
export interface DoneRecord {
  readonly type: 'done';
  readonly planId: string;
  readonly index: number;
  readonly worker: string;
  readonly ms: number;
}

/** Written when the whole job is finished, by a process that saw every range done: the job's outcome. */
export interface ResultRecord {
  readonly type: 'result';
  readonly planId: string;
}

export function planRanges(plan: PlanRecord): TokenRange[] {
  return plan.ranges.map(([start, end]) => ({ start: BigInt(start), end: BigInt(end) }));
}

/**
 * A job's progress log, a one-partition Kafka topic read from the start by every process of the
 * job: the plan, then one `done` record per finished range, then (for jobs with an outcome) a
 * `result`. Kafka keeps it durably, so a job restarted anywhere knows what is done; the range
 * tasks' committed offsets are the other half.
 */
export class JobLog<P extends PlanRecord = PlanRecord, D extends DoneRecord = DoneRecord, R extends ResultRecord = ResultRecord> {
  plan: P | undefined;
  readonly done = new Map<number, D>();
  /** The last result of the job's plan. */
  result: R | undefined;
  private readonly listeners = new Set<() => void>();

  private constructor(
    readonly topics: JobTopics,
    private readonly kafka: KafkaConnection,
    private readonly consumer: Consumer<string, string, string, string>,
    private readonly readerGroup: string,
    private readonly producer: Producer<string, string, string, string>,
    private readonly log: Logger,
  ) {}

  /** Opens the log and resolves once everything written before now has been read. */
  static async open<P extends PlanRecord = PlanRecord, D extends DoneRecord = DoneRecord, R extends ResultRecord = ResultRecord>(
    kafka: KafkaConnection,
    kind: JobKind,
    job: string,
    log: Logger,
  ): Promise<JobLog<P, D, R>> {
    const topics = jobTopics(job, kind);
    // A job's records must outlive the broker's default retention (7 days): a long job reads its plan again on every restart.
    await ensureTopics(kafka, [topics.progress], 1, keepForever);
    await ensureTopics(kafka, [topics.ranges], rangeTopicPartitions, keepForever);
    const readerGroup = `${topics.group}.reader-${randomUUID()}`;
    const consumer = new Consumer<string, string, string, string>({
      clientId: `tandem-${kind}-log`,
      groupId: readerGroup,
      ...kafka.options,
      deserializers: { key: stringDeserializer, value: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      // Created after ensureTopics succeeded: Kafka was there a moment ago, so an outage now is waited out.
      ...retryWhileKafkaIsAway,
    });
    const producer = new Producer<string, string, string, string>({
      clientId: `tandem-${kind}-log`,
      ...kafka.options,
      serializers: { key: stringSerializer, value: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
      ...retryWhileKafkaIsAway,
    });
    const jobLog = new JobLog<P, D, R>(topics, kafka, consumer, readerGroup, producer, log);
    try {
      await jobLog.start();
    } catch (error) {
      await jobLog.close();
      throw error;
    }
    return jobLog;
  }

  private stream: MessagesStream<string, string, string, string> | undefined;

  private async start(): Promise<void> {
    const [earliest, end] = await Promise.all([
      this.consumer.listOffsets({ topics: [this.topics.progress], timestamp: -2n }),
      this.consumer.listOffsets({ topics: [this.topics.progress] }),
    ]);
    const first = earliest.get(this.topics.progress)?.[0] ?? 0n;
    const last = end.get(this.topics.progress)?.[0] ?? 0n;
    this.stream = await this.consumer.consume({ topics: [this.topics.progress], mode: 'earliest', autocommit: false });
    let caughtUp: () => void = () => undefined;
    let failed: (error: unknown) => void = () => undefined;
    const ready =
      first >= last
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            caughtUp = resolve;
            failed = reject;
          });
    this.stream.on('data', (message) => {
      this.apply(message.value);
      if (message.offset + 1n >= last) caughtUp();
    });
    this.stream.on('error', (error: unknown) => {
      // Before the log is read to its end, a job cannot know what is done: fail rather than guess.
      failed(error);
      this.log.warn({ err: error }, 'reading the job progress log failed');
    });
    await ready;
  }

  private apply(value: string): void {
    let record: P | D | R;
    try {
      record = JSON.parse(value) as P | D | R;
    } catch {
      this.log.warn({ topic: this.topics.progress }, 'skipping a progress record that is not JSON');
      return;
    }
    if (record.type === 'plan') this.plan ??= record;
    else if (record.type === 'done') this.markDone(record);
    else if (record.type === 'result' && record.planId === this.plan?.planId) this.result = record;
    for (const listener of this.listeners) listener();
  }

  /** Counts a done record of the job's plan once; those of a plan that lost the race to be first are ignored. */
  private markDone(record: D): void {
    if (this.plan && record.planId === this.plan.planId && !this.done.has(record.index)) this.done.set(record.index, record);
  }

  /** Calls `listener` after every record read; returns the function that stops it. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once the log holds a plan, or with undefined when `signal` aborts first. */
  waitForPlan(signal: AbortSignal): Promise<P | undefined> {
    return new Promise((resolve) => {
      const check = () => {
        if (!this.plan && !signal.aborted) return;
        stop();
        signal.removeEventListener('abort', check);
        resolve(this.plan);
      };
      const stop = this.onChange(check);
      signal.addEventListener('abort', check, { once: true });
      check();
    });
  }

  /** Resolves when every range of the plan is done, or when `signal` aborts. */
  waitForAllDone(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!signal.aborted && !(this.plan && this.done.size >= this.plan.ranges.length)) return;
        stop();
        signal.removeEventListener('abort', check);
        resolve();
      };
      const stop = this.onChange(check);
      signal.addEventListener('abort', check, { once: true });
      check();
    });
  }

  async publish(record: P | D | R): Promise<void> {
    await this.producer.send({ acks: -1, messages: [{ topic: this.topics.progress, key: record.type, value: JSON.stringify(record) }] });
    // Known at once, not only when read back: a task redelivered meanwhile is then skipped.
    if (record.type === 'done') {
      this.markDone(record);
      for (const listener of this.listeners) listener();
    } else if (record.type === 'result' && record.planId === this.plan?.planId) {
      this.result = record;
    }
  }

  /** Publishes one task record per range index to the range topic, spread over its partitions. */
  async publishRangeTasks(planId: string, indexes: readonly number[]): Promise<void> {
    for (let i = 0; i < indexes.length; i += 500) {
      await this.producer.send({
        acks: -1,
        messages: indexes.slice(i, i + 500).map((index) => ({
          topic: this.topics.ranges,
          partition: index % rangeTopicPartitions,
          key: String(index),
          value: JSON.stringify({ planId, index } satisfies RangeTask),
        })),
      });
    }
  }

  /** Range task records in the range topic, over all partitions. */
  async rangeTaskCount(): Promise<bigint> {
    const ends = (await this.consumer.listOffsets({ topics: [this.topics.ranges] })).get(this.topics.ranges) ?? [];
    return ends.reduce((sum, end) => sum + end, 0n);
  }

  async close(): Promise<void> {
    await this.stream?.close().catch(() => undefined);
    await this.consumer.close(true as boolean | undefined).catch(() => undefined);
    await this.producer.close().catch(() => undefined);
    // The reader's group holds no offsets worth keeping; leaving it would clutter the group list.
    const admin = new Admin({ clientId: 'tandem-job-log', ...this.kafka.options });
    await admin
      .deleteGroups({ groups: [this.readerGroup] })
      .catch(() => undefined)
      .finally(() => admin.close());
  }
}
