import { setMaxListeners } from 'node:events';
import type cassandra from 'cassandra-driver';
import type { Logger } from 'pino';
import { BackfillWriter } from '../backfill/backfill-writer.js';
import { cellWrites, keyspacesTimestampFloorUs } from '../backfill/cell-writes.js';
import { readPartitionerClass, readRingTokens } from '../backfill/ring-reader.js';
import { partitionerFromClassName, TokenRangePlanner, type TokenRange } from '../backfill/token-range-planner.js';
import type { TandemConfig } from '../config/index.js';
import { connectCluster, createCqlClient, readTableSchema, type TableSchema } from '../cql/index.js';
import { ConfigError, RecordRejectedError } from '../errors.js';
import { abortableDelay } from '../abortable-delay.js';
import { consumerGroupOf, splitTable } from '../sink/sink-worker.js';
import { SinkProgressWatch } from './sink-progress.js';
import { formatCqlValue, formatPrimaryKey } from './format-primary-key.js';
import { mergeCompare, type RowDifference } from './merge-compare.js';
import { diffColumns, diffRow, type CompareMode } from './row-diff.js';
import { readRow, readSourceCells, scanRange, type RowReaderOptions } from './row-reader.js';

export interface ValidateOptions {
  readonly config: TandemConfig;
  readonly table: string;
  readonly splits: number;
  readonly concurrency: number;
  readonly pageSize: number;
  readonly compare: CompareMode;
  readonly repair: boolean;
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

export type DifferenceKind = RowDifference['kind'];

export interface DifferenceExample {
  readonly kind: DifferenceKind;
  readonly key: string;
  /** Why repair left it as it is. */
  readonly reason?: string;
  readonly columns: readonly { column: string; kind: 'value' | 'writetime'; source: string; target: string }[];
}

export interface ValidationReport {
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
  readonly examples: readonly DifferenceExample[];
  readonly repair?: { readonly attempted: number; readonly fixed: number; readonly notFixed: readonly DifferenceExample[] };
  readonly seconds: number;
  readonly rowsPerSecond: number;
  /** No row differs (after repair, when repairing). */
  readonly clean: boolean;
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
export async function runValidation(options: ValidateOptions, outerSignal: AbortSignal): Promise<ValidationReport> {
  const { config, logger: log } = options;
  // Aborted by the caller or by the first range that fails, so no other range goes on retrying.
  const controller = new AbortController();
  const signal = controller.signal;
  setMaxListeners(0, signal);
  const stopOuter = () => controller.abort(outerSignal.reason);
  if (outerSignal.aborted) stopOuter();
  else outerSignal.addEventListener('abort', stopOuter, { once: true });
  const began = Date.now();
  const [keyspace, tableName] = splitTable(options.table);
  const source = createCqlClient(config.source, { profile: 'cassandra' });
  const target = createCqlClient(config.target, { profile: config.target.profile });
  let watch: SinkProgressWatch | undefined;
  try {
    await connectCluster(source, 'source', config.source);
    await connectCluster(target, 'target', config.target);
    const table = await readTableSchema(source, keyspace, tableName);
    if (!table) throw new ConfigError(`table ${keyspace}.${tableName} does not exist on the source`, { hint: 'Check --table (keyspace.table)' });
    if (!(await readTableSchema(target, keyspace, tableName))) {
      throw new ConfigError(`table ${keyspace}.${tableName} does not exist on the target`, { hint: 'Run `tandem schema` and `tandem backfill` first' });
    }
    const [sourcePartitioner, targetPartitioner] = await Promise.all([readPartitionerClass(source), readPartitionerClass(target)]);
    if (partitionerFromClassName(sourcePartitioner) !== partitionerFromClassName(targetPartitioner)) {
      throw new ConfigError(`the source uses ${sourcePartitioner} and the target ${targetPartitioner}: their token ranges do not hold the same rows`, {
        hint: 'Range comparison needs one partitioner on both sides',
      });
    }
    const planner = new TokenRangePlanner(partitionerFromClassName(sourcePartitioner));
    const tokens = await readRingTokens(source);
    const planned = planner.plan(tokens, options.splits);
    const ranges = options.samplePercent >= 100 ? planned : sample(planned, options.samplePercent);
    const withWritetime = options.compare === 'values+writetime';
    // The Keyspaces floor rises with the clock; asked for at each comparison and repair.
    const floor = (): { minTimestampUs?: bigint } => (config.target.profile === 'keyspaces' ? { minTimestampUs: keyspacesTimestampFloorUs(Date.now()) } : {});
    const readerOptions: RowReaderOptions = {
      pageSize: options.pageSize,
      signal,
      onRetry: (reason, attempt) => {
        if (attempt % 20 === 0) log.warn({ attempt, error: reason }, 'read failed; retrying');
      },
    };
    const writer = options.repair ? new BackfillWriter(target, { maxRequests: 32 }, signal) : undefined;

    const counts: Record<DifferenceKind, number> = { missing: 0, extra: 0, mismatched: 0 };
    const totals = { sourceRows: 0, targetRows: 0, matched: 0, changed: 0, rangesDone: 0 };
    const examples: DifferenceExample[] = [];
    const repair = { attempted: 0, fixed: 0, notFixed: [] as DifferenceExample[] };
    const fixed: Record<DifferenceKind, number> = { missing: 0, extra: 0, mismatched: 0 };
    const staticColumns = table.columns.filter((c) => c.kind === 'static');

    /**
     * The difference as it stands now, or undefined when the two sides agree. A key of the
     * partition key alone stands for the partition's static cells, so only those are compared.
     */
    const recheck = async (key: ReadonlyMap<string, unknown>): Promise<Omit<RowDifference, 'token'> | undefined> => {
      const [s, t] = await Promise.all([readRow(source, table, key, withWritetime, readerOptions), readRow(target, table, key, withWritetime, readerOptions)]);
      if (!s && !t) return undefined;
      if (!t) return { kind: 'missing', key, columns: [] };
      if (!s) return { kind: 'extra', key, columns: [] };
      const staticOnly = table.clustering.some((c) => !key.has(c.name) || key.get(c.name) === null);
      const settings = { compare: options.compare, ...floor() };
      const columns = staticOnly ? diffColumns(staticColumns, s, t, settings) : diffRow(table, s, t, { ...settings, includeStatic: true });
      return columns.length === 0 ? undefined : { kind: 'mismatched', key, columns };
    };

    const recheckDelayMs = options.recheckDelayMs ?? 1_000;
    const topics = config.topics.filter((t) => splitTable(t.table).join('.') === `${keyspace}.${tableName}`).map((t) => t.topic);
    watch = topics.length > 0 ? new SinkProgressWatch(config.kafka.brokers, [consumerGroupOf(config.sink, 'source'), consumerGroupOf(config.sink, 'target')], topics) : undefined;
    const handle = async (found: RowDifference) => {
      const now = await recheck(found.key);
      if (!now) {
        totals.changed += 1;
        return;
      }
      counts[now.kind] += 1;
      const example = describe(table, now);
      if (examples.length < options.maxExamples) examples.push(example);
      if (!writer || now.kind === 'extra') return;
      repair.attempted += 1;
      const refused = await repairRow(source, writer, table, now.key, readerOptions, floor, options.dualWritesSinceMs);
      const after = refused === undefined ? await recheck(now.key) : now;
      if (!after) {
        repair.fixed += 1;
        fixed[now.kind] += 1;
      } else if (repair.notFixed.length < options.maxExamples) {
        repair.notFixed.push({ ...describe(table, after), reason: refused ?? 'the target holds a newer value or delete, which repair never overwrites' });
      }
    };

    const compareRange = async (range: TokenRange) => {
      const where = planner.where(
        table.partitionKey.map((c) => c.name),
        range,
      );
      const differences = mergeCompare(table, scanRange(source, table, where, withWritetime, readerOptions), scanRange(target, table, where, withWritetime, readerOptions), {
        compare: options.compare,
        signal,
        ...floor(),
      });
      // Each difference is read again once the sinks have written what Kafka held when it was seen
      // (or, with no sink configured for the table, a moment later), so a row one sink has written
      // and the other not yet is not reported; rechecks run beside the scan.
      const pending: Promise<void>[] = [];
      for (;;) {
        const step = await differences.next();
        if (step.done) {
          totals.sourceRows += step.value.sourceRows;
          totals.targetRows += step.value.targetRows;
          totals.matched += step.value.matched;
          break;
        }
        const found = step.value;
        const seenAtMs = Date.now();
        const settled = watch ? watch.applied(seenAtMs) : abortableDelay(recheckDelayMs, signal);
        const later = settled.then(() => handle(found));
        // Awaited below; marked handled now so a failure while others wait is not an unhandled rejection.
        later.catch(() => undefined);
        pending.push(later);
        if (pending.length >= 64) await pending.shift();
      }
      await Promise.all(pending);
      totals.rangesDone += 1;
      options.onProgress?.({ rangesDone: totals.rangesDone, rangesTotal: ranges.length, rowsCompared: totals.sourceRows });
    };

    let next = 0;
    const lane = async () => {
      while (next < ranges.length && !signal.aborted) await compareRange(ranges[next++]!);
    };
    try {
      await Promise.all(
        Array.from({ length: Math.min(options.concurrency, ranges.length) }, () =>
          lane().catch((error: unknown) => {
            controller.abort(error);
            throw error;
          }),
        ),
      );
    } catch (error) {
      throw outerSignal.aborted ? new Error('validation stopped before it finished', { cause: error }) : error;
    }

    const seconds = (Date.now() - began) / 1000;
    const remaining = { missing: counts.missing - fixed.missing, extra: counts.extra, mismatched: counts.mismatched - fixed.mismatched };
    return {
      table: `${keyspace}.${tableName}`,
      compare: options.compare,
      rangesTotal: planned.length,
      rangesCompared: totals.rangesDone,
      sourceRows: totals.sourceRows,
      targetRows: totals.targetRows,
      matched: totals.matched,
      differences: counts,
      remaining,
      changedWhileCompared: totals.changed,
      examples,
      ...(writer ? { repair } : {}),
      seconds,
      rowsPerSecond: seconds > 0 ? Math.max(totals.sourceRows, totals.targetRows) / seconds : 0,
      clean: remaining.missing + remaining.extra + remaining.mismatched === 0,
    };
  } finally {
    outerSignal.removeEventListener('abort', stopOuter);
    await watch?.close();
    await Promise.all([source.shutdown(), target.shutdown()]).catch(() => undefined);
  }
}

/**
 * Writes the source's current version of a row to the target, each cell with its own write time
 * and TTL; the reason when it cannot, undefined when written (or gone from the source since: the
 * pipeline carries that delete to the target).
 */
async function repairRow(
  source: cassandra.Client,
  writer: BackfillWriter,
  table: TableSchema,
  key: ReadonlyMap<string, unknown>,
  readerOptions: RowReaderOptions,
  floor: () => { minTimestampUs?: bigint },
  dualWritesSinceMs: number | undefined,
): Promise<string | undefined> {
  const read = await readSourceCells(source, table, key, readerOptions);
  if (!read) return undefined;
  const keyOnly = !table.clustering.some((c) => read.row.values.get(c.name) == null) && table.columns.every((c) => c.kind !== 'regular' || read.row.values.get(c.name) == null);
  if (keyOnly && dualWritesSinceMs === undefined) {
    // Its row marker's write time cannot be read; a guess newer than a delete still on its way would revive the row.
    return 'the row has only key columns, whose write time cannot be read: pass --dual-writes-since to repair it';
  }
  const name = formatPrimaryKey(table, key);
  try {
    const refused = await writer.writeGroup(1, (nowMs) => [
      {
        key: () => name,
        writes: cellWrites(table, read.row, {
          readAtMs: read.readAtMs,
          nowMs,
          includeStatic: true,
          keyOnlyRowTimestampUs: BigInt(dualWritesSinceMs ?? 0) * 1000n,
          ...floor(),
        }),
      },
    ]);
    return refused[0]?.reason;
  } catch (error) {
    if (error instanceof RecordRejectedError) return error.message;
    throw error;
  }
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
    columns: difference.columns.map((c) => ({ column: c.column, kind: c.kind, source: formatCqlValue(c.source), target: formatCqlValue(c.target) })),
  };
}


