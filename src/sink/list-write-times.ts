import cassandra from 'cassandra-driver';
import { positionalSelectors, positionalValues, quoteIdentifier, type ColumnSchema, type TableSchema } from '../cql/index.js';
import { classifyWriteError } from './write-errors.js';

/**
 * Non-frozen lists are the one CQL type whose write does not converge when repeated: Cassandra
 * names each element cell by a fresh time-UUID on every write, so `l = [1, 2]` written twice at one
 * USING TIMESTAMP stores [1, 2, 1, 2] (the list tombstone such a write carries lies at timestamp − 1,
 * below the first copy). A record redelivered to a sink, a range the backfill copies again, a row the
 * backfill copies after the sink wrote it: each would double such a list. So before writing a list,
 * read the write times of the elements the row holds (WRITETIME(l) gives one per element since
 * Cassandra 5, CASSANDRA-8877) and leave the list out when they include the write's own timestamp:
 * that very write has landed. Any other timestamp converges as usual: an older list is replaced,
 * a newer one shadows this write.
 */
export type ListWriteTimes = ReadonlyMap<string, ReadonlySet<bigint>>;

/** The table's non-frozen list columns (static or regular). */
export function nonFrozenLists(table: TableSchema): readonly ColumnSchema[] {
  return table.columns.filter((c) => c.type.kind === 'list' && !c.type.frozen);
}

/** Whether a value written to a list column creates element cells: null and [] write only a tombstone, which repeats harmlessly. */
export function writesListElements(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

/** The key columns that locate `columns`: the partition key alone when they are all static, else the whole primary key. */
export function listKeyColumns(table: TableSchema, columns: readonly ColumnSchema[]): readonly ColumnSchema[] {
  return columns.every((c) => c.kind === 'static') ? table.partitionKey : [...table.partitionKey, ...table.clustering];
}

/** `SELECT WRITETIME(l1) AS c0, ... FROM ks.t WHERE <listKeyColumns> = ? LIMIT 1`. */
export function listWriteTimesCql(table: TableSchema, columns: readonly ColumnSchema[]): string {
  const where = listKeyColumns(table, columns).map((c) => `${quoteIdentifier(c.name)} = ?`).join(' AND ');
  const selectors = positionalSelectors(columns.map((c) => `WRITETIME(${quoteIdentifier(c.name)})`));
  return `SELECT ${selectors} FROM ${quoteIdentifier(table.keyspace)}.${quoteIdentifier(table.table)} WHERE ${where} LIMIT 1`;
}

/** The columns' element write times from one row as read by `listWriteTimesCql`; an absent row holds none. */
export function listWriteTimesOf(columns: readonly ColumnSchema[], values: readonly unknown[] | undefined): ListWriteTimes {
  return new Map(
    columns.map((column, i) => {
      const times = values?.[i];
      return [column.name, new Set(Array.isArray(times) ? times.filter((t): t is bigint => typeof t === 'bigint') : typeof times === 'bigint' ? [times] : [])];
    }),
  );
}

/** Whether a list written at `timestampUs` has landed already, given the row's element write times. */
export function listAlreadyWritten(times: ListWriteTimes | undefined, column: string, timestampUs: bigint): boolean {
  return times?.get(column)?.has(timestampUs) ?? false;
}

/**
 * A row's primary key as text, equal for equal keys: which writes concern the same row. Buffers by
 * their bytes, dates to the millisecond, everything else (numbers, bigints, UUIDs, inet, collections)
 * by its driver text or JSON.
 */
export function rowIdentity(table: TableSchema, values: ReadonlyMap<string, unknown>): string {
  return JSON.stringify([...table.partitionKey, ...table.clustering].map((c) => keyText(values.get(c.name))));
}

function keyText(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex')}`;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Map) return [...value].map(([k, v]) => [keyText(k), keyText(v)]);
  if (value instanceof Set || Array.isArray(value)) return [...value].map(keyText);
  if (value !== null && typeof value === 'object' && value.constructor === Object) return Object.entries(value).map(([k, v]) => [k, keyText(v)]);
  return value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean' ? value : String(value);
}

const readOptions = Object.freeze({ prepare: true, consistency: cassandra.types.consistencies.localQuorum });

/**
 * Reads a row's list element write times on one cluster, at LOCAL_QUORUM like the writes it
 * guards. A cluster that refuses WRITETIME of a list (before Cassandra 5, or a service without
 * CASSANDRA-8877) gets no guard for that table: the caller is told once and writes as before.
 * Other failures (timeouts, a node down) are thrown for the caller to retry like a write.
 */
export class ListWriteTimesReader {
  private readonly refused = new WeakSet<TableSchema>();

  constructor(
    private readonly client: cassandra.Client,
    private readonly onRefused: (table: TableSchema, error: unknown) => void = () => undefined,
  ) {}

  /** Undefined when this cluster cannot tell; `keyValues` are those of `listKeyColumns(table, columns)`, in order. */
  async read(table: TableSchema, columns: readonly ColumnSchema[], keyValues: readonly unknown[]): Promise<ListWriteTimes | undefined> {
    if (columns.length === 0 || this.refused.has(table)) return undefined;
    try {
      const result = await this.client.execute(listWriteTimesCql(table, columns), [...keyValues], readOptions);
      const row = result.first();
      return listWriteTimesOf(columns, row ? positionalValues(row, columns.length) : undefined);
    } catch (error) {
      // Refused as a query (not a missing table, which `tandem schema` may still create): no guard here.
      if (error instanceof cassandra.errors.ResponseError && classifyWriteError(error).action === 'reject') {
        this.refused.add(table);
        this.onRefused(table, error);
        return undefined;
      }
      throw error;
    }
  }
}
