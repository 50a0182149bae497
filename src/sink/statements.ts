import { quoteIdentifier, type TableSchema } from '../cql/index.js';
import type { RowOperation } from '../records/index.js';

/** `"ks"."table"`, quoted so any name works. */
export function qualifiedName(table: TableSchema): string {
  return `${quoteIdentifier(table.keyspace)}.${quoteIdentifier(table.table)}`;
}

/**
 * One prepared INSERT per table (and TTL or not) naming every column: columns a record leaves out
 * are bound as unset, which writes nothing, so one statement serves every shape of record.
 */
export function insertCql(table: TableSchema, withTtl: boolean): string {
  const columns = table.columns.map((c) => quoteIdentifier(c.name));
  return `INSERT INTO ${qualifiedName(table)} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) USING TIMESTAMP ?${withTtl ? ' AND TTL ?' : ''}`;
}

export function deleteCql(table: TableSchema): string {
  const key = [...table.partitionKey, ...table.clustering].map((c) => `${quoteIdentifier(c.name)} = ?`);
  return `DELETE FROM ${qualifiedName(table)} USING TIMESTAMP ? WHERE ${key.join(' AND ')}`;
}

/**
 * The delete of an expired record's columns (RowOperation `expire`): cell tombstones at its
 * timestamp, no row marker touched. Static columns alone are named by the partition key alone, as
 * CQL requires.
 */
export function expireCql(table: TableSchema, columns: readonly string[]): string {
  const key = expireKeyColumns(table, columns).map((c) => `${quoteIdentifier(c.name)} = ?`);
  return `DELETE ${columns.map(quoteIdentifier).join(', ')} FROM ${qualifiedName(table)} USING TIMESTAMP ? WHERE ${key.join(' AND ')}`;
}

function expireKeyColumns(table: TableSchema, columns: readonly string[]) {
  const statics = new Set(table.columns.filter((c) => c.kind === 'static').map((c) => c.name));
  return columns.every((c) => statics.has(c)) ? table.partitionKey : [...table.partitionKey, ...table.clustering];
}

/** Bind values for an operation, in the order of its statement; `undefined` is bound as unset. */
export function bindValues(table: TableSchema, op: RowOperation): unknown[] {
  if (op.kind === 'delete') {
    return [op.timestampUs, ...[...table.partitionKey, ...table.clustering].map((c) => op.key.get(c.name))];
  }
  if (op.kind === 'expire') return [op.timestampUs, ...expireKeyColumns(table, op.columns).map((c) => op.key.get(c.name))];
  const values: unknown[] = table.columns.map((c) => op.values.get(c.name));
  values.push(op.timestampUs);
  if (op.ttlSeconds !== undefined) values.push(op.ttlSeconds);
  return values;
}
