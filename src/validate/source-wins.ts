import { type ColumnSchema, cqlValuesEqual, isMultiCell, quoteIdentifier, type TableSchema } from '../cql/index.js';
import { type CellWrite, cellWrites, type SourceRow, type WriteTimes } from '../cells/index.js';
import type { ScannedRow } from './scanned-row.js';

/**
 * `validate --repair --source-wins`: the opt-in way to make the target match the source for a row
 * whose target copy holds a newer value or delete than the source (hand damage on the target, a
 * stray write), which the default repair honestly refuses to overwrite. The source's version is
 * written at one timestamp above everything the target holds, so it wins by Cassandra's own rule.
 *
 * A delete leaves no write time CQL can read: where the target lacks a cell, an element or the
 * whole row that the source has (or holds a row the source lacks, whose row marker's time is
 * unreadable), the timestamp is also above now. That is why source-wins runs only once the sinks
 * have written everything Kafka held (defect 2 of issue 20): a dual write stamped before that
 * timestamp and applied after it would lose to it on the target.
 */
export interface SourceWinsWrite {
  /** The timestamp every statement carries. */
  readonly timestampUs: bigint;
  readonly writes: readonly CellWrite[];
}

export interface SourceWinsInput {
  readonly table: TableSchema;
  /** The source row with every cell's WRITETIME and TTL; undefined when the source has no such row. */
  readonly source: { readonly row: SourceRow; readonly readAtMs: number } | undefined;
  /** The target row with WRITETIMEs; undefined when the target has no such row. */
  readonly target: ScannedRow | undefined;
  /** Only the partition's static cells are compared and written (a difference keyed by the partition key alone). */
  readonly staticOnly: boolean;
  readonly nowMs: number;
}

/**
 * The statements that make the target's copy of one row equal the source's, at a timestamp above
 * what either side holds: every live source cell with its remaining TTL (cellWrites with every
 * write time raised to that timestamp), and a delete of the columns only the target holds, or of
 * the whole row (its static part, for `staticOnly`) when the source has none.
 */
export function sourceWinsWrites(input: SourceWinsInput): SourceWinsWrite {
  const { table, source, target, staticOnly, nowMs } = input;
  const columns = table.columns.filter((c) => (staticOnly ? c.kind === 'static' : c.kind === 'regular' || c.kind === 'static'));
  const timestampUs = sourceWinsTimestampUs(columns, source?.row, target, BigInt(nowMs) * 1000n);
  const keyColumns = staticOnly ? table.partitionKey : [...table.partitionKey, ...table.clustering];
  if (!source) {
    const keyValues = keyColumns.map((c) => target!.values.get(c.name));
    return { timestampUs, writes: [deleteWrite(table, keyColumns, staticOnly ? columns : [], keyValues, timestampUs)] };
  }
  const row = staticOnly ? withoutClustering(table, source.row) : source.row;
  const writes = cellWrites(table, row, {
    readAtMs: source.readAtMs,
    nowMs,
    includeStatic: true,
    keyOnlyRowTimestampUs: timestampUs,
    minTimestampUs: timestampUs,
  });
  const onlyOnTarget = target ? columns.filter((c) => row.values.get(c.name) == null && target.values.get(c.name) != null) : [];
  if (onlyOnTarget.length > 0) {
    const keyValues = keyColumns.map((c) => row.values.get(c.name));
    writes.push(deleteWrite(table, keyColumns, onlyOnTarget, keyValues, timestampUs));
  }
  return { timestampUs, writes };
}

/**
 * One above the newest write time of the given columns on either side, and above `nowUs` when the
 * target may hold a delete newer than anything readable: the row missing or extra on the target,
 * or a column whose source value the target lacks wholly or partly (a null, or a collection or
 * UDT whose elements differ).
 */
export function sourceWinsTimestampUs(columns: readonly ColumnSchema[], source: SourceRow | undefined, target: ScannedRow | undefined, nowUs: bigint): bigint {
  let newest = 0n;
  const consider = (times: WriteTimes | undefined) => {
    for (const t of Array.isArray(times) ? times : [times]) if (t != null && BigInt(t) > newest) newest = BigInt(t);
  };
  for (const column of columns) {
    consider(source?.writetimes.get(column.name));
    consider(target?.writetimes.get(column.name));
  }
  const above = newest + 1n;
  const mayHideDelete =
    !source ||
    !target ||
    columns.some((c) => {
      const [s, t] = [source.values.get(c.name) ?? null, target.values.get(c.name) ?? null];
      return s !== null && !cqlValuesEqual(s, t) && (t === null || isMultiCell(c.type));
    });
  return mayHideDelete && nowUs >= above ? nowUs + 1n : above;
}

function deleteWrite(table: TableSchema, keyColumns: readonly ColumnSchema[], columns: readonly ColumnSchema[], keyValues: readonly unknown[], timestampUs: bigint): CellWrite {
  const deleted = columns.length > 0 ? `${columns.map((c) => quoteIdentifier(c.name)).join(', ')} ` : '';
  const cql =
    `DELETE ${deleted}FROM ${quoteIdentifier(table.keyspace)}.${quoteIdentifier(table.table)} USING TIMESTAMP ? WHERE ` +
    keyColumns.map((c) => `${quoteIdentifier(c.name)} = ?`).join(' AND ');
  return { cql, params: [timestampUs, ...keyValues] };
}

/** The row with its clustering columns cleared: cellWrites then writes its partition's static cells only. */
function withoutClustering(table: TableSchema, row: SourceRow): SourceRow {
  const values = new Map(row.values);
  for (const c of table.clustering) values.set(c.name, null);
  return { ...row, values };
}
