import { buildTableSchema, type ColumnRow as TableColumnRow, type TypeRow } from '../cql/index.js';
import type { FunctionSchema, IndexSchema, KeyspaceSchema, KeyspacesTableProperties, TableDefinition, TableOptions, TriggerSchema, UnreadableTable, ViewSchema } from './schema-model.js';

/** Rows of `system_schema` (and, on Amazon Keyspaces, `system_schema_mcs`) for one keyspace. */
export interface KeyspaceRows {
  readonly keyspace: { keyspace_name: string; replication: unknown; durable_writes?: boolean | null };
  readonly tables: readonly TableRow[];
  readonly columns: readonly ColumnRow[];
  readonly types: readonly TypeRow[];
  readonly views?: readonly ViewRow[];
  readonly indexes?: readonly IndexRow[];
  readonly triggers?: readonly TriggerRow[];
  readonly functions?: readonly FunctionRow[];
  readonly aggregates?: readonly AggregateRow[];
  /** `system_schema_mcs.tables`, read on Amazon Keyspaces only. */
  readonly keyspacesTables?: readonly KeyspacesTableRow[];
}

export interface TableRow {
  table_name: string;
  default_time_to_live?: number | null;
  gc_grace_seconds?: number | null;
  compaction?: unknown;
  compression?: unknown;
  caching?: unknown;
  speculative_retry?: string | null;
  additional_write_policy?: string | null;
  read_repair?: string | null;
  memtable?: string | null;
  bloom_filter_fp_chance?: number | null;
  memtable_flush_period_in_ms?: number | null;
  cdc?: boolean | null;
  comment?: string | null;
}

/** A system_schema.columns row of any table of the keyspace. */
export interface ColumnRow extends TableColumnRow {
  table_name: string;
}

export interface ViewRow {
  view_name: string;
  base_table_name: string;
  where_clause?: string | null;
}

export interface IndexRow {
  table_name: string;
  index_name: string;
  kind: string;
  options?: unknown;
}

export interface TriggerRow {
  table_name: string;
  trigger_name: string;
}

export interface FunctionRow {
  function_name: string;
  argument_types?: string[] | null;
}

export interface AggregateRow {
  aggregate_name: string;
  argument_types?: string[] | null;
}

export interface KeyspacesTableRow {
  table_name: string;
  status?: string | null;
  custom_properties?: unknown;
}

/**
 * Builds one keyspace's model from its system_schema rows. Columns of materialized views share
 * `system_schema.columns` with tables, so only columns of real tables are used. A table whose
 * columns cannot be modelled is listed in `unreadableTables` with the reason, not thrown.
 *
 * @example
 *   buildKeyspaceSchema({ keyspace: { keyspace_name: 'ks', replication: new Map([['class', 'SimpleStrategy']]) }, tables: [], columns: [], types: [] })
 */
export function buildKeyspaceSchema(rows: KeyspaceRows): KeyspaceSchema {
  const keyspace = rows.keyspace.keyspace_name;
  const typeRows = [...rows.types].sort((a, b) => compareNames(a.type_name, b.type_name));
  const mcs = new Map((rows.keyspacesTables ?? []).map((row) => [row.table_name, row]));
  const tables: TableDefinition[] = [];
  const unreadableTables: UnreadableTable[] = [];
  for (const row of [...rows.tables].sort((a, b) => compareNames(a.table_name, b.table_name))) {
    const columns = rows.columns.filter((c) => c.table_name === row.table_name);
    let schema;
    try {
      schema = buildTableSchema(keyspace, row.table_name, columns, typeRows);
    } catch (error) {
      // One odd table (a COMPACT STORAGE table's `empty` column, a type Tandem does not know) must
      // not hide the rest of the keyspace: it is reported and left out.
      unreadableTables.push({ keyspace, name: row.table_name, reason: error instanceof Error ? error.message : String(error) });
      continue;
    }
    const properties = mcs.get(row.table_name);
    tables.push({ schema, options: tableOptions(row), ...(properties ? { keyspacesProperties: keyspacesProperties(properties) } : {}) });
  }
  return {
    name: keyspace,
    replication: toStringRecord(rows.keyspace.replication),
    durableWrites: rows.keyspace.durable_writes ?? true,
    types: typeRows.map((row) => ({
      keyspace,
      name: row.type_name,
      fields: row.field_names.map((name, i) => ({ name, type: row.field_types[i]! })),
    })),
    tables,
    unreadableTables,
    views: (rows.views ?? []).map((row): ViewSchema => ({ keyspace, name: row.view_name, baseTable: row.base_table_name, whereClause: row.where_clause ?? '' })),
    indexes: (rows.indexes ?? []).map((row): IndexSchema => ({
      keyspace,
      table: row.table_name,
      name: row.index_name,
      kind: row.kind,
      options: toStringRecord(row.options),
    })),
    triggers: (rows.triggers ?? []).map((row): TriggerSchema => ({ keyspace, table: row.table_name, name: row.trigger_name })),
    functions: (rows.functions ?? []).map((row): FunctionSchema => ({ keyspace, name: row.function_name, argumentTypes: row.argument_types ?? [] })),
    aggregates: (rows.aggregates ?? []).map((row): FunctionSchema => ({ keyspace, name: row.aggregate_name, argumentTypes: row.argument_types ?? [] })),
  };
}

function tableOptions(row: TableRow): TableOptions {
  const options: Record<string, unknown> = {
    defaultTimeToLive: row.default_time_to_live ?? 0,
    gcGraceSeconds: row.gc_grace_seconds ?? undefined,
    compaction: row.compaction == null ? undefined : toStringRecord(row.compaction),
    compression: row.compression == null ? undefined : toStringRecord(row.compression),
    caching: row.caching == null ? undefined : toStringRecord(row.caching),
    speculativeRetry: row.speculative_retry ?? undefined,
    additionalWritePolicy: row.additional_write_policy ?? undefined,
    readRepair: row.read_repair ?? undefined,
    memtable: row.memtable ?? undefined,
    bloomFilterFpChance: row.bloom_filter_fp_chance ?? undefined,
    memtableFlushPeriodMs: row.memtable_flush_period_in_ms ?? undefined,
    cdc: row.cdc ?? undefined,
    comment: row.comment ?? undefined,
  };
  // Absent rather than undefined keys, so models compare and print cleanly.
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as unknown as TableOptions;
}

/** `custom_properties` is `{ client_side_timestamps: { status: 'enabled' }, ttl: { status: 'enabled' }, ... }`. */
function keyspacesProperties(row: KeyspacesTableRow): KeyspacesTableProperties {
  const properties = toRecord(row.custom_properties);
  const enabled = (name: string) => String(toRecord(properties[name]).status ?? '').toLowerCase() === 'enabled';
  return { status: row.status ?? 'ACTIVE', clientSideTimestamps: enabled('client_side_timestamps'), ttl: enabled('ttl') };
}

function toRecord(value: unknown): Record<string, unknown> {
  if (value instanceof Map) return Object.fromEntries(value);
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function toStringRecord(value: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(toRecord(value)).map(([k, v]) => [k, String(v)]));
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
