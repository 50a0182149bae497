import cassandra from 'cassandra-driver';
import { classifyCqlError, type ColumnSchema, isMultiCell, positionalSelectors, positionalValues, quoteIdentifier, type TableSchema } from '../cql/index.js';
import type { TargetCells, WriteTimes } from './cell-writes.js';

const readOptions = Object.freeze({ prepare: true, consistency: cassandra.types.consistencies.localQuorum });

/**
 * Reads what the target holds of some columns of one row: their values and WRITETIMEs. The
 * backfill and repair read it before raising old cells to Amazon Keyspaces' timestamp floor, so a
 * newer target write is never overwritten (floorConflicts). A cluster that refuses WRITETIME of a
 * non-frozen collection (Keyspaces, Cassandra before 5) is asked for the write times of its
 * single-cell columns only from then on; its collections are then judged by value.
 */
export class TargetCellReader {
  private readonly collectionTimesRefused = new WeakSet<TableSchema>();

  constructor(private readonly client: cassandra.Client) {}

  /** `keyValues` are those of `keyColumns`, in order: the whole primary key, or the partition key for static columns alone. */
  async read(table: TableSchema, columns: readonly ColumnSchema[], keyColumns: readonly ColumnSchema[], keyValues: readonly unknown[]): Promise<TargetCells> {
    try {
      return await this.select(table, columns, keyColumns, keyValues, !this.collectionTimesRefused.has(table));
    } catch (error) {
      const refused = error instanceof cassandra.errors.ResponseError && classifyCqlError(error).action === 'reject';
      if (!refused || this.collectionTimesRefused.has(table) || !columns.some((c) => isMultiCell(c.type))) throw error;
      this.collectionTimesRefused.add(table);
      return this.select(table, columns, keyColumns, keyValues, false);
    }
  }

  private async select(table: TableSchema, columns: readonly ColumnSchema[], keyColumns: readonly ColumnSchema[], keyValues: readonly unknown[], collectionTimes: boolean): Promise<TargetCells> {
    const timed = columns.filter((c) => collectionTimes || !isMultiCell(c.type));
    const selected = [...columns.map((c) => quoteIdentifier(c.name)), ...timed.map((c) => `WRITETIME(${quoteIdentifier(c.name)})`)];
    const where = keyColumns.map((c) => `${quoteIdentifier(c.name)} = ?`).join(' AND ');
    const cql = `SELECT ${positionalSelectors(selected)} FROM ${quoteIdentifier(table.keyspace)}.${quoteIdentifier(table.table)} WHERE ${where} LIMIT 1`;
    const row = (await this.client.execute(cql, [...keyValues], readOptions)).first();
    const found = row ? positionalValues(row, selected.length) : [];
    return {
      values: new Map(columns.map((c, i) => [c.name, found[i] ?? null])),
      writetimes: new Map(timed.map((c, i): [string, WriteTimes] => [c.name, (found[columns.length + i] ?? null) as WriteTimes])),
    };
  }
}
