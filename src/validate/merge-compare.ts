import type { ColumnSchema, TableSchema } from '../cql/index.js';
import { ScanOrderError } from '../errors.js';
import { compareClustering, comparePartitions, compareRowKeys } from './cql-order.js';
import { formatPrimaryKey } from './format-primary-key.js';
import { diffColumns, diffRow, type ColumnDifference, type CompareMode } from './row-diff.js';
import { isStaticOnlyRow, partitionKeyValues, primaryKeyOf, type ScannedRow } from './scanned-row.js';

/** A row that is not the same on both clusters. */
export interface RowDifference {
  /** missing: on the source only; extra: on the target only; mismatched: on both, with different columns. */
  readonly kind: 'missing' | 'extra' | 'mismatched';
  /**
   * Primary key column values; only the partition key for a difference in static columns found
   * between two rows of the partition that did not pair up.
   */
  readonly key: ReadonlyMap<string, unknown>;
  readonly token: bigint;
  /** The columns that differ (mismatched only; empty for missing and extra rows). */
  readonly columns: readonly ColumnDifference[];
  readonly source?: ScannedRow;
  readonly target?: ScannedRow;
}

/** Running totals of a merge-compare; the last one passed to `onProgress` is also the generator's return value. */
export interface MergeTotals {
  sourceRows: number;
  targetRows: number;
  /** Row pairs found equal. */
  matched: number;
  missing: number;
  extra: number;
  /** Row pairs (or partitions' static columns) found different. */
  mismatched: number;
}

export interface MergeCompareOptions {
  readonly compare: CompareMode;
  /** See RowDiffOptions.minTimestampUs: lets write times the backfill raised to the Keyspaces floor match. */
  readonly minTimestampUs?: bigint;
  /** Called with a snapshot of the totals after each step (one row, or a pair of rows, consumed). */
  readonly onProgress?: (totals: Readonly<MergeTotals>) => void;
  /** Stops the comparison between two steps; the generator then throws the signal's reason. */
  readonly signal?: AbortSignal;
}

export { ScanOrderError };

/**
 * Compares two scans of one token range, each in Cassandra's order (see compareRowKeys), in one
 * pass: memory holds the current and previous row of each stream, whatever the range's size.
 * Yields one RowDifference per row that is missing on the target, extra on the target, or
 * mismatched; progress goes to `onProgress`, and the final totals are the generator's return value.
 *
 * Static columns are compared once per partition present on both sides: with the first pair of
 * rows that match, or if the first rows met differ, between those. A partition's static-only row
 * (null clustering columns) stands for the partition's statics, so it is not reported missing or
 * extra when the other side has clustering rows in that partition.
 *
 * Throws ScanOrderError when a stream goes backwards: both sides must use the same partitioner.
 *
 * @example
 *   for await (const difference of mergeCompare(table, sourceRows, targetRows, { compare: 'values', onProgress })) {
 *     report(difference.kind, formatPrimaryKey(table, difference.key));
 *   }
 */
export async function* mergeCompare(
  table: TableSchema,
  source: AsyncIterable<ScannedRow>,
  target: AsyncIterable<ScannedRow>,
  options: MergeCompareOptions,
): AsyncGenerator<RowDifference, MergeTotals, undefined> {
  const totals: MergeTotals = { sourceRows: 0, targetRows: 0, matched: 0, missing: 0, extra: 0, mismatched: 0 };
  const sourceCursor = new ScanCursor(table, source, 'source');
  const targetCursor = new ScanCursor(table, target, 'target');
  const pairs = new PairComparer(table, options);
  try {
    let [s, t] = await Promise.all([sourceCursor.next(), targetCursor.next()]);
    while (s || t) {
      options.signal?.throwIfAborted();
      const step: Step = s && t ? pairs.compare(s, t) : s ? missing(table, s) : extra(table, t!);
      for (const difference of step.differences) {
        totals[difference.kind] += 1;
        yield difference;
      }
      if (step.matched) totals.matched += 1;
      if (step.order <= 0) totals.sourceRows += 1;
      if (step.order >= 0) totals.targetRows += 1;
      options.onProgress?.({ ...totals });
      [s, t] = await Promise.all([step.order <= 0 ? sourceCursor.next() : s, step.order >= 0 ? targetCursor.next() : t]);
    }
  } finally {
    await Promise.all([sourceCursor.close(), targetCursor.close()]);
  }
  return totals;
}

/** What one step of the merge found; `order` says which side's row it consumed (-1 source, 1 target, 0 both). */
interface Step {
  readonly order: number;
  readonly matched: boolean;
  readonly differences: readonly RowDifference[];
}

function missing(table: TableSchema, row: ScannedRow): Step {
  return { order: -1, matched: false, differences: [{ kind: 'missing', key: primaryKeyOf(table, row), token: row.token, columns: [], source: row }] };
}

function extra(table: TableSchema, row: ScannedRow): Step {
  return { order: 1, matched: false, differences: [{ kind: 'extra', key: primaryKeyOf(table, row), token: row.token, columns: [], target: row }] };
}

/** Compares the current rows of both sides, remembering which partition's static columns it compared last. */
class PairComparer {
  private readonly staticColumns: readonly ColumnSchema[];
  private staticsComparedIn: ScannedRow | undefined;

  constructor(
    private readonly table: TableSchema,
    private readonly options: MergeCompareOptions,
  ) {
    this.staticColumns = table.columns.filter((c) => c.kind === 'static');
  }

  compare(s: ScannedRow, t: ScannedRow): Step {
    const { table, options } = this;
    const partitionOrder = comparePartitions(table, s, t);
    if (partitionOrder !== 0) return partitionOrder < 0 ? missing(table, s) : extra(table, t);

    const includeStatic = this.staticColumns.length > 0 && !(this.staticsComparedIn && comparePartitions(table, this.staticsComparedIn, s) === 0);
    if (includeStatic) this.staticsComparedIn = s;
    const order = compareClustering(table, s, t);
    const diffOptions = { compare: options.compare, includeStatic, minTimestampUs: options.minTimestampUs };
    if (order === 0) {
      const columns = diffRow(table, s, t, diffOptions);
      if (columns.length === 0) return { order, matched: true, differences: [] };
      return { order, matched: false, differences: [{ kind: 'mismatched', key: primaryKeyOf(table, s), token: s.token, columns, source: s, target: t }] };
    }

    // The partition is on both sides but these rows differ: its statics are compared between them.
    const differences: RowDifference[] = [];
    const staticDifferences = includeStatic ? diffColumns(this.staticColumns, s, t, diffOptions) : [];
    if (staticDifferences.length > 0) {
      differences.push({ kind: 'mismatched', key: partitionKeyValues(table, s), token: s.token, columns: staticDifferences, source: s, target: t });
    }
    // A static-only row stands for the partition's statics, just compared; the other side has rows.
    if (!isStaticOnlyRow(table, order < 0 ? s : t)) differences.push(...(order < 0 ? missing(table, s) : extra(table, t)).differences);
    return { order, matched: false, differences };
  }
}

/** One stream's iterator, checked to be in scan order, closed when the comparison stops early. */
class ScanCursor {
  private readonly iterator: AsyncIterator<ScannedRow>;
  private previous: ScannedRow | undefined;
  private done = false;

  constructor(
    private readonly table: TableSchema,
    rows: AsyncIterable<ScannedRow>,
    private readonly side: 'source' | 'target',
  ) {
    this.iterator = rows[Symbol.asyncIterator]();
  }

  async next(): Promise<ScannedRow | undefined> {
    if (this.done) return undefined;
    const result = await this.iterator.next();
    if (result.done) {
      this.done = true;
      return undefined;
    }
    const row = result.value;
    if (this.previous && compareRowKeys(this.table, this.previous, row) >= 0) {
      throw new ScanOrderError(
        `${this.side} rows of ${this.table.keyspace}.${this.table.table} are out of scan order: ${formatPrimaryKey(this.table, primaryKeyOf(this.table, row))} ` +
          `(token ${row.token}) came after ${formatPrimaryKey(this.table, primaryKeyOf(this.table, this.previous))} (token ${this.previous.token}); both clusters must use the same partitioner`,
      );
    }
    this.previous = row;
    return row;
  }

  /** Ends the underlying scan (e.g. the driver's paging) when the comparison stopped before its end. */
  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.iterator.return?.();
  }
}
