import type cassandra from 'cassandra-driver';
import { parseCqlType, type CqlType } from './cql-type.js';

export const columnKinds = ['partition_key', 'clustering', 'static', 'regular'] as const;
export type ColumnKind = (typeof columnKinds)[number];

export interface ColumnSchema {
  readonly name: string;
  readonly kind: ColumnKind;
  /** Position within the partition key or the clustering columns; -1 for the others. */
  readonly position: number;
  readonly type: CqlType;
  /** The type as system_schema stores it. */
  readonly typeText: string;
  readonly clusteringOrder: 'asc' | 'desc' | 'none';
}

export interface TableSchema {
  readonly keyspace: string;
  readonly table: string;
  /** Partition key, then clustering columns in order, then static and regular columns by name. */
  readonly columns: readonly ColumnSchema[];
  readonly partitionKey: readonly ColumnSchema[];
  readonly clustering: readonly ColumnSchema[];
  /** Counter tables cannot take INSERT or USING TIMESTAMP: their updates are not idempotent. */
  readonly isCounterTable: boolean;
}

export interface ColumnRow {
  column_name: string;
  kind: string;
  position: number;
  type: string;
  clustering_order: string;
}

export interface TypeRow {
  type_name: string;
  field_names: string[];
  field_types: string[];
}

/** Builds the schema of one table from its system_schema.columns rows and its keyspace's types. */
export function buildTableSchema(keyspace: string, table: string, columnRows: readonly ColumnRow[], typeRows: readonly TypeRow[]): TableSchema {
  const udts = new Map(typeRows.map((row) => [row.type_name, row.field_names.map((name, i) => ({ name, type: row.field_types[i]! }))]));
  const columns = columnRows.map(
    (row): ColumnSchema => ({
      name: row.column_name,
      kind: row.kind as ColumnKind,
      position: row.position,
      type: parseCqlType(row.type, keyspace, udts),
      typeText: row.type,
      clusteringOrder: row.clustering_order as ColumnSchema['clusteringOrder'],
    }),
  );
  const byPosition = (kind: ColumnKind) => columns.filter((c) => c.kind === kind).sort((a, b) => a.position - b.position);
  const partitionKey = byPosition('partition_key');
  const clustering = byPosition('clustering');
  const others = columns.filter((c) => c.kind === 'static' || c.kind === 'regular').sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    keyspace,
    table,
    columns: [...partitionKey, ...clustering, ...others],
    partitionKey,
    clustering,
    isCounterTable: others.some((c) => c.type.kind === 'native' && c.type.name === 'counter'),
  };
}

/** Reads a table's schema from a live cluster; `undefined` when the table does not exist. */
export async function readTableSchema(client: cassandra.Client, keyspace: string, table: string): Promise<TableSchema | undefined> {
  const columns = await client.execute(
    'SELECT column_name, kind, position, type, clustering_order FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?',
    [keyspace, table],
    { prepare: true },
  );
  if (columns.rowLength === 0) return undefined;
  const types = await client.execute('SELECT type_name, field_names, field_types FROM system_schema.types WHERE keyspace_name = ?', [keyspace], {
    prepare: true,
  });
  return buildTableSchema(keyspace, table, columns.rows as unknown as ColumnRow[], types.rows as unknown as TypeRow[]);
}
