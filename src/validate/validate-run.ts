import { setMaxListeners } from 'node:events';
import type cassandra from 'cassandra-driver';
import type { Logger } from 'pino';
import { BackfillWriter } from '../backfill/backfill-writer.js';
import { cellWrites, keyspacesTimestampFloorUs } from '../backfill/cell-writes.js';
import { partitionerFromClassName, TokenRangePlanner, type TokenRange } from '../backfill/token-range-planner.js';
import type { TandemConfig } from '../config/index.js';
import { connectCluster, createCqlClient, readTableSchema, type TableSchema } from '../cql/index.js';
import { ConfigError } from '../errors.js';
import { splitTable } from '../sink/sink-worker.js';
import { formatCqlValue, formatPrimaryKey } from './format-primary-key.js';
import { mergeCompare, type RowDifference } from './merge-compare.js';
import { diffRow, type CompareMode } from './row-diff.js';
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
  /** Rows that differed in the scan but matched when read again (the sinks wrote them meanwhile). */
  readonly changedWhileCompared: number;
  readonly examples: readonly DifferenceExample[];
  readonly repair?: { readonly attempted: number; readonly fixed: number; readonly notFixed: readonly DifferenceExample[] };
  readonly seconds: number;
  readonly rowsPerSecond: number;
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
export async function runValidation(options: ValidateOptions, signal: AbortSignal): Promise<ValidationReport> {
  const { config, logger: log } = options;
  setMaxListeners(0, signal);
  const began = Date.now();
  const [keyspace, tableName] = splitTable(options.table);
  const source = createCqlClient(config.source, { profile: 'cassandra' });
  const target = createCqlClient(config.target, { profile: config.target.profile });
  try {
    await connectCluster(source, 'source', config.source);
    await connectCluster(target, 'target', config.target);
    const table = await readTableSchema(source, keyspace, tableName);
    if (!table) throw new ConfigError(`table ${keyspace}.${tableName} does not exist on the source`, { hint: 'Check --table (keyspace.table)' });
    if (!(await readTableSchema(target, keyspace, tableName))) {
      throw new ConfigError(`table ${keyspace}.${tableName} does not exist on the target`, { hint: 'Run `tandem schema` and `tandem backfill` first' });
    }
    const [sourcePartitioner, targetPartitioner] = await Promise.all([partitionerOf(source), partitionerOf(target)]);
    if (sourcePartitioner !== targetPartitioner) {
      throw new ConfigError(`the source uses ${sourcePartitioner} and the target ${targetPartitioner}: their token ranges do not hold the same rows`, {
        hint: 'Range comparison needs one partitioner on both sides',
      });
    }
    const planner = new TokenRangePlanner(partitionerFromClassName(sourcePartitioner));
    const tokens = await ringTokens(source);
    const planned = planner.plan(tokens, options.splits);
    const ranges = options.samplePercent >= 100 ? planned : planned.filter(() => Math.random() * 100 < options.samplePercent);
    const withWritetime = options.compare === 'values+writetime';
    const minTimestampUs = config.target.profile === 'keyspaces' ? keyspacesTimestampFloorUs(Date.now()) : undefined;
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

    /** The difference as it stands now, or undefined when the two sides agree. */
    const recheck = async (key: ReadonlyMap<string, unknown>): Promise<Omit<RowDifference, 'token'> | undefined> => {
      const [s, t] = await Promise.all([readRow(source, table, key, withWritetime, readerOptions), readRow(target, table, key, withWritetime, readerOptions)]);
      if (!s && !t) return undefined;
      if (!t) return { kind: 'missing', key, columns: [] };
      if (!s) return { kind: 'extra', key, columns: [] };
      const columns = diffRow(table, s, t, { compare: options.compare, includeStatic: true, ...(minTimestampUs === undefined ? {} : { minTimestampUs }) });
      return columns.length === 0 ? undefined : { kind: 'mismatched', key, columns };
    };

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
      await repairRow(source, writer, table, now.key, readerOptions, minTimestampUs);
      const after = await recheck(now.key);
      if (!after) repair.fixed += 1;
      else if (repair.notFixed.length < options.maxExamples) repair.notFixed.push(describe(table, after));
    };

    const compareRange = async (range: TokenRange) => {
      const where = planner.where(
        table.partitionKey.map((c) => c.name),
        range,
      );
      const differences = mergeCompare(table, scanRange(source, table, where, withWritetime, readerOptions), scanRange(target, table, where, withWritetime, readerOptions), {
        compare: options.compare,
        signal,
        ...(minTimestampUs === undefined ? {} : { minTimestampUs }),
      });
      for (;;) {
        const step = await differences.next();
        if (step.done) {
          totals.sourceRows += step.value.sourceRows;
          totals.targetRows += step.value.targetRows;
          totals.matched += step.value.matched;
          break;
        }
        await handle(step.value);
      }
      totals.rangesDone += 1;
      options.onProgress?.({ rangesDone: totals.rangesDone, rangesTotal: ranges.length, rowsCompared: totals.sourceRows });
    };

    let next = 0;
    const lane = async () => {
      while (next < ranges.length && !signal.aborted) await compareRange(ranges[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, ranges.length) }, lane));
    signal.throwIfAborted();

    const seconds = (Date.now() - began) / 1000;
    const remaining = writer ? { ...counts, missing: counts.missing, mismatched: counts.mismatched } : counts;
    return {
      table: `${keyspace}.${tableName}`,
      compare: options.compare,
      rangesTotal: planned.length,
      rangesCompared: totals.rangesDone,
      sourceRows: totals.sourceRows,
      targetRows: totals.targetRows,
      matched: totals.matched,
      differences: remaining,
      changedWhileCompared: totals.changed,
      examples,
      ...(writer ? { repair } : {}),
      seconds,
      rowsPerSecond: seconds > 0 ? Math.max(totals.sourceRows, totals.targetRows) / seconds : 0,
      clean: counts.missing + counts.extra + counts.mismatched === 0,
    };
  } finally {
    await Promise.all([source.shutdown(), target.shutdown()]).catch(() => undefined);
  }
}

/** Writes the source's current version of a row to the target, each cell with its own write time and TTL. */
async function repairRow(
  source: cassandra.Client,
  writer: BackfillWriter,
  table: TableSchema,
  key: ReadonlyMap<string, unknown>,
  readerOptions: RowReaderOptions,
  minTimestampUs: bigint | undefined,
): Promise<void> {
  const read = await readSourceCells(source, table, key, readerOptions);
  if (!read) return; // deleted on the source since: the pipeline carries that delete to the target
  await writer.writeGroup(1, (nowMs) => [
    {
      key: formatPrimaryKey(table, key),
      writes: cellWrites(table, read.row, {
        readAtMs: read.readAtMs,
        nowMs,
        includeStatic: true,
        // A row with only its key has no readable write time; the read time is the latest it can have.
        keyOnlyRowTimestampUs: BigInt(read.readAtMs) * 1000n,
        ...(minTimestampUs === undefined ? {} : { minTimestampUs }),
      }),
    },
  ]);
}

function describe(table: TableSchema, difference: Omit<RowDifference, 'token'>): DifferenceExample {
  return {
    kind: difference.kind,
    key: formatPrimaryKey(table, difference.key),
    columns: difference.columns.map((c) => ({ column: c.column, kind: c.kind, source: formatCqlValue(c.source), target: formatCqlValue(c.target) })),
  };
}

async function partitionerOf(client: cassandra.Client): Promise<string> {
  return String((await client.execute('SELECT partitioner FROM system.local')).first()?.['partitioner']);
}

async function ringTokens(client: cassandra.Client): Promise<bigint[]> {
  const local = (await client.execute('SELECT tokens FROM system.local')).first();
  const peers = await client.execute('SELECT tokens FROM system.peers');
  return [local, ...peers.rows].flatMap((row) => [...((row?.['tokens'] as Set<string> | string[] | null) ?? [])]).map((t) => BigInt(t));
}
