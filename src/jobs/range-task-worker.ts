import { hostname } from 'node:os';
import { setMaxListeners } from 'node:events';
import { Consumer, stringDeserializer, type MessagesStream } from '@platformatic/kafka';
import type { Logger } from 'pino';
import { describeError } from '../errors.js';
import { InFlightWindow, OffsetCommitter, OffsetTracker, retryWhileKafkaIsAway, withConsumerReplacement, type KafkaConnection } from '../kafka/index.js';
import { onAbort } from '../on-abort.js';
import { retry, waitBackoff } from '../retry.js';
import type { DoneRecord, JobLog, PlanRecord, RangeTask, ResultRecord } from './job-log.js';
import { windowSlot, type RangeSlot } from './range-slot.js';

/** What a range's done record carries besides the job's own bookkeeping. */
export type DoneFields<D extends DoneRecord> = Omit<D, 'type' | 'planId' | 'index' | 'worker' | 'ms'>;

export interface RangeTaskWorkerOptions<P extends PlanRecord, D extends DoneRecord, R extends ResultRecord> {
  readonly jobLog: JobLog<P, D, R>;
  readonly plan: P;
  readonly kafka: KafkaConnection;
  /** Ranges this process works on at once. */
  readonly concurrency: number;
  readonly logger: Logger;
  /**
   * Called once with the signal the work must stop on (the caller's, a failure elsewhere, or every
   * range done by some worker); returns the work of one range. A range's work must be idempotent:
   * a range in flight when a worker dies is done again by another.
   */
  readonly start: (signal: AbortSignal) => (index: number, slot: RangeSlot) => Promise<DoneFields<D>>;
}

/** This process's name in done records: which worker finished which range. */
export const workerName = `${hostname()}:${process.pid}`;

/**
 * Works on a job's range tasks as one member of its consumer group until every range of the plan
 * is done (by any worker) or `outerSignal` aborts. Kafka hands each worker its share of the range
 * topic's partitions and moves them when a worker joins or dies. A range counts as done when its
 * `done` record is in the progress log; its task offset is committed only after that, so a job
 * restarted anywhere redoes at most the ranges that were in flight, and a redelivered task that is
 * done is skipped. Rejects with the first failure of a range's work, after the others stopped.
 */
export async function runRangeTasks<P extends PlanRecord, D extends DoneRecord, R extends ResultRecord>(options: RangeTaskWorkerOptions<P, D, R>, outerSignal: AbortSignal): Promise<void> {
  const { jobLog, plan, logger: log } = options;
  if (jobLog.done.size >= plan.ranges.length || outerSignal.aborted) return;

  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const stopListeningOuter = onAbort(outerSignal, () => controller.abort());
  const signal = controller.signal;
  const runRange = options.start(signal);

  /**
   * A rebalance redelivers every uncommitted task, including those still being worked on here:
   * such work is joined, not started again, and the redelivered task is finished only when (and
   * if) the first is.
   */
  const working = new Map<number, Promise<void>>();
  const workOnce = (index: number, slot: RangeSlot): Promise<void> => {
    if (jobLog.done.has(index)) return Promise.resolve();
    let work = working.get(index);
    if (!work) {
      work = workAndRecord(index, slot).finally(() => working.delete(index));
      working.set(index, work);
    }
    return work;
  };
  const workAndRecord = async (index: number, slot: RangeSlot) => {
    const started = Date.now();
    const fields = await runRange(index, slot);
    const done = { ...fields, type: 'done', planId: plan.planId, index, worker: workerName, ms: Date.now() - started } as unknown as D;
    await retry(() => jobLog.publish(done), {
      signal,
      backoff: waitBackoff,
      onRetry: (_reason, attempt, error) => {
        if (attempt % 10 === 0) log.warn({ err: error }, 'cannot record a finished range in Kafka; retrying');
      },
    });
  };

  const window = new InFlightWindow(options.concurrency);
  let fatal: unknown;
  const allDone = jobLog.waitForAllDone(signal).then(() => controller.abort());

  /**
   * One consumer's share of the tasks, until the work stops (resolves) or the consumer fails
   * (rejects). Work it started goes on past its failure: the next consumer gets the uncommitted
   * tasks again and joins that work rather than starting it twice.
   */
  const consumeTasks = async () => {
    const consumer = new Consumer<string, string, string, string>({
      clientId: `tandem-${jobLog.topics.group}`,
      groupId: jobLog.topics.group,
      ...options.kafka.options,
      deserializers: { key: stringDeserializer, value: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      ...retryWhileKafkaIsAway,
    });
    const tracker = new OffsetTracker();
    const owned = new Set<number>();
    consumer.on('consumer:group:join', ({ assignments }) => {
      const now = new Set((assignments ?? []).flatMap((a) => a.partitions));
      for (const partition of [...owned]) {
        if (!now.has(partition)) {
          tracker.forget(jobLog.topics.ranges, partition);
          owned.delete(partition);
        }
      }
      for (const partition of now) owned.add(partition);
      log.info({ job: plan.job, partitions: now.size }, 'joined the job');
    });
    const committer = new OffsetCommitter(consumer, tracker, 1_000, {
      onFailed: (error) => log.warn({ err: error }, 'committing finished ranges failed; will retry'),
    });
    // A rejoin that failed after its retries comes as an 'error' event, which unheard ends the
    // process: it ends this consumer instead, and withConsumerReplacement starts a fresh one.
    let lost: unknown;
    let stream: MessagesStream<string, string, string, string> | undefined;
    consumer.on('error', (error: unknown) => {
      lost ??= error;
      void stream?.close().catch(() => undefined);
    });
    let stopListening: () => void = () => {};
    try {
      stream = await consumer.consume({
        topics: [jobLog.topics.ranges],
        mode: 'committed',
        fallbackMode: 'earliest',
        autocommit: false,
        highWaterMark: options.concurrency,
      });
      const opened = stream;
      stopListening = onAbort(signal, () => void opened.close().catch(() => undefined));
      if (lost) void opened.close().catch(() => undefined);
      for await (const message of opened) {
        const waiting = window.acquire();
        if (waiting) await waiting;
        if (signal.aborted || fatal) {
          window.release();
          break;
        }
        const tracked = tracker.started(message.topic, message.partition, message.offset);
        const task = parseTask(message.value);
        const slot = windowSlot(window, signal);
        const finish = () => {
          if (tracked) tracker.finished(message.topic, message.partition, message.offset);
          slot.release();
        };
        if (!task || task.planId !== plan.planId || plan.ranges[task.index] === undefined) {
          // A task of a plan that lost the race to be the job's, or not a task at all: nothing to do.
          if (!task) log.warn({ partition: message.partition, offset: String(message.offset) }, 'skipping a range task that is not valid JSON');
          finish();
          continue;
        }
        // A task delivered again while its range is being worked on (a rebalance, a producer's
        // retry) joins that work: it waits for it outside the window, or a range waiting for its
        // replicas would hold two places.
        if (working.has(task.index)) slot.release();
        workOnce(task.index, slot).then(finish, (error: unknown) => {
          slot.release();
          // Work cut short by the stop is redone by whoever takes the range next.
          if (signal.aborted) return;
          fatal ??= error;
          log.error({ err: error, range: task.index }, `${plan.job} failed; stopping`);
          controller.abort();
        });
      }
      if (lost) throw lost;
    } finally {
      stopListening();
      // Commits what finished; work still running is committed by the next consumer, which gets its task again.
      if (signal.aborted) await window.drained(30_000);
      await committer.close();
      await consumer.close(true as boolean | undefined).catch((error: unknown) => log.warn({ err: error }, 'closing the consumer failed'));
    }
  };

  try {
    await withConsumerReplacement(consumeTasks, {
      signal,
      groupId: jobLog.topics.group,
      progress: () => jobLog.done.size,
      onReplace: (error, restart) =>
        log.warn({ reason: describeError(error), restart, err: error }, 'the Kafka consumer of range tasks failed; starting a fresh one from the committed offsets'),
    });
  } finally {
    controller.abort();
    await window.drained(30_000);
    stopListeningOuter();
    await allDone;
  }
  if (fatal) throw fatal;
}

function parseTask(value: string | undefined): RangeTask | undefined {
  try {
    const task = JSON.parse(value ?? '') as Partial<RangeTask>;
    return typeof task.planId === 'string' && Number.isSafeInteger(task.index) ? (task as RangeTask) : undefined;
  } catch {
    return undefined;
  }
}
