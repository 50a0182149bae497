import type cassandra from 'cassandra-driver';
import { keyspacesLimits, measureRow, mutationDataSize, positionalValues, rangeReadOptions, type TableSchema, type TokenRange, type TokenRangePlanner } from '../cql/index.js';
import {
  Aborted,
  type CellWriteOptions,
  type CellWriter,
  cellWrites,
  columnsBelowFloor,
  describeFloorConflicts,
  floorConflicts,
  listKeyColumns,
  type ListWriteTimes,
  type ListWriteTimesReader,
  nonFrozenLists,
  partitionIdentity,
  rowFromValues,
  type RowRejection,
  type RowWrites,
  scanCql,
  scanWidth,
  type SourceRow,
  type TargetCellReader,
  writesListElements,
} from '../cells/index.js';
import { RecordRejectedError } from '../errors.js';
import { retryRangeRead, type RangeSlot } from '../jobs/index.js';
import { groupRows, type GroupableRow, type RowGroupLimits } from './row-groups.js';

export interface RangeCopyOptions {
  readonly source: cassandra.Client;
  readonly table: TableSchema;
  readonly planner: TokenRangePlanner;
  readonly writer: CellWriter;
  readonly pageSize: number;
  /** What each range is read at (LOCAL_QUORUM or LOCAL_ONE), from a replica of it. */
  readonly readConsistency: number;
  readonly groups: RowGroupLimits;
  /** Refuse rows over Amazon Keyspaces' 1 MB before sending them. */
  readonly rowLimitBytes?: number | undefined;
  /** Per-copy settings of cellWrites; `minTimestampUs` is asked for each page, as the Keyspaces floor moves with time. */
  readonly cells: () => Pick<CellWriteOptions, 'keyOnlyRowTimestampUs' | 'minTimestampUs' | 'explicitZeroTtl'>;
  readonly signal: AbortSignal;
  /** Reads the target's list element write times, so a row copied again does not double its lists; absent: lists unguarded. */
  readonly targetLists?: ListWriteTimesReader | undefined;
  /** Reads the target's cells before old source cells are raised to `minTimestampUs`; needed when that is set. */
  readonly targetCells?: TargetCellReader | undefined;
  /** Told of each read that failed and will be retried. */
  readonly onReadRetry?: (reason: string, attempt: number) => void;
  /** Given up while every replica of the range is down, so other ranges go on; taken again before writing. */
  readonly slot?: RangeSlot | undefined;
  /** Told of rows as their writes finish, for progress. */
  readonly onRows?: (rows: number) => void;
}

export interface RangeCopyResult {
  readonly rowsRead: number;
  readonly rowsWritten: number;
  readonly rowsRejected: number;
  /** The first few refused rows; a table the target refuses whole must not fill memory with them. */
  readonly rejections: readonly RowRejection[];
}

const rejectionsKept = 20;

/** One statement group to write: a scanned row, or the static cells of the partition it opens. */
interface CopyItem {
  readonly source: SourceRow;
  readonly includeStatic: boolean;
  /** False for a partition's static cells, which are not a row of their own. */
  readonly isRow: boolean;
  readonly key: () => string;
}

/**
 * Copies one token range: pages through the source with every cell's WRITETIME and TTL and writes
 * each page's rows cell-faithfully to the target while the next page is being read. A partition
 * lies in one range, so the first row of each partition seen here is the one that carries its
 * static cells. Rows the target refuses are returned, not thrown; a source that fails is read again
 * from the same page after a backoff.
 */
export async function copyRange(options: RangeCopyOptions, range: TokenRange): Promise<RangeCopyResult> {
  const { table, signal } = options;
  const where = options.planner.where(
    table.partitionKey.map((c) => c.name),
    range,
  );
  const cql = scanCql(table, where);
  const readOptions = rangeReadOptions(options.source, table.keyspace, range, options.readConsistency);
  const hasStatic = table.columns.some((c) => c.kind === 'static');
  let rowsRead = 0;
  let rowsWritten = 0;
  const rejections: RowRejection[] = [];
  let rowsRejected = 0;
  const reject = (rejection: RowRejection) => {
    rowsRejected += 1;
    if (rejections.length < rejectionsKept) rejections.push(rejection);
  };
  let lastPartition: string | undefined;

  let page = readPage(options, cql, where.params, readOptions, undefined);
  for (;;) {
    const { result, readAtMs } = await page;
    const next = result.pageState ? readPage(options, cql, where.params, readOptions, result.pageState) : undefined;
    // An unawaited read that fails after an abort must not surface as an unhandled rejection.
    next?.catch(() => undefined);

    const rows: GroupableRow<CopyItem>[] = [];
    const width = scanWidth(table);
    for (const raw of result.rows) {
      const source = rowFromValues(table, positionalValues(raw, width));
      const partition = partitionIdentity(table, source);
      const measure = measureRow(
        table,
        table.columns.map((c) => source.values.get(c.name)),
      );
      const key = () => describeKey(table, source);
      if (partition !== lastPartition && hasStatic) {
        // The partition's static cells travel on their own, so a refused row cannot take them along.
        rows.push({ row: { source: staticPartOf(table, source), includeStatic: true, isRow: false, key }, partition, bytes: batchBytes(table, source, 'static') });
      }
      lastPartition = partition;
      if (options.rowLimitBytes !== undefined && measure.rowBytes > options.rowLimitBytes) {
        reject({ key: key(), reason: `the row is about ${measure.rowBytes} bytes; Amazon Keyspaces stores at most ${keyspacesLimits.maxRowBytes}` });
        continue;
      }
      rows.push({ row: { source, includeStatic: false, isRow: true, key }, partition, bytes: batchBytes(table, source, 'row') });
    }
    rowsRead += result.rows.length;

    const listTimes = await readTargetListTimes(options, rows.map((r) => r.row));
    const floorHeld = await readFloorConflicts(options, rows.map((r) => r.row));
    const groups = groupRows(rows, options.groups);
    const outcomes = await Promise.all(
      groups.map((group) => {
        const rejectedWhileBuilding = new Map<CopyItem, RowRejection>();
        const build = (nowMs: number): RowWrites[] => {
          const cells = options.cells();
          return group.map(({ row }) => {
            try {
              const skipColumns = floorHeld.get(row)?.columns;
              return { key: row.key, writes: cellWrites(table, row.source, { ...cells, readAtMs, nowMs, includeStatic: row.includeStatic, targetListWriteTimes: listTimes.get(row), skipColumns }) };
            } catch (error) {
              if (!(error instanceof RecordRejectedError)) throw error;
              rejectedWhileBuilding.set(row, { key: row.key(), reason: error.message });
              return { key: row.key, writes: [] };
            }
          });
        };
        return options.writer.writeGroup(group.length, build).then((refused) => {
          const failed = new Set([...rejectedWhileBuilding.keys(), ...refused.map((r) => group[r.index]!.row)]);
          const rejected = [...rejectedWhileBuilding.values(), ...refused.filter((r) => !rejectedWhileBuilding.has(group[r.index]!.row)).map(({ key, reason }) => ({ key, reason }))];
          // Copied but for the columns the target holds newer: reported, so the copy is not taken as whole.
          for (const { row } of group) {
            const held = floorHeld.get(row);
            if (!held || failed.has(row)) continue;
            failed.add(row);
            rejected.push({ key: row.key(), reason: held.reason });
          }
          const written = group.filter((g) => g.row.isRow && !failed.has(g.row)).length;
          rowsWritten += written;
          options.onRows?.(written);
          return rejected;
        });
      }),
    );
    for (const refused of outcomes) refused.forEach(reject);
    if (!next) break;
    if (signal.aborted) {
      throw new Aborted();
    }
    page = next;
  }
  return { rowsRead, rowsWritten, rowsRejected, rejections };
}

/** Target reads in flight at once per page: list tables pay one read per row, without flooding the target. */
const listReadsInFlight = 64;

/**
 * The target's list element write times of each item that writes a non-empty non-frozen list: a
 * row's regular lists, or a partition's static lists. A read that fails is retried like a page.
 */
async function readTargetListTimes(options: RangeCopyOptions, items: readonly CopyItem[]): Promise<ReadonlyMap<CopyItem, ListWriteTimes>> {
  const found = new Map<CopyItem, ListWriteTimes>();
  const reader = options.targetLists;
  const lists = nonFrozenLists(options.table);
  if (!reader || lists.length === 0) return found;
  const reads = items.flatMap((item) => {
    const columns = lists.filter((c) => (c.kind === 'static') === item.includeStatic && writesListElements(item.source.values.get(c.name)));
    return columns.length > 0 ? [{ item, columns }] : [];
  });
  for (let i = 0; i < reads.length; i += listReadsInFlight) {
    await Promise.all(
      reads.slice(i, i + listReadsInFlight).map(async ({ item, columns }) => {
        const keyValues = listKeyColumns(options.table, columns).map((c) => item.source.values.get(c.name));
        const times = await retried(options, () => reader.read(options.table, columns, keyValues));
        if (times) found.set(item, times);
      }),
    );
  }
  return found;
}

/**
 * Margin over the floor of the moment of this check: statements are built later, when the floor
 * has risen a little, so cells just above it now are checked too.
 */
const floorCheckMarginUs = 3_600_000_000n;

/**
 * For items with cells old enough to be raised to the target's timestamp floor: the columns the
 * target holds newer than them, which the copy leaves alone (floorConflicts), and why. One read
 * of the target per such item; nothing without a floor (any target but Amazon Keyspaces).
 */
async function readFloorConflicts(options: RangeCopyOptions, items: readonly CopyItem[]): Promise<ReadonlyMap<CopyItem, { columns: ReadonlySet<string>; reason: string }>> {
  const held = new Map<CopyItem, { columns: ReadonlySet<string>; reason: string }>();
  const floor = options.cells().minTimestampUs;
  const reader = options.targetCells;
  if (floor === undefined || !reader) return held;
  const { table } = options;
  const reads = items.flatMap((item) => {
    const names = new Set(columnsBelowFloor(table, item.source, floor + floorCheckMarginUs, item.includeStatic));
    return names.size > 0 ? [{ item, columns: table.columns.filter((c) => names.has(c.name)) }] : [];
  });
  for (let i = 0; i < reads.length; i += listReadsInFlight) {
    await Promise.all(
      reads.slice(i, i + listReadsInFlight).map(async ({ item, columns }) => {
        const staticOnly = table.clustering.some((c) => item.source.values.get(c.name) == null);
        const keyColumns = staticOnly ? table.partitionKey : [...table.partitionKey, ...table.clustering];
        const target = await retried(options, () => reader.read(table, columns, keyColumns, keyColumns.map((c) => item.source.values.get(c.name))));
        const conflicts = floorConflicts(item.source, columns.map((c) => c.name), target);
        if (conflicts.length > 0) held.set(item, { columns: new Set(conflicts.map((c) => c.column)), reason: describeFloorConflicts(conflicts) });
      }),
    );
  }
  return held;
}

/** Runs a read until it succeeds, retrying what may pass (timeouts, a node away) with backoff. */
function retried<T>(options: RangeCopyOptions, read: () => Promise<T>): Promise<T> {
  return retryRangeRead(read, { signal: options.signal, slot: options.slot, onRetry: options.onReadRetry, aborted: () => new Aborted() });
}

async function readPage(
  options: RangeCopyOptions,
  cql: string,
  params: readonly unknown[],
  readOptions: cassandra.QueryOptions,
  pageState: string | undefined,
): Promise<{ result: cassandra.types.ResultSet; readAtMs: number }> {
  return retried(options, async () => {
    // TTL is computed when the server starts the read, so the time the request leaves is the closer bound.
    const readAtMs = Date.now();
    const result = await options.source.execute(cql, [...params], { ...readOptions, fetchSize: options.pageSize, ...(pageState ? { pageState } : {}) });
    return { result, readAtMs };
  });
}


/**
 * What a copied row (or its partition's static part) weighs in a batch as Cassandra counts it
 * (mutation-size.ts): its live cells, counted as expiring, the larger, whether they are or not.
 */
function batchBytes(table: TableSchema, row: SourceRow, part: 'row' | 'static'): number {
  const written = new Map<string, unknown>();
  for (const column of table.columns) {
    const value = row.values.get(column.name);
    if (value === null || value === undefined || (column.kind === 'static') !== (part === 'static')) continue;
    written.set(column.name, value);
  }
  return mutationDataSize(table, written, true);
}

/** The row with its clustering columns cleared: cellWrites then writes its partition's static cells only. */
function staticPartOf(table: TableSchema, row: SourceRow): SourceRow {
  const values = new Map(row.values);
  for (const c of table.clustering) values.set(c.name, null);
  return { ...row, values };
}

/** The primary key of a row as `name=value, ...`, for reports. */
export function describeKey(table: TableSchema, row: SourceRow): string {
  return [...table.partitionKey, ...table.clustering]
    .map((c) => {
      const value = row.values.get(c.name);
      return `${c.name}=${value instanceof Date ? value.toISOString() : Buffer.isBuffer(value) ? `0x${value.toString('hex')}` : String(value)}`;
    })
    .join(', ');
}
