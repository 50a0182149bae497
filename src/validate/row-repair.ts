import cassandra from 'cassandra-driver';
import {
  type CellWriter,
  cellWrites,
  columnsBelowFloor,
  describeFloorConflicts,
  type FloorConflict,
  floorConflicts,
  listKeyColumns,
  type ListWriteTimesReader,
  nonFrozenLists,
  type SourceRow,
  type TargetCellReader,
  writesListElements,
} from '../cells/index.js';
import { classifyCqlError, quoteIdentifier, retryTransient, type TableSchema } from '../cql/index.js';
import { RecordRejectedError } from '../errors.js';
import { formatPrimaryKey } from './format-primary-key.js';
import { readRow, readSourceCells, type RowReaderOptions } from './row-reader.js';
import type { ScannedRow } from './scanned-row.js';

/** A key without its clustering values: it stands for a partition's static cells. */
export function isStaticKey(table: TableSchema, key: ReadonlyMap<string, unknown>): boolean {
  return table.clustering.some((c) => !key.has(c.name) || key.get(c.name) === null);
}

/**
 * Deletes a row the target holds and the source does not, timed at the newest write time among
 * the cells it holds: the oldest timestamp that still removes all of them. A later write of the
 * same row (a dual write still on its way, a replay) carries a newer timestamp and survives,
 * where a delete timed "now" would hide it. A row whose write time cannot be read (key columns
 * only) is left alone. The reason when it is not deleted, undefined when it is (or is gone).
 */
export async function deleteExtraRow(target: cassandra.Client, table: TableSchema, key: ReadonlyMap<string, unknown>, readerOptions: RowReaderOptions): Promise<Refusal | undefined> {
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
export interface Refusal {
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

/** What repairing a row needs besides its key. */
export interface RepairContext {
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

/**
 * Writes the source's current version of a row to the target, each cell with its own write time
 * and TTL; the reason when it cannot, undefined when written (or gone from the source since: the
 * pipeline carries that delete to the target).
 */
export async function repairRow(context: RepairContext, key: ReadonlyMap<string, unknown>): Promise<Refusal | undefined> {
  const { source, writer, targetLists, table, readerOptions, floor, dualWritesSinceMs } = context;
  const read = await readSourceCells(source, table, key, readerOptions);
  if (!read) return undefined;
  const keyOnly = !table.clustering.some((c) => read.row.values.get(c.name) == null) && table.columns.every((c) => c.kind !== 'regular' || read.row.values.get(c.name) == null);
  if (keyOnly && dualWritesSinceMs === undefined) {
    // Its row marker's write time cannot be read; a guess newer than a delete still on its way would revive the row.
    return { reason: 'the row has only key columns, whose write time cannot be read: pass --dual-writes-since to repair it', newerOnTarget: true };
  }
  const name = formatPrimaryKey(table, key);
  // A list the target holds at the source's write time is not written again (cells/list-write-times.ts).
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
