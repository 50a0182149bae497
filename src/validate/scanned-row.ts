import type { ColumnSchema, TableSchema } from '../cql/index.js';
import type { Ttls, WriteTimes } from '../cells/index.js';

/**
 * One row of a validation scan, from either cluster:
 * `SELECT token(pk...), pk..., ck..., cols..., WRITETIME(c)... WHERE token(pk) > ? AND token(pk) <= ?`.
 */
export interface ScannedRow {
  /** token(pk): a signed 64-bit value for Murmur3Partitioner, 0..2^127 for RandomPartitioner. */
  readonly token: bigint;
  /** Every selected column's value as the driver decodes it; null (or absent) is no live cell. */
  readonly values: ReadonlyMap<string, unknown>;
  /** WRITETIME of the static and regular columns; absent when not selected. */
  readonly writetimes: ReadonlyMap<string, WriteTimes>;
  /** TTL of the static and regular columns, selected with the write times; absent when not selected. */
  readonly ttls?: ReadonlyMap<string, Ttls>;
  /** When the read that returned the row was sent (ms since the epoch): TTLs count down from about then. */
  readonly readAtMs?: number;
  /** When its answer came: the server counted the TTLs down to a moment between the two. */
  readonly answeredAtMs?: number;
}

/** The partition key and clustering column values of a row, in key order. */
export function primaryKeyOf(table: TableSchema, row: ScannedRow): ReadonlyMap<string, unknown> {
  return keyOf([...table.partitionKey, ...table.clustering], row);
}

/** The partition key column values of a row. */
export function partitionKeyValues(table: TableSchema, row: ScannedRow): ReadonlyMap<string, unknown> {
  return keyOf(table.partitionKey, row);
}

/**
 * Whether the row is a partition's static row alone: a partition with static values but no
 * clustering rows reads as one row whose clustering columns are null.
 */
export function isStaticOnlyRow(table: TableSchema, row: ScannedRow): boolean {
  return table.clustering.some((c) => row.values.get(c.name) == null);
}

function keyOf(columns: readonly ColumnSchema[], row: ScannedRow): ReadonlyMap<string, unknown> {
  return new Map(columns.map((c) => [c.name, row.values.get(c.name) ?? null]));
}
