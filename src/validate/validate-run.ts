import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import cassandra from 'cassandra-driver';
import type { Logger } from 'pino';
import {
  CellWriter,
  cellWrites,
  columnsBelowFloor,
  describeFloorConflicts,
  type FloorConflict,
  floorConflicts,
  keyspacesTimestampFloorUs,
  listKeyColumns,
  ListWriteTimesReader,
  nonFrozenLists,
  type SourceRow,
  TargetCellReader,
  warnExtraListCopiesKept,
  warnListGuardUnavailable,
  writesListElements,
} from '../cells/index.js';
import type { TandemConfig } from '../config/index.js';
import {
  classifyCqlError,
  connectCluster,
  createCqlClient,
  partitionerFromClassName,
  quoteIdentifier,
  readPartitionerClass,
  readRingTokens,
  readTableSchema,
  retryTransient,
  splitTable,
  type TableSchema,
  type TokenRange,
  TokenRangePlanner,
} from '../cql/index.js';
import { ConfigError, RecordRejectedError, ValidationIncompleteError } from '../errors.js';
import { abortableDelay } from '../abortable-delay.js';
import { JobLog, planOrJoin, planRanges, runRangeTasks, type DoneFields } from '../jobs/index.js';
import { consumerGroupOf } from '../sink/index.js';
import { settled, SinkProgressWatch, type Settlement } from './sink-progress.js';
import { sourceWinsWrites } from './source-wins.js';
import { formatCqlValue, formatPrimaryKey } from './format-primary-key.js';
import { mergeCompare, type RowDifference } from './merge-compare.js';
import { diffColumns, diffRow, type CompareMode } from './row-diff.js';
import { readRow, readSourceCells, scanRange, type RowReaderOptions } from './row-reader.js';
import type { ScannedRow } from './scanned-row.js';
import {
  noDifferences,
  type DifferenceCounts,
  type DifferenceExample,
  type DifferenceKind,
  type RangeComparison,
  type ValidationPlan,
  type ValidationResult,
} from './validation-records.js';

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

export interface ValidationReport {
  readonly job: string;
  readonly table: string;
  readonly compare: CompareMode;
  readonly rangesTotal: number;
  readonly rangesCompared: number;
  readonly sourceRows: number;
  readonly targetRows: number;
  readonly matched: number;
  /** Differences still there when read again; rows that changed meanwhile are not counted. */
  readonly differences: Readonly<Record<DifferenceKind, number>>;
  /** What is left after repair: the differences less the rows repair fixed (equal to them without --repair). */
  readonly remaining: Readonly<Record<DifferenceKind, number>>;
  /** Rows that differed in the scan but matched when read again (the sinks wrote them meanwhile). */
  readonly changedWhileCompared: number;
  /**
   * Rows that still differed while the sinks had not written what Kafka held when the difference
   * was seen: not judged, not reported as differences, never repaired (see SinkProgressWatch).
   */
  readonly unsettled: number;
  readonly unsettledExamples: readonly DifferenceExample[];
  readonly examples: readonly DifferenceExample[];
  readonly repair?: {
    readonly attempted: number;
    readonly fixed: number;
    readonly notFixed: readonly DifferenceExample[];
    /** Rows written with --source-wins, each with the timestamp used (the first few; all are counted in sourceWon); present with that option. */
    readonly sourceWins?: readonly SourceWinsExample[];
    readonly sourceWon?: number;
  };
  readonly seconds: number;
  /** Rows this process compared per second. */
  readonly rowsPerSecond: number;
  /** What this process compared (a job shared by workers splits the work). */
  readonly thisProcess: { readonly ranges: number; readonly rowsCompared: number };
  /** No row differs (after repair, when repairing) and none was left unsettled. */
  readonly clean: boolean;
}

/** A row written by --source-wins: its key and the timestamp (µs) every cell of it now carries on the target. */
export interface SourceWinsExample {
  readonly kind: DifferenceKind;
  readonly key: string;
  readonly timestampUs: string;
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

    jobLog = await JobLog.open<ValidationPlan, RangeComparison, ValidationResult>(config.kafka.brokers, 'validate', job, log);
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
    watch = topics.length > 0 ? new SinkProgressWatch(config.kafka.brokers, [consumerGroupOf(config.sink, 'source'), consumerGroupOf(config.sink, 'target')], topics) : undefined;
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
          brokers: config.kafka.brokers,
          concurrency: options.concurrency,
          logger: log,
          start: (workSignal) => async (index) => {
            const outcome = await comparer.compare(ranges[index]!, workSignal);
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

interface RangeComparerContext {
  readonly source: cassandra.Client;
  readonly target: cassandra.Client;
  readonly table: TableSchema;
  readonly planner: TokenRangePlanner;
  readonly plan: ValidationPlan;
  readonly watch: SinkProgressWatch | undefined;
  readonly config: TandemConfig;
  readonly pageSize: number;
  readonly maxExamples: number;
  readonly recheckDelayMs?: number;
  readonly log: Logger;
}

/** Compares (and repairs) one range at a time; what it finds in a range becomes that range's done record. */
class RangeComparer {
  private readonly staticColumns: TableSchema['columns'];
  private readonly withWritetime: boolean;
  private readonly targetLists: ListWriteTimesReader;
  private readonly targetCells: TargetCellReader;

  constructor(private readonly context: RangeComparerContext) {
    this.staticColumns = context.table.columns.filter((c) => c.kind === 'static');
    this.withWritetime = context.plan.compare === 'values+writetime';
    this.targetLists = new ListWriteTimesReader(context.target, warnListGuardUnavailable(context.log, 'target'), warnExtraListCopiesKept(context.log, 'target'));
    this.targetCells = new TargetCellReader(context.target);
  }

  /**
   * Writes the source's version of a row over a target that holds something newer (source-wins.ts),
   * once the sinks have written everything Kafka holds now: its timestamp may lie above now, and a
   * dual write stamped earlier but still on its way would then lose to it on the target.
   */
  private async sourceWins(writer: CellWriter, key: ReadonlyMap<string, unknown>, readerOptions: RowReaderOptions): Promise<{ timestampUs: bigint } | { refused: string }> {
    const { source, target, table, watch } = this.context;
    const settlement = watch ? await watch.applied(Date.now()) : settled;
    if (!settlement.settled) return { refused: `source-wins waits for the sinks, which are behind: ${settlement.reason}` };
    const [read, targetRow] = await Promise.all([readSourceCells(source, table, key, readerOptions), readRow(target, table, key, true, readerOptions)]);
    const staticOnly = isStaticKey(table, key);
    if (!read && !targetRow) return { refused: 'the row is gone from both sides' };
    const planned = sourceWinsWrites({ table, source: read, target: targetRow, staticOnly, nowMs: Date.now() });
    const name = formatPrimaryKey(table, key);
    try {
      // Built once: every retry must carry the same timestamp, and the TTLs lose at most the retries' seconds.
      const refused = await writer.writeGroup(1, () => [{ key: () => name, writes: planned.writes }]);
      return refused[0] ? { refused: `the target refused the source's version: ${refused[0].reason}` } : { timestampUs: planned.timestampUs };
    } catch (error) {
      if (error instanceof RecordRejectedError) return { refused: error.message };
      throw error;
    }
  }

  /** The Keyspaces floor rises with the clock; asked for at each comparison and repair. */
  private floor(): { minTimestampUs?: bigint } {
    return this.context.config.target.profile === 'keyspaces' ? { minTimestampUs: keyspacesTimestampFloorUs(Date.now()) } : {};
  }

  async compare(range: TokenRange, signal: AbortSignal): Promise<DoneFields<RangeComparison>> {
    const { source, target, table, planner, plan, watch, log } = this.context;
    const readerOptions: RowReaderOptions = {
      pageSize: this.context.pageSize,
      signal,
      onRetry: (reason, attempt) => {
        if (attempt % 20 === 0) log.warn({ attempt, error: reason }, 'read failed; retrying');
      },
    };
    const writer = plan.repair || plan.sourceWins ? new CellWriter(target, { maxRequests: 32, lists: this.targetLists }, signal) : undefined;
    const outcome = {
      sourceRows: 0,
      targetRows: 0,
      matched: 0,
      changed: 0,
      differences: noDifferences(),
      unsettled: 0,
      unsettledExamples: [] as DifferenceExample[],
      repairAttempted: 0,
      fixed: noDifferences(),
      examples: [] as DifferenceExample[],
      notFixed: [] as DifferenceExample[],
      sourceWins: [] as SourceWinsExample[],
      sourceWon: 0,
    };
    // A range's examples travel in its done record, a Kafka message: capped (values are shortened too); all are counted.
    const maxExamples = Math.min(this.context.maxExamples, 200);

    const handle = async (found: RowDifference, settlement: Settlement) => {
      const now = await this.recheck(found.key, readerOptions);
      if (!now) {
        outcome.changed += 1;
        return;
      }
      if (!settlement.settled) {
        // A sink may still be writing this very row: judging it now could delete or overwrite what it writes next.
        outcome.unsettled += 1;
        if (outcome.unsettledExamples.length < maxExamples) outcome.unsettledExamples.push({ ...describe(table, now), reason: settlement.reason });
        return;
      }
      outcome.differences[now.kind] += 1;
      if (outcome.examples.length < maxExamples) outcome.examples.push(describe(table, now));
      if (now.kind === 'extra' ? !plan.repairExtra : !plan.repair) return;
      outcome.repairAttempted += 1;
      let refusal =
        now.kind === 'extra' ? await deleteExtraRow(target, table, now.key, readerOptions) : await repairRow(
              {
                source,
                writer: writer!,
                targetLists: this.targetLists,
                targetCells: this.targetCells,
                table,
                readerOptions,
                floor: () => this.floor(),
                dualWritesSinceMs: plan.dualWritesSinceMs ?? undefined,
              },
              now.key,
            );
      let after = refusal ? now : await this.recheck(now.key, readerOptions);
      if (after && !refusal) {
        refusal = {
          reason:
            now.kind === 'extra'
              ? 'the target row holds a write newer than its cells (a row marker or a newer write); the delete never hides a newer write'
              : 'the target holds a newer value or delete, which repair never overwrites (--source-wins does)',
          newerOnTarget: true,
        };
      }
      if (after && refusal?.newerOnTarget && plan.sourceWins) {
        const won = await this.sourceWins(writer!, now.key, readerOptions);
        if ('refused' in won) {
          refusal = { reason: won.refused, newerOnTarget: true };
        } else {
          // The target's write times are now above the source's on purpose: only values can match.
          after = await this.recheck(now.key, readerOptions, 'values');
          if (!after) {
            outcome.sourceWon += 1;
            if (outcome.sourceWins.length < maxExamples) outcome.sourceWins.push({ kind: now.kind, key: formatPrimaryKey(table, now.key), timestampUs: String(won.timestampUs) });
          }
        }
      }
      if (!after) outcome.fixed[now.kind] += 1;
      else if (outcome.notFixed.length < maxExamples) outcome.notFixed.push({ ...describe(table, after), reason: refusal?.reason ?? 'still different after repair' });
    };

    const where = planner.where(
      table.partitionKey.map((c) => c.name),
      range,
    );
    const differences = mergeCompare(table, scanRange(source, table, where, this.withWritetime, readerOptions), scanRange(target, table, where, this.withWritetime, readerOptions), {
      compare: plan.compare,
      signal,
      ...this.floor(),
    });
    // Each difference is read again once the sinks have written what Kafka held when it was seen
    // (or, with no sink configured for the table, a moment later), so a row one sink has written
    // and the other not yet is not reported; rechecks run beside the scan.
    const pending: Promise<void>[] = [];
    for (;;) {
      const step = await differences.next();
      if (step.done) {
        outcome.sourceRows = step.value.sourceRows;
        outcome.targetRows = step.value.targetRows;
        outcome.matched = step.value.matched;
        break;
      }
      const found = step.value;
      const seenAtMs = Date.now();
      const settlement = watch ? watch.applied(seenAtMs) : abortableDelay(this.context.recheckDelayMs ?? 1_000, signal).then(() => settled);
      const later = settlement.then((s) => handle(found, s));
      // Awaited below; marked handled now so a failure while others wait is not an unhandled rejection.
      later.catch(() => undefined);
      pending.push(later);
      if (pending.length >= 64) await pending.shift();
    }
    await Promise.all(pending);
    return outcome;
  }

  /**
   * The difference as it stands now, or undefined when the two sides agree. A key of the
   * partition key alone stands for the partition's static cells, so only those are compared.
   */
  private async recheck(key: ReadonlyMap<string, unknown>, readerOptions: RowReaderOptions, compare: CompareMode = this.context.plan.compare): Promise<Omit<RowDifference, 'token'> | undefined> {
    const { source, target, table } = this.context;
    const withWritetime = compare === 'values+writetime';
    const [s, t] = await Promise.all([readRow(source, table, key, withWritetime, readerOptions), readRow(target, table, key, withWritetime, readerOptions)]);
    if (!s && !t) return undefined;
    if (!t) return { kind: 'missing', key, columns: [] };
    if (!s) return { kind: 'extra', key, columns: [] };
    const settings = { compare, ...this.floor() };
    const columns = isStaticKey(table, key) ? diffColumns(this.staticColumns, s, t, settings) : diffRow(table, s, t, { ...settings, includeStatic: true });
    return columns.length === 0 ? undefined : { kind: 'mismatched', key, columns };
  }
}

/** A key without its clustering values: it stands for a partition's static cells. */
function isStaticKey(table: TableSchema, key: ReadonlyMap<string, unknown>): boolean {
  return table.clustering.some((c) => !key.has(c.name) || key.get(c.name) === null);
}

/**
 * Deletes a row the target holds and the source does not, timed at the newest write time among
 * the cells it holds: the oldest timestamp that still removes all of them. A later write of the
 * same row (a dual write still on its way, a replay) carries a newer timestamp and survives,
 * where a delete timed "now" would hide it. A row whose write time cannot be read (key columns
 * only) is left alone. The reason when it is not deleted, undefined when it is (or is gone).
 */
async function deleteExtraRow(target: cassandra.Client, table: TableSchema, key: ReadonlyMap<string, unknown>, readerOptions: RowReaderOptions): Promise<Refusal | undefined> {
  const row = await readRow(target, table, key, true, readerOptions);
  if (!row) return undefined;
  const staticOnly = isStaticKey(table, key);
  const columns = table.columns.filter((c) => (staticOnly ? c.kind === 'static' : c.kind === 'regular'));
  const newest = newestWriteTime(row, columns.map((c) => c.name));
  if (newest === undefined) {
    return { reason: 'the row has only key columns, whose write time cannot be read: a delete could hide a newer write, so it is left alone (--source-wins deletes it above now)', newerOnTarget: true };
  }
  const keyColumns = [...table.partitionKey, ...(staticOnly ? [] : table.clustering)];
  const deleted = staticOnly ? `${columns.map((c) => quoteIdentifier(c.name)).join(', ')} ` : '';
  const cql =
    `DELETE ${deleted}FROM ${quoteIdentifier(table.keyspace)}.${quoteIdentifier(table.table)} USING TIMESTAMP ? WHERE ` +
    keyColumns.map((c) => `${quoteIdentifier(c.name)} = ?`).join(' AND ');
  try {
    await retryTransient(
      () => target.execute(cql, [newest, ...keyColumns.map((c) => key.get(c.name))], { prepare: true, consistency: cassandra.types.consistencies.localQuorum }),
      readerOptions.signal,
      readerOptions.onRetry,
    );
    return undefined;
  } catch (error) {
    const verdict = classifyCqlError(error);
    if (verdict.action === 'reject' && !readerOptions.signal.aborted) return { reason: `the target refused the delete: ${verdict.reason}`, newerOnTarget: false };
    throw error;
  }
}

/** Why repair left a row as it was; `newerOnTarget`: the target holds something newer or unreadable, which --source-wins may override. */
interface Refusal {
  readonly reason: string;
  readonly newerOnTarget: boolean;
}

function newestWriteTime(row: ScannedRow, columns: readonly string[]): bigint | undefined {
  let newest: bigint | undefined;
  const consider = (t: bigint | null | undefined) => {
    if (t != null && (newest === undefined || BigInt(t) > newest)) newest = BigInt(t);
  };
  for (const name of columns) {
    if (row.values.get(name) == null) continue;
    const times = row.writetimes.get(name);
    if (Array.isArray(times)) for (const t of times) consider(t);
    else consider(times as bigint | null | undefined);
  }
  return newest;
}

function sumOf<T>(items: Iterable<T>, of: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += of(item);
  return total;
}

function addCounts(into: Record<DifferenceKind, number>, counts: DifferenceCounts): void {
  for (const kind of Object.keys(into) as DifferenceKind[]) into[kind] += counts[kind];
}

/** The job's report from every range's done record, whoever compared it. */
function assembleReport(
  job: string,
  plan: ValidationPlan,
  done: readonly RangeComparison[],
  maxExamples: number,
  began: number,
  local: { ranges: number; rows: number },
): ValidationReport {
  const ordered = [...done].sort((a, b) => a.index - b.index);
  const differences = noDifferences();
  const fixed = noDifferences();
  for (const d of ordered) {
    addCounts(differences, d.differences);
    addCounts(fixed, d.fixed);
  }
  const remaining = { missing: differences.missing - fixed.missing, extra: differences.extra - fixed.extra, mismatched: differences.mismatched - fixed.mismatched };
  const seconds = (Date.now() - began) / 1000;
  const sourceRows = sumOf(ordered, (d) => d.sourceRows);
  const targetRows = sumOf(ordered, (d) => d.targetRows);
  const repairs = plan.repair || plan.repairExtra;
  return {
    job,
    table: plan.table,
    compare: plan.compare,
    rangesTotal: plan.ringRanges,
    rangesCompared: ordered.length,
    sourceRows,
    targetRows,
    matched: sumOf(ordered, (d) => d.matched),
    differences,
    remaining,
    changedWhileCompared: sumOf(ordered, (d) => d.changed),
    // Done records written before unsettled rows existed hold none.
    unsettled: sumOf(ordered, (d) => d.unsettled ?? 0),
    unsettledExamples: ordered.flatMap((d) => d.unsettledExamples ?? []).slice(0, maxExamples),
    examples: ordered.flatMap((d) => d.examples).slice(0, maxExamples),
    ...(repairs
      ? {
          repair: {
            attempted: sumOf(ordered, (d) => d.repairAttempted),
            fixed: fixed.missing + fixed.extra + fixed.mismatched,
            notFixed: ordered.flatMap((d) => d.notFixed).slice(0, maxExamples),
            ...(plan.sourceWins ? { sourceWins: ordered.flatMap((d) => d.sourceWins ?? []).slice(0, maxExamples), sourceWon: sumOf(ordered, (d) => d.sourceWon ?? 0) } : {}),
          },
        }
      : {}),
    seconds,
    rowsPerSecond: seconds > 0 ? local.rows / seconds : 0,
    thisProcess: { ranges: local.ranges, rowsCompared: local.rows },
    clean: remaining.missing + remaining.extra + remaining.mismatched === 0 && sumOf(ordered, (d) => d.unsettled ?? 0) === 0,
  };
}

/**
 * Writes the source's current version of a row to the target, each cell with its own write time
 * and TTL; the reason when it cannot, undefined when written (or gone from the source since: the
 * pipeline carries that delete to the target).
 */
/** What repairing a row needs besides its key. */
interface RepairContext {
  readonly source: cassandra.Client;
  readonly writer: CellWriter;
  readonly targetLists: ListWriteTimesReader;
  readonly targetCells: TargetCellReader;
  readonly table: TableSchema;
  readonly readerOptions: RowReaderOptions;
  /** The target's timestamp floor now (Amazon Keyspaces), if it has one. */
  readonly floor: () => { minTimestampUs?: bigint };
  readonly dualWritesSinceMs: number | undefined;
}

async function repairRow(context: RepairContext, key: ReadonlyMap<string, unknown>): Promise<Refusal | undefined> {
  const { source, writer, targetLists, table, readerOptions, floor, dualWritesSinceMs } = context;
  const read = await readSourceCells(source, table, key, readerOptions);
  if (!read) return undefined;
  const keyOnly = !table.clustering.some((c) => read.row.values.get(c.name) == null) && table.columns.every((c) => c.kind !== 'regular' || read.row.values.get(c.name) == null);
  if (keyOnly && dualWritesSinceMs === undefined) {
    // Its row marker's write time cannot be read; a guess newer than a delete still on its way would revive the row.
    return { reason: 'the row has only key columns, whose write time cannot be read: pass --dual-writes-since to repair it', newerOnTarget: true };
  }
  const name = formatPrimaryKey(table, key);
  // A list the target holds at the source's write time is not written again (list-write-times.ts).
  const staticOnly = table.clustering.some((c) => read.row.values.get(c.name) == null);
  const lists = nonFrozenLists(table).filter((c) => (c.kind === 'static' || !staticOnly) && writesListElements(read.row.values.get(c.name)));
  const targetListWriteTimes =
    lists.length === 0
      ? undefined
      : await retryTransient(
          () => targetLists.read(table, lists, listKeyColumns(table, lists).map((c) => read.row.values.get(c.name))),
          readerOptions.signal,
          readerOptions.onRetry,
        );
  const held = await floorConflictsOnTarget(context, read.row, staticOnly);
  try {
    const refused = await writer.writeGroup(1, (nowMs) => [
      {
        key: () => name,
        writes: cellWrites(table, read.row, {
          readAtMs: read.readAtMs,
          nowMs,
          includeStatic: true,
          keyOnlyRowTimestampUs: BigInt(dualWritesSinceMs ?? 0) * 1000n,
          targetListWriteTimes,
          skipColumns: new Set(held.map((c) => c.column)),
          ...floor(),
        }),
      },
    ]);
    if (refused[0]) return { reason: refused[0].reason, newerOnTarget: false };
    return held.length > 0 ? { reason: describeFloorConflicts(held), newerOnTarget: true } : undefined;
  } catch (error) {
    if (error instanceof RecordRejectedError) return { reason: error.message, newerOnTarget: false };
    throw error;
  }
}

/** The columns repair must leave alone: old cells the floor would raise over a newer target write (floorConflicts). */
async function floorConflictsOnTarget(context: RepairContext, row: SourceRow, staticOnly: boolean): Promise<FloorConflict[]> {
  const { minTimestampUs } = context.floor();
  if (minTimestampUs === undefined) return [];
  const { table } = context;
  // A margin: the statements are built a moment later, when the floor has risen a little.
  const names = columnsBelowFloor(table, row, minTimestampUs + 3_600_000_000n, true);
  if (names.length === 0) return [];
  const columns = table.columns.filter((c) => names.includes(c.name));
  const keyColumns = staticOnly ? table.partitionKey : [...table.partitionKey, ...table.clustering];
  const target = await retryTransient(
    () => context.targetCells.read(table, columns, keyColumns, keyColumns.map((c) => row.values.get(c.name))),
    context.readerOptions.signal,
    context.readerOptions.onRetry,
  );
  return floorConflicts(row, names, target);
}


/** About `percent` of the ranges, picked at random, and at least one. */
function sample<T>(items: readonly T[], percent: number): T[] {
  const picked = items.filter(() => Math.random() * 100 < percent);
  return picked.length > 0 || items.length === 0 ? picked : [items[Math.floor(Math.random() * items.length)]!];
}

function describe(table: TableSchema, difference: Omit<RowDifference, 'token'>): DifferenceExample {
  return {
    kind: difference.kind,
    key: formatPrimaryKey(table, difference.key),
    columns: difference.columns.map((c) => {
      const format = c.kind === 'ttl' ? formatExpiry : formatCqlValue;
      return { column: c.column, kind: c.kind, source: shorten(format(c.source)), target: shorten(format(c.target)) };
    }),
  };
}

/** An expiry second (or one per element) as an instant; null: never expires. */
function formatExpiry(expiry: unknown): string {
  if (Array.isArray(expiry)) return `[${expiry.map(formatExpiry).join(', ')}]`;
  return typeof expiry === 'number' ? new Date(expiry * 1000).toISOString() : 'never';
}

/** Reports (and the done records in Kafka that carry them) show the start of a long value, and its length. */
function shorten(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}


