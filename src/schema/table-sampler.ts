import cassandra from 'cassandra-driver';
import { type ColumnSchema, measureRow, positionalSelectors, positionalValues, quoteIdentifier, type TableSchema } from '../cql/index.js';
import { sampleKey } from './sample-key.js';
import type { ClusterSchema, TableDefinition } from './schema-model.js';

/** What the first rows of a table show about its data. */
export interface TableSample {
  readonly rows: number;
  readonly maxRowBytes: number;
  readonly maxPartitionKeyBytes: number;
  readonly maxClusteringBytes: number;
  readonly maxStaticBytes: number;
  /** Rows with a TTL on a sampled cell; undefined when the table has no column whose TTL can be read. */
  readonly rowsWithTtl: number | undefined;
  /** Why the sample could not be read (a timeout, a permission). */
  readonly error?: string;
}

/** Folds rows (table columns in order, then one TTL per TTL column) into a sample, row by row. */
export class SampleAccumulator {
  private rows = 0;
  private maxRowBytes = 0;
  private maxPartitionKeyBytes = 0;
  private maxClusteringBytes = 0;
  private maxStaticBytes = 0;
  private rowsWithTtl = 0;

  constructor(
    private readonly table: TableSchema,
    private readonly ttlColumns: number,
  ) {}

  add(values: readonly unknown[]): void {
    const measure = measureRow(this.table, values);
    this.rows += 1;
    this.maxRowBytes = Math.max(this.maxRowBytes, measure.rowBytes);
    this.maxPartitionKeyBytes = Math.max(this.maxPartitionKeyBytes, measure.partitionKeyBytes);
    this.maxClusteringBytes = Math.max(this.maxClusteringBytes, measure.clusteringBytes);
    this.maxStaticBytes = Math.max(this.maxStaticBytes, measure.staticBytes);
    if (values.slice(this.table.columns.length).some((ttl) => ttl !== null && ttl !== undefined)) this.rowsWithTtl += 1;
  }

  result(): TableSample {
    return {
      rows: this.rows,
      maxRowBytes: this.maxRowBytes,
      maxPartitionKeyBytes: this.maxPartitionKeyBytes,
      maxClusteringBytes: this.maxClusteringBytes,
      maxStaticBytes: this.maxStaticBytes,
      rowsWithTtl: this.ttlColumns > 0 ? this.rowsWithTtl : undefined,
    };
  }
}

/**
 * Columns whose TTL can be selected: regular and static single-cell columns. Counters take no TTL,
 * and a non-frozen collection or UDT has one TTL per element, which TTL() does not answer on every
 * Cassandra version.
 */
export function ttlColumns(table: TableSchema): ColumnSchema[] {
  return table.columns.filter((c) => {
    if (c.kind !== 'regular' && c.kind !== 'static') return false;
    if (c.type.kind === 'native') return c.type.name !== 'counter';
    if (c.type.kind === 'list' || c.type.kind === 'set' || c.type.kind === 'map' || c.type.kind === 'udt') return c.type.frozen;
    return true;
  });
}

/**
 * Reads the first `limit` rows of a table, a page of `fetchSize` at a time, with the TTL of every
 * column that has one, and measures them. A table that cannot be read yields a sample with `error`.
 * LOCAL_ONE and a long read timeout: the source is serving production, a sample needs no quorum,
 * and a wide first partition may take a while.
 *
 * @example
 *   const sample = await sampleTable(source, table.schema, 300);
 *   if (sample.maxRowBytes > 1_048_576) ...
 */
export async function sampleTable(client: cassandra.Client, table: TableSchema, limit: number, fetchSize = 100): Promise<TableSample> {
  const withTtl = ttlColumns(table);
  const accumulator = new SampleAccumulator(table, withTtl.length);
  const selected = [...table.columns.map((c) => quoteIdentifier(c.name)), ...withTtl.map((c) => `TTL(${quoteIdentifier(c.name)})`)];
  const cql = `SELECT ${positionalSelectors(selected)} FROM ${quoteIdentifier(table.keyspace)}.${quoteIdentifier(table.table)} LIMIT ${Math.max(1, Math.floor(limit))}`;
  try {
    const result = await client.execute(cql, [], { prepare: true, fetchSize, consistency: cassandra.types.consistencies.localOne, readTimeout: 30_000 });
    for await (const row of result) accumulator.add(positionalValues(row, selected.length));
    return accumulator.result();
  } catch (error) {
    return { ...accumulator.result(), error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Samples every table of a schema that `wanted` accepts, one table after another (the source is
 * serving production), keyed by `sampleKey`.
 *
 * @example
 *   const samples = await sampleTables(source, schema, 300, (table) => !table.schema.isCounterTable);
 */
export async function sampleTables(
  client: cassandra.Client,
  schema: ClusterSchema,
  limit: number,
  wanted: (table: TableDefinition) => boolean = () => true,
): Promise<Map<string, TableSample>> {
  const samples = new Map<string, TableSample>();
  for (const keyspace of schema.keyspaces) {
    for (const table of keyspace.tables) {
      if (wanted(table)) samples.set(sampleKey(keyspace.name, table.schema.table), await sampleTable(client, table.schema, limit));
    }
  }
  return samples;
}
