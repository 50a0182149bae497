import cassandra from 'cassandra-driver';
import { cellColumns, rowFromValues, scanWidth, type SourceRow, type Ttls, type WriteTimes } from '../cells/index.js';
import { positionalSelectors, positionalValues, quoteIdentifier, type TableSchema, type TokenRangeWhere } from '../cql/index.js';
import { retryRangeRead, type RangeSlot } from '../jobs/index.js';
import type { ScannedRow } from './scanned-row.js';

const readOptions = { prepare: true, consistency: cassandra.types.consistencies.localQuorum };

/**
 * What a validation selects: token(pk), every column, and (for `values+writetime`) WRITETIME and
 * TTL of each static and regular column. Read by position (`positionalSelectors`), so no column
 * name can collide with another.
 */
export function validationSelect(table: TableSchema, withWritetime: boolean): string {
  const partitionKey = table.partitionKey.map((c) => quoteIdentifier(c.name)).join(', ');
  const selected = [`token(${partitionKey})`, ...table.columns.map((c) => quoteIdentifier(c.name))];
  if (withWritetime) {
    const cells = cellColumns(table);
    selected.push(...cells.map((c) => `WRITETIME(${quoteIdentifier(c.name)})`), ...cells.map((c) => `TTL(${quoteIdentifier(c.name)})`));
  }
  return `SELECT ${positionalSelectors(selected)} FROM ${quoteIdentifier(table.keyspace)}.${quoteIdentifier(table.table)}`;
}

/** How many values a row read by `validationSelect` holds. */
function validationWidth(table: TableSchema, withWritetime: boolean): number {
  return 1 + table.columns.length + (withWritetime ? 2 * cellColumns(table).length : 0);
}

export function scannedRowFrom(table: TableSchema, values: readonly unknown[], withWritetime: boolean, read?: { sentAtMs: number; answeredAtMs: number }): ScannedRow {
  const cells = cellColumns(table);
  const byName = new Map<string, unknown>();
  table.columns.forEach((c, i) => byName.set(c.name, values[i + 1] ?? null));
  const token = BigInt(values[0] as bigint | string);
  if (!withWritetime) return { token, values: byName, writetimes: new Map() };
  const writetimes = new Map<string, WriteTimes>();
  const ttls = new Map<string, Ttls>();
  const first = 1 + table.columns.length;
  cells.forEach((c, i) => {
    writetimes.set(c.name, (values[first + i] ?? null) as WriteTimes);
    ttls.set(c.name, (values[first + cells.length + i] ?? null) as Ttls);
  });
  return { token, values: byName, writetimes, ttls, ...(read === undefined ? {} : { readAtMs: read.sentAtMs, answeredAtMs: read.answeredAtMs }) };
}

export interface RowReaderOptions {
  readonly pageSize: number;
  readonly signal: AbortSignal;
  readonly onRetry?: (reason: string, attempt: number) => void;
  /** The range's place among those compared at once: given up while every replica is down (jobs/range-task-worker.ts). */
  readonly slot?: RangeSlot | undefined;
}

/**
 * Executes a read, retrying what may pass later (a node down, timeouts) with backoff until the
 * signal aborts. Says when the answered attempt was sent: the server computes TTLs from about then.
 */
export async function readWithRetry(
  client: cassandra.Client,
  cql: string,
  params: readonly unknown[],
  options: RowReaderOptions & { pageState?: string | undefined; query?: cassandra.QueryOptions },
): Promise<{ result: cassandra.types.ResultSet; sentAtMs: number; answeredAtMs: number }> {
  return retryRangeRead(async () => {
    const sentAtMs = Date.now();
    const result = await client.execute(cql, [...params], { ...readOptions, ...options.query, fetchSize: options.pageSize, ...(options.pageState ? { pageState: options.pageState } : {}) });
    return { result, sentAtMs, answeredAtMs: Date.now() };
  }, options);
}


/**
 * The rows of one token range in scan order, a page at a time: memory holds one page. `query`
 * routes the scan to a replica of the range at the configured consistency (cql/range-reads.ts);
 * rows read again by key stay at LOCAL_QUORUM, so a difference a LOCAL_ONE scan saw is confirmed
 * by a quorum before it counts.
 */
export async function* scanRange(
  client: cassandra.Client,
  table: TableSchema,
  where: TokenRangeWhere,
  withWritetime: boolean,
  options: RowReaderOptions & { query: cassandra.QueryOptions },
): AsyncGenerator<ScannedRow> {
  const cql = `${validationSelect(table, withWritetime)} WHERE ${where.cql}`;
  let pageState: string | undefined;
  do {
    const { result: page, sentAtMs, answeredAtMs } = await readWithRetry(client, cql, where.params, { ...options, pageState });
    for (const row of page.rows) yield scannedRowFrom(table, positionalValues(row, validationWidth(table, withWritetime)), withWritetime, { sentAtMs, answeredAtMs });
    pageState = page.pageState ?? undefined;
  } while (pageState);
}

/** The WHERE clause naming one row (or, with only the partition key, its partition's first row) and its values. */
function keyWhere(table: TableSchema, key: ReadonlyMap<string, unknown>): { cql: string; params: unknown[] } {
  const columns = [...table.partitionKey, ...table.clustering].filter((c) => key.has(c.name) && key.get(c.name) !== null);
  return { cql: columns.map((c) => `${quoteIdentifier(c.name)} = ?`).join(' AND '), params: columns.map((c) => key.get(c.name)) };
}

/** One row read again by primary key; undefined when it is not there. */
export async function readRow(client: cassandra.Client, table: TableSchema, key: ReadonlyMap<string, unknown>, withWritetime: boolean, options: RowReaderOptions): Promise<ScannedRow | undefined> {
  const where = keyWhere(table, key);
  const { result: page, sentAtMs, answeredAtMs } = await readWithRetry(client, `${validationSelect(table, withWritetime)} WHERE ${where.cql} LIMIT 1`, where.params, options);
  const row = page.first();
  return row ? scannedRowFrom(table, positionalValues(row, validationWidth(table, withWritetime)), withWritetime, { sentAtMs, answeredAtMs }) : undefined;
}

/** One source row with every cell's WRITETIME and TTL, as the backfill reads it, for repair. */
export async function readSourceCells(client: cassandra.Client, table: TableSchema, key: ReadonlyMap<string, unknown>, options: RowReaderOptions): Promise<{ row: SourceRow; readAtMs: number } | undefined> {
  const where = keyWhere(table, key);
  const cells = cellColumns(table);
  const selected = [
    ...table.columns.map((c) => quoteIdentifier(c.name)),
    ...cells.map((c) => `WRITETIME(${quoteIdentifier(c.name)})`),
    ...cells.map((c) => `TTL(${quoteIdentifier(c.name)})`),
  ];
  const { result: page, sentAtMs: readAtMs } = await readWithRetry(client, `SELECT ${positionalSelectors(selected)} FROM ${quoteIdentifier(table.keyspace)}.${quoteIdentifier(table.table)} WHERE ${where.cql} LIMIT 1`, where.params, options);
  const row = page.first();
  return row ? { row: rowFromValues(table, positionalValues(row, scanWidth(table))), readAtMs } : undefined;
}
