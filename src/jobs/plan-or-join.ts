import type { Logger } from 'pino';
import { ConfigError } from '../errors.js';
import type { DoneRecord, JobLog, PlanRecord, ResultRecord } from './job-log.js';

export interface PlanOrJoinOptions<P extends PlanRecord> {
  readonly job: string;
  /** `keyspace.table` the job must be about. */
  readonly table: string;
  /** Join a job planned elsewhere instead of planning it. */
  readonly worker: boolean;
  /** The plan of a new job (its ranges read from the ring); called only when the log holds none. */
  readonly makePlan: () => Promise<P>;
  readonly logger: Logger;
}

/**
 * The job's plan: the one in its log (a job resumed or joined), or a new one published with a task
 * per range. Undefined when `signal` aborts while a worker waits for the plan.
 */
export async function planOrJoin<P extends PlanRecord, D extends DoneRecord, R extends ResultRecord>(
  jobLog: JobLog<P, D, R>,
  options: PlanOrJoinOptions<P>,
  signal: AbortSignal,
): Promise<P | undefined> {
  const log = options.logger;
  let plan = jobLog.plan;
  if (!plan && options.worker) {
    log.info({ job: options.job }, 'waiting for the job to be planned (run the same command without --worker once)');
    plan = await jobLog.waitForPlan(signal);
    if (!plan) return undefined;
  }
  if (plan) {
    if (plan.table !== options.table) {
      throw new ConfigError(`job ${options.job} is about ${plan.table}, not ${options.table}`, { hint: 'Pick another --job name for this table' });
    }
    if (!options.worker && (await jobLog.rangeTaskCount()) < BigInt(plan.ranges.length)) {
      // The planner stopped between the plan and its last task record: publish them again (a range done twice is skipped).
      log.warn({ job: options.job }, 'some range tasks were never published; publishing the plan again');
      await jobLog.publishRangeTasks(
        plan.planId,
        plan.ranges.map((_, i) => i).filter((i) => !jobLog.done.has(i)),
      );
    }
    log.info({ job: options.job, ranges: plan.ranges.length, done: jobLog.done.size }, 'resuming job');
    return plan;
  }
  const ours = await options.makePlan();
  await jobLog.publish(ours);
  // Two planners started at once both publish: the first plan in the log is the job's, for both.
  const first = await jobLog.waitForPlan(signal);
  if (!first) return undefined;
  if (first.planId !== ours.planId) {
    log.warn({ job: options.job }, 'another process planned this job at the same moment; joining its plan');
    return first;
  }
  await jobLog.publishRangeTasks(
    ours.planId,
    ours.ranges.map((_, i) => i),
  );
  log.info({ job: options.job, table: ours.table, ranges: ours.ranges.length }, 'job planned');
  return ours;
}
