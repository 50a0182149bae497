import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type cassandra from 'cassandra-driver';
import type { Logger } from 'pino';
import type { TandemConfig } from '../config/index.js';
import { connectCluster, createCqlClient, keyspacesLimits, partitionerFromClassName, readPartitionerClass, readRingTokens, readTableSchema, scanConsistency, splitTable, type TableSchema, TokenRangePlanner } from '../cql/index.js';
import {
  CellWriter,
  keyspacesTimestampFloorUs,
  ListWriteTimesReader,
  type RowRejection,
  TargetCellReader,
  warnExtraListCopiesKept,
  warnListGuardUnavailable,
} from '../cells/index.js';
import { ConfigError } from '../errors.js';
import { JobLog, planOrJoin, planRanges, runRangeTasks, type RangeSlot } from '../jobs/index.js';
import { kafkaConnection } from '../kafka/index.js';
import type { BackfillResult, JobPlan, RangeDone } from './backfill-records.js';
import { copyRange, type RangeCopyOptions } from './range-copier.js';

export interface BackfillOptions {
  readonly config: TandemConfig;
  /** `ks.table` as in the config's topics. */
  readonly table: string;
  readonly job: string;
  /** Join a job planned elsewhere instead of planning it. */
  readonly worker: boolean;
  /** At least this many ranges in a new plan. */
  readonly splits: number;
  /** Ranges this process copies at once. */
  readonly concurrency: number;
  readonly pageSize: number;
  readonly maxRowsPerSecond?: number | undefined;
  /** Requests out to the target at once; by default 32 where batches may mix partitions, else 128. */
  readonly maxRequests?: number | undefined;
  /** When dual writes began (ms): the write time of rows with only a row marker. Default: when the job is planned. */
  readonly dualWritesSinceMs?: number | undefined;
  readonly logger: Logger;
  readonly onProgress?: (progress: BackfillProgress) => void;
}

/** The job as this process sees it: ranges done by any worker, rows copied by any worker plus its own ranges in flight. */
export interface BackfillProgress {
  readonly rangesDone: number;
  readonly rangesTotal: number;
  readonly rowsWritten: number;
  /** Rows per second this process writes, over the last few seconds. */
  readonly rowsPerSecond: number;
  readonly etaSeconds: number | undefined;
}

export interface BackfillSummary {
  readonly job: string;
  readonly table: string;
  readonly complete: boolean;
  readonly rangesTotal: number;
  readonly rangesDone: number;
  readonly rowsRead: number;
  readonly rowsWritten: number;
  readonly rowsRejected: number;
  /** The first rows the target refused, with the reason. */
  readonly rejections: readonly RowRejection[];
  /** What this process copied (a job shared by workers splits the work). */
  readonly thisProcess: { readonly ranges: number; readonly rowsWritten: number; readonly seconds: number; readonly rowsPerSecond: number; readonly retries: number };
}

const maxRejectionsReported = 20;

/**
 * Runs one backfill job, alone or as one of many workers. The plan (every token range of the
 * source ring, split further) goes into the job's progress log in Kafka and each range becomes a
 * task record in the job's range topic, read by one consumer group: Kafka hands each worker its
 * share of the ranges and moves them when a worker joins or dies. A range is done when its `done`
 * record is in the progress log; its task offset is committed after that, so a restarted job
 * redoes at most the ranges that were in flight, and a redelivered range that is already done is
 * skipped. Copies are idempotent (each cell with its own write time), so redoing a range is safe.
 */
/**
 * The default job of a table, `backfill-<keyspace>.<table>`, from its real (unquoted) names: `"Ks"."T"`
 * and `Ks.T` (which is ks.t) are two tables and get two jobs, `ks.t` and `"ks"."t"` one. What a
 * Kafka topic name cannot hold becomes `_`, so any `--table` gives a usable name.
 *
 * @example
 *   backfillJobName('"Shop"."Orders"')   // 'backfill-Shop.Orders'
 *   backfillJobName('Shop.Orders')       // 'backfill-shop.orders'
 */
export function backfillJobName(table: string): string {
  return `backfill-${splitTable(table).join('.').replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

export async function runBackfill(options: BackfillOptions, signal: AbortSignal): Promise<BackfillSummary> {
  const { config, logger: log } = options;
  setMaxListeners(0, signal);
  const [keyspace, tableName] = splitTable(options.table);
  const qualified = `${keyspace}.${tableName}`;
  const source = createCqlClient(config.source, { profile: 'cassandra' });
  const target = createCqlClient(config.target, { profile: config.target.profile });
  let jobLog: JobLog<JobPlan, RangeDone, BackfillResult> | undefined;
  try {
    await connectCluster(source, 'source', config.source);
    await connectCluster(target, 'target', config.target);
    const table = await checkedTables(source, target, keyspace, tableName);
    const planner = new TokenRangePlanner(partitionerFromClassName(await readPartitionerClass(source)));

    jobLog = await JobLog.open<JobPlan, RangeDone, BackfillResult>(kafkaConnection(config.kafka), 'backfill', options.job, log);
    const plan = await planOrJoin(
      jobLog,
      {
        job: options.job,
        table: qualified,
        worker: options.worker,
        logger: log,
        makePlan: async () => {
          const ringTokens = await readRingTokens(source);
          const ranges = planner.plan(ringTokens, options.splits);
          const plannedAtMs = Date.now();
          log.info({ job: options.job, ringTokens: ringTokens.length, ranges: ranges.length }, 'planning the job');
          return {
            type: 'plan',
            planId: randomUUID(),
            job: options.job,
            table: qualified,
            partitioner: planner.partitioner,
            ranges: ranges.map((r) => [String(r.start), String(r.end)] as const),
            plannedAtMs,
            keyOnlyRowTimestampUs: String(BigInt(options.dualWritesSinceMs ?? plannedAtMs) * 1000n),
          };
        },
      },
      signal,
    );
    if (!plan) return summarize(options, jobLog, undefined, emptyLocal());
    return await work(options, jobLog, plan, table, planner, source, target, signal);
  } finally {
    await jobLog?.close();
    await Promise.all([source.shutdown(), target.shutdown()]).catch(() => undefined);
  }
}

async function checkedTables(source: cassandra.Client, target: cassandra.Client, keyspace: string, tableName: string): Promise<TableSchema> {
  const table = await readTableSchema(source, keyspace, tableName);
  if (!table) throw new ConfigError(`table ${keyspace}.${tableName} does not exist on the source`, { hint: 'Check --table (keyspace.table, as in the config topics)' });
  if (table.isCounterTable) {
    throw new ConfigError(`${keyspace}.${tableName} is a counter table: counter values cannot be copied with their write times`, {
      hint: 'Copy counter tables with a one-off job while writes are stopped',
    });
  }
  const onTarget = await readTableSchema(target, keyspace, tableName);
  if (!onTarget) throw new ConfigError(`table ${keyspace}.${tableName} does not exist on the target`, { hint: 'Run `tandem schema` first: it creates the source tables on the target' });
  const targetTypes = new Map(onTarget.columns.map((c) => [c.name, c.typeText]));
  const missing = table.columns.filter((c) => targetTypes.get(c.name) !== c.typeText);
  if (missing.length > 0) {
    throw new ConfigError(
      `table ${keyspace}.${tableName} on the target lacks or differs in ${missing.map((c) => `${c.name} ${c.typeText}`).join(', ')}`,
      { hint: 'Run `tandem schema` to see the conflict; the target table must have every source column with the same type' },
    );
  }
  return table;
}


interface LocalTotals {
  ranges: number;
  rowsWritten: number;
  inFlightRows: number;
  startedMs: number;
  retries: number;
}

function emptyLocal(): LocalTotals {
  return { ranges: 0, rowsWritten: 0, inFlightRows: 0, startedMs: Date.now(), retries: 0 };
}

async function work(
  options: BackfillOptions,
  jobLog: JobLog<JobPlan, RangeDone, BackfillResult>,
  plan: JobPlan,
  table: TableSchema,
  planner: TokenRangePlanner,
  source: cassandra.Client,
  target: cassandra.Client,
  signal: AbortSignal,
): Promise<BackfillSummary> {
  const { config, logger: log } = options;
  const ranges = planRanges(plan);
  const local = emptyLocal();
  const acrossPartitions = config.sink.batchAcrossPartitions === 'auto' && (config.target.profile === 'keyspaces' || target.hosts.length <= 1);
  const defaultTtl = await readDefaultTtl(target, table);
  const keyOnlyRowTimestampUs = BigInt(plan.keyOnlyRowTimestampUs);

  const rate = new RateWindow();
  const report = () => {
    rate.add(local.rowsWritten + local.inFlightRows);
    const rowsWritten = sumDone(jobLog, 'rowsWritten') + local.inFlightRows;
    const rangesDone = jobLog.done.size;
    const doneShare = rangesDone / ranges.length;
    const rowsPerSecond = rate.perSecond();
    const etaSeconds = rowsPerSecond > 0 && doneShare > 0 ? ((rowsWritten / doneShare) * (1 - doneShare)) / rowsPerSecond : undefined;
    options.onProgress?.({ rangesDone, rangesTotal: ranges.length, rowsWritten, rowsPerSecond, etaSeconds });
  };
  const progressTimer = setInterval(report, 500);

  const targetLists = new ListWriteTimesReader(target, warnListGuardUnavailable(log, 'target'), warnExtraListCopiesKept(log, 'target'));
  /** Copies one range: every cell with its source write time and TTL, so copying it twice is harmless. */
  const start = (workSignal: AbortSignal) => {
    const writer = new CellWriter(
      target,
      {
        maxRequests: options.maxRequests ?? (acrossPartitions ? 32 : 128),
        maxRowsPerSecond: options.maxRowsPerSecond,
        onRetry: (reason, attempt) => {
          local.retries += 1;
          if (attempt % 20 === 0) log.warn({ attempt, error: reason }, 'target write failed; retrying');
        },
        lists: targetLists,
      },
      workSignal,
    );
    const copyOptions: RangeCopyOptions = {
      source,
      table,
      planner,
      writer,
      targetLists,
      targetCells: new TargetCellReader(target),
      pageSize: options.pageSize,
      readConsistency: scanConsistency(config.source),
      groups: { maxRows: config.sink.batchMaxRows, maxBytes: config.sink.batchMaxBytes, acrossPartitions },
      rowLimitBytes: config.target.profile === 'keyspaces' ? keyspacesLimits.maxRowBytes : undefined,
      cells: () => ({
        keyOnlyRowTimestampUs,
        explicitZeroTtl: defaultTtl > 0,
        ...(config.target.profile === 'keyspaces' ? { minTimestampUs: keyspacesTimestampFloorUs(Date.now()) } : {}),
      }),
      signal: workSignal,
      onReadRetry: (reason, attempt) => {
        local.retries += 1;
        if (attempt % 20 === 0) log.warn({ attempt, error: reason }, 'source read failed; retrying');
      },
      onRows: (rows) => (local.inFlightRows += rows),
    };
    return async (index: number, slot: RangeSlot) => {
      let counted = 0;
      const result = await copyRange({ ...copyOptions, slot, onRows: (rows) => ((counted += rows), (local.inFlightRows += rows)) }, ranges[index]!).finally(() => {
        local.inFlightRows -= counted;
      });
      local.rowsWritten += result.rowsWritten;
      local.ranges += 1;
      for (const rejection of result.rejections.slice(0, 5)) log.warn({ key: rejection.key, reason: rejection.reason }, 'the target refused a row');
      return {
        rowsRead: result.rowsRead,
        rowsWritten: result.rowsWritten,
        rowsRejected: result.rowsRejected,
        rejections: result.rejections.slice(0, maxRejectionsReported),
      };
    };
  };

  try {
    await runRangeTasks({ jobLog, plan, kafka: kafkaConnection(config.kafka), concurrency: options.concurrency, logger: log, start }, signal);
  } finally {
    clearInterval(progressTimer);
    report();
  }
  return summarize(options, jobLog, plan, local);
}

async function readDefaultTtl(target: cassandra.Client, table: TableSchema): Promise<number> {
  const row = (
    await target.execute('SELECT default_time_to_live FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?', [table.keyspace, table.table], { prepare: true })
  ).first();
  return Number(row?.['default_time_to_live'] ?? 0);
}

function sumDone(jobLog: JobLog<JobPlan, RangeDone, BackfillResult>, field: 'rowsRead' | 'rowsWritten' | 'rowsRejected'): number {
  let total = 0;
  for (const done of jobLog.done.values()) total += done[field];
  return total;
}

function summarize(options: BackfillOptions, jobLog: JobLog<JobPlan, RangeDone, BackfillResult>, plan: JobPlan | undefined, local: LocalTotals): BackfillSummary {
  const rangesTotal = plan?.ranges.length ?? 0;
  const seconds = (Date.now() - local.startedMs) / 1000;
  return {
    job: options.job,
    table: plan?.table ?? options.table,
    complete: plan !== undefined && jobLog.done.size >= rangesTotal,
    rangesTotal,
    rangesDone: jobLog.done.size,
    rowsRead: sumDone(jobLog, 'rowsRead'),
    rowsWritten: sumDone(jobLog, 'rowsWritten'),
    rowsRejected: sumDone(jobLog, 'rowsRejected'),
    rejections: [...jobLog.done.values()].flatMap((d) => d.rejections).slice(0, maxRejectionsReported),
    thisProcess: {
      ranges: local.ranges,
      rowsWritten: local.rowsWritten,
      seconds,
      rowsPerSecond: seconds > 0 ? local.rowsWritten / seconds : 0,
      retries: local.retries,
    },
  };
}

/** Rows per second over the last ~5 s of samples. */
class RateWindow {
  private readonly samples: { atMs: number; rows: number }[] = [];

  add(rows: number): void {
    const atMs = Date.now();
    this.samples.push({ atMs, rows });
    while (this.samples.length > 2 && atMs - this.samples[0]!.atMs > 5_000) this.samples.shift();
  }

  perSecond(): number {
    if (this.samples.length < 2) return 0;
    const first = this.samples[0]!;
    const last = this.samples[this.samples.length - 1]!;
    return last.atMs > first.atMs ? ((last.rows - first.rows) * 1000) / (last.atMs - first.atMs) : 0;
  }
}
