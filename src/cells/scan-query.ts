import { keyIdentity, positionalSelectors, quoteIdentifier, type TableSchema, type TokenRangeWhere } from '../cql/index.js';
import type { SourceRow, Ttls, WriteTimes } from './cell-writes.js';

/** The columns whose write time and TTL a scan reads: CQL has neither for primary key columns. */
export function cellColumns(table: TableSchema): TableSchema['columns'] {
  return table.columns.filter((c) => c.kind === 'static' || c.kind === 'regular');
}

/**
 * The SELECT that reads one token range with every cell's WRITETIME and TTL, in the order
 * `rowFromValues` expects: every column, then WRITETIME and TTL of each static and regular column.
 * Every selector is read by position (`positionalSelectors`), so no column name can collide with another.
 *
 * @example
 *   scanCql(userActivity, planner.where(['user_id'], range))
 *   // SELECT "user_id", "activity_time", "activity_details", "activity_type", WRITETIME("activity_details"), ...
 *   //   FROM "ks"."user_activity" WHERE token("user_id") > ? AND token("user_id") <= ?
 */
export function scanCql(table: TableSchema, where: TokenRangeWhere): string {
  const cells = cellColumns(table);
  const selected = [
    ...table.columns.map((c) => quoteIdentifier(c.name)),
    ...cells.map((c) => `WRITETIME(${quoteIdentifier(c.name)})`),
    ...cells.map((c) => `TTL(${quoteIdentifier(c.name)})`),
  ];
  return `SELECT ${positionalSelectors(selected)} FROM ${quoteIdentifier(table.keyspace)}.${quoteIdentifier(table.table)} WHERE ${where.cql}`;
}

/** How many values a row read by `scanCql` holds. */
export function scanWidth(table: TableSchema): number {
  return table.columns.length + 2 * cellColumns(table).length;
}

/** A scanned row, from its values in `scanCql`'s column order. */
export function rowFromValues(table: TableSchema, values: readonly unknown[]): SourceRow {
  const cells = cellColumns(table);
  const byName = new Map<string, unknown>();
  table.columns.forEach((c, i) => byName.set(c.name, values[i] ?? null));
  const writetimes = new Map<string, WriteTimes>();
  const ttls = new Map<string, Ttls>();
  const base = table.columns.length;
  cells.forEach((c, i) => {
    writetimes.set(c.name, (values[base + i] ?? null) as WriteTimes);
    ttls.set(c.name, (values[base + cells.length + i] ?? null) as Ttls);
  });
  return { values: byName, writetimes, ttls };
}

/**
 * A string equal for two rows exactly when they share a partition. Used to tell the first row of
 * each partition (which carries its static cells) and to keep a batch within one partition.
 */
export function partitionIdentity(table: TableSchema, row: SourceRow): string {
  return keyIdentity(table.partitionKey, row.values);
}
