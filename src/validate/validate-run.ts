import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { TandemConfig } from '../config/index.js';
import {
  connectCluster,
  createCqlClient,
  partitionerFromClassName,
  readPartitionerClass,
  readRingTokens,
  readTableSchema,
  splitTable,
  TokenRangePlanner,
} from '../cql/index.js';
import { ConfigError, ValidationIncompleteError } from '../errors.js';
import { JobLog, planOrJoin, planRanges, runRangeTasks } from '../jobs/index.js';
import { kafkaConnection } from '../kafka/index.js';
import { consumerGroupOf } from '../sink/index.js';
import { SinkProgressWatch } from './sink-progress.js';
import type { CompareMode } from './row-diff.js';
import type { RangeComparison, ValidationPlan, ValidationResult } from './validation-records.js';
import { RangeComparer } from './range-comparer.js';
import { assembleReport, sumOf, type ValidationReport } from './validation-report.js';

export type { DifferenceExample, DifferenceKind } from './validation-records.js';

export interface ValidateOptions {
  readonly config: TandemConfig;
  readonly table: string;
  /** The job's name in Kafka: the same name resumes or joins it. Default: a new job (see newValidationJobName). */
  readonly job?: string | undefined;
  /** Join a job planned by another process instead of planning it. */
  readonly worker?: boolean;
  readonly splits: number;
  readonly concurrency: number;
  readonly pageSize: number;
  readonly compare: CompareMode;
  readonly repair: boolean;
  /** Delete rows only the target holds (see deleteExtraRow). */
  readonly repairExtra?: boolean;
  /**
   * Rows repair refused because the target holds a newer value or delete: write the source's
   * version above it (source-wins.ts). Opt-in; never while the sinks are behind.
   */
  readonly sourceWins?: boolean;
  /** Compare this percentage of the ranges, picked at random (100: all). */
  readonly samplePercent: number;
  /** Differences listed in the report; all are counted. */
  readonly maxExamples: number;
  /** With no sink configured for the table: how long after a difference is seen it is read again (default 1 s). */
  readonly recheckDelayMs?: number;
  /**
   * When dual writes began (ms): the write time repair gives a row that has only key columns,
   * whose own write time CQL cannot read. Without it such rows are reported, not repaired.
   */
  readonly dualWritesSinceMs?: number | undefined;
  readonly logger: Logger;
  readonly onProgress?: (progress: ValidateProgress) => void;
}

export interface ValidateProgress {
  readonly rangesDone: number;
  readonly rangesTotal: number;
  readonly rowsCompared: number;
}

/**
 * Compares a table on both clusters, token range by token range: each range is scanned on both
 * sides in Cassandra's order and merge-compared (memory bounded by a page per side). A row found
 * different is read again on both sides before it is counted, so rows the live sinks change
 * during the scan are not reported. With `repair`, every missing or mismatched row is rewritten on
 * the target from the source cell by cell, each cell with its source WRITETIME and remaining TTL
 * (the backfill's writes): a newer value or delete on the target always wins, so repair never
 * undoes the pipeline. Extra rows are reported, never deleted.
 */
/** A new validation job's name: a validation run twice compares twice, unless `--job` names one to resume. */
export function newValidationJobName(table: string, nowMs = Date.now()): string {
  const stamp = new Date(nowMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `validate-${table.replace(/[^A-Za-z0-9._-]/g, '_')}-${stamp}`;
}

/**
 * Compares a table on both clusters, token range by token range: each range is scanned on both
 * sides in Cassandra's order and merge-compared (memory bounded by a page per side). A row found
 * different is read again on both sides before it is counted, so rows the live sinks change
 * during the scan are not reported. With `repair`, every missing or mismatched row is rewritten on
 * the target from the source cell by cell, each cell with its source WRITETIME and remaining TTL
 * (the backfill's writes): a newer value or delete on the target always wins, so repair never
 * undoes the pipeline. Extra rows are deleted only with `repairExtra` (see `deleteExtraRow`).
 *
 * The comparison is a job in Kafka like the backfill (`tandem-validate.<job>.*`): any number of
 * processes share its ranges, each range's outcome is recorded as it finishes, a stopped job
 * resumes with the ranges not yet compared, and the finished job's result stays in its log.
 */
export async function runValidation(options: ValidateOptions, outerSignal: AbortSignal): Promise<ValidationReport> {
  const { config, logger: log } = options;
  const signal = outerSignal;
  setMaxListeners(0, signal);
  const began = Date.now();
  const [keyspace, tableName] = splitTable(options.table);
  const qualified = `${keyspace}.${tableName}`;
  const job = options.job ?? newValidationJobName(qualified, began);
  const source = createCqlClient(config.source, { profile: 'cassandra' });
  const target = createCqlClient(config.target, { profile: config.target.profile });
  let watch: SinkProgressWatch | undefined;
  let jobLog: JobLog<ValidationPlan, RangeComparison, ValidationResult> | undefined;
  try {
    await connectCluster(source, 'source', config.source);
    await connectCluster(target, 'target', config.target);
    const table = await readTableSchema(source, keyspace, tableName);
    if (!table) throw new ConfigError(`table ${qualified} does not exist on the source`, { hint: 'Check --table (keyspace.table)' });
    if (!(await readTableSchema(target, keyspace, tableName))) {
      throw new ConfigError(`table ${qualified} does not exist on the target`, { hint: 'Run `tandem schema` and `tandem backfill` first' });
    }
    const [sourcePartitioner, targetPartitioner] = await Promise.all([readPartitionerClass(source), readPartitionerClass(target)]);
    if (partitionerFromClassName(sourcePartitioner) !== partitionerFromClassName(targetPartitioner)) {
      throw new ConfigError(`the source uses ${sourcePartitioner} and the target ${targetPartitioner}: their token ranges do not hold the same rows`, {
        hint: 'Range comparison needs one partitioner on both sides',
      });
    }
    const planner = new TokenRangePlanner(partitionerFromClassName(sourcePartitioner));

    jobLog = await JobLog.open<ValidationPlan, RangeComparison, ValidationResult>(kafkaConnection(config.kafka), 'validate', job, log);
    const plan = await planOrJoin(
      jobLog,
      {
        job,
        table: qualified,
        worker: options.worker ?? false,
        logger: log,
        makePlan: async () => {
          const planned = planner.plan(await readRingTokens(source), options.splits);
          const ranges = options.samplePercent >= 100 ? planned : sample(planned, options.samplePercent);
          return {
            type: 'plan',
            planId: randomUUID(),
            job,
            table: qualified,
            partitioner: planner.partitioner,
            ranges: ranges.map((r) => [String(r.start), String(r.end)] as const),
            plannedAtMs: Date.now(),
            compare: options.compare,
            repair: options.repair,
            repairExtra: options.repairExtra ?? false,
            sourceWins: options.sourceWins ?? false,
            samplePercent: options.samplePercent,
            ringRanges: planned.length,
            dualWritesSinceMs: options.dualWritesSinceMs ?? null,
          };
        },
      },
      signal,
    );
    if (!plan) throw stoppedError(job);
    if (plan.compare !== options.compare || plan.repair !== options.repair || plan.repairExtra !== (options.repairExtra ?? false) || (plan.sourceWins ?? false) !== (options.sourceWins ?? false)) {
      log.warn({ job, compare: plan.compare, repair: plan.repair, repairExtra: plan.repairExtra, sourceWins: plan.sourceWins ?? false }, 'the job was planned with other settings; they hold for every worker');
    }
    const ranges = planRanges(plan);
    const topics = config.topics.filter((t) => splitTable(t.table).join('.') === qualified).map((t) => t.topic);
    watch = topics.length > 0 ? new SinkProgressWatch(kafkaConnection(config.kafka), [consumerGroupOf(config.sink, 'source'), consumerGroupOf(config.sink, 'target')], topics) : undefined;
    const comparer = new RangeComparer({ ...options, source, target, table, planner, plan, watch, log });

    const local = { ranges: 0, rows: 0 };
    const report = () =>
      options.onProgress?.({ rangesDone: jobLog!.done.size, rangesTotal: ranges.length, rowsCompared: sumOf(jobLog!.done.values(), (d) => d.sourceRows) });
    const progressTimer = setInterval(report, 500);
    try {
      await runRangeTasks(
        {
          jobLog,
          plan,
          kafka: kafkaConnection(config.kafka),
          concurrency: options.concurrency,
          logger: log,
          start: (workSignal) => async (index, slot) => {
            const outcome = await comparer.compare(ranges[index]!, workSignal, slot);
            local.ranges += 1;
            local.rows += outcome.sourceRows;
            return outcome;
          },
        },
        signal,
      );
    } finally {
      clearInterval(progressTimer);
      report();
    }
    if (jobLog.done.size < ranges.length) throw stoppedError(job);

    const validation = assembleReport(job, plan, [...jobLog.done.values()], options.maxExamples, began, local);
    if (!jobLog.result) {
      await jobLog.publish({
        type: 'result',
        planId: plan.planId,
        job,
        table: qualified,
        compare: plan.compare,
        finishedAtMs: Date.now(),
        rangesCompared: validation.rangesCompared,
        rowsCompared: validation.sourceRows,
        differences: validation.differences,
        remaining: validation.remaining,
        unsettled: validation.unsettled,
        clean: validation.clean,
      });
    }
    return validation;
  } finally {
    await jobLog?.close();
    await watch?.close();
    await Promise.all([source.shutdown(), target.shutdown()]).catch(() => undefined);
  }
}

function stoppedError(job: string): ValidationIncompleteError {
  return new ValidationIncompleteError(`validation ${job} stopped before every range was compared`, { hint: `Run the same command with --job ${job} to resume it` });
}

/** About `percent` of the ranges, picked at random, and at least one. */
function sample<T>(items: readonly T[], percent: number): T[] {
  const picked = items.filter(() => Math.random() * 100 < percent);
  return picked.length > 0 || items.length === 0 ? picked : [items[Math.floor(Math.random() * items.length)]!];
}
