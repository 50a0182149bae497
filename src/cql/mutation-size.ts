import { isMultiCell, type CqlType } from './cql-type.js';
import type { ColumnSchema, TableSchema } from './table-schema.js';
import { entries, estimateValueSize, iterate, sum } from './row-size.js';

/**
 * Bytes Cassandra 5.0 counts for one partition's update whatever it holds (PartitionUpdate.dataSize):
 * the empty static row (liveness timestamp 8, row deletion 12 + 1) and the partition deletion's timestamp (8).
 */
const partitionBytes = 29;
/** A row's liveness timestamp (8) and its deletion (12 + 1). */
const rowBytes = 21;
/** An expiring row's liveness adds its TTL (4) and expiration time (8). */
const expiringRowBytes = 12;
/** Each cell's timestamp (8), TTL (4) and local deletion time (8), counted whether set or not. */
const cellBytes = 20;
/** A non-frozen collection or UDT written whole carries a deletion of what it held before. */
const complexDeletionBytes = 12;
/** A list element's cell path: its timeuuid. */
const listPathBytes = 16;
/** A non-frozen UDT field's cell path: the field's index as a short. */
const udtFieldPathBytes = 2;

/**
 * What one row's write weighs as Cassandra measures a batch against `batch_size_warn_threshold`
 * (5 KiB by default: past it every batch logs a warning on the server) and
 * `batch_size_fail_threshold` (50 KiB: past it the batch is refused). That is the data size of
 * its partition update, which counts each cell's timestamp, TTL and deletion time beside its
 * value, the clustering values, and neither the partition key nor column names. The sum over a
 * batch's rows is the batch's size as Cassandra logs it (`BatchStatement.verifyBatchSize`);
 * rows of one partition share one partition's overhead, so for them this is a little over.
 *
 * `values`: column name → value; `undefined` is not written, `null` writes a tombstone.
 *
 * @example
 *   // PRIMARY KEY (id), sent_ms bigint, payload text of 100 bytes: Cassandra logs 30 such rows as 5.801 KiB
 *   mutationDataSize(probe, new Map([['id', 'r1'], ['sent_ms', 1n], ['payload', 'x'.repeat(100)]]), false) // 198
 */
export function mutationDataSize(table: TableSchema, values: ReadonlyMap<string, unknown>, expiring: boolean): number {
  const columns = columnsByName(table);
  let size = partitionBytes + rowBytes + (expiring ? expiringRowBytes : 0);
  for (const [name, value] of values) {
    if (value === undefined) continue;
    const column = columns.get(name);
    if (!column || column.kind === 'partition_key') continue;
    if (column.kind === 'clustering') size += encodedSize(value, column.type);
    else size += cellsSize(value, column.type);
  }
  return size;
}

/** What deleting one row (or a partition) weighs: the overheads, and the clustering values that name the row. */
export function deletionDataSize(table: TableSchema, key: ReadonlyMap<string, unknown>): number {
  let size = partitionBytes + rowBytes;
  for (const column of table.clustering) size += encodedSize(key.get(column.name), column.type);
  return size;
}

const byName = new WeakMap<TableSchema, ReadonlyMap<string, ColumnSchema>>();

function columnsByName(table: TableSchema): ReadonlyMap<string, ColumnSchema> {
  let columns = byName.get(table);
  if (!columns) byName.set(table, (columns = new Map(table.columns.map((c) => [c.name, c]))));
  return columns;
}

/** A regular or static column's cells: one for a simple or frozen value, one per element otherwise. */
function cellsSize(value: unknown, type: CqlType): number {
  if (value === null) return isMultiCell(type) ? complexDeletionBytes : cellBytes;
  switch (type.kind) {
    case 'list':
      if (type.frozen) break;
      return complexDeletionBytes + sum(iterate(value), (element) => cellBytes + listPathBytes + encodedSize(element, type.element));
    case 'set':
      if (type.frozen) break;
      return complexDeletionBytes + sum(iterate(value), (element) => cellBytes + encodedSize(element, type.element));
    case 'map':
      if (type.frozen) break;
      return complexDeletionBytes + sum(entries(value), ([key, item]) => cellBytes + encodedSize(key, type.key) + encodedSize(item, type.value));
    case 'udt': {
      if (type.frozen) break;
      const fields = (value ?? {}) as Record<string, unknown>;
      return complexDeletionBytes + sum(type.fields, (field) => cellBytes + udtFieldPathBytes + encodedSize(fields[field.name], field.type));
    }
    default:
      break;
  }
  return cellBytes + encodedSize(value, type);
}

/**
 * A value's serialized bytes: the raw size, plus the length prefixes a frozen collection, tuple
 * or UDT carries (4 bytes for the count and 4 per element, key and value).
 */
function encodedSize(value: unknown, type: CqlType): number {
  if (value === null || value === undefined) return 0;
  switch (type.kind) {
    case 'list':
    case 'set':
      return 4 + sum(iterate(value), (element) => 4 + encodedSize(element, type.element));
    case 'map':
      return 4 + sum(entries(value), ([key, item]) => 8 + encodedSize(key, type.key) + encodedSize(item, type.value));
    case 'tuple':
    case 'udt':
      return estimateValueSize(value, type) + 4 * (type.kind === 'tuple' ? type.elements.length : type.fields.length);
    default:
      return estimateValueSize(value, type);
  }
}
