import { buildKeyspaceSchema, type ColumnRow, type KeyspaceRows, type TableRow } from '../../src/schema/build-keyspace-schema.js';
import type { KeyspaceSchema } from '../../src/schema/schema-model.js';

export interface TableSpec {
  name: string;
  /** `name:type[:pk|:ck[:desc]|:static]`, e.g. `id:uuid:pk`, `at:timestamp:ck:desc`, `tags:map<text, int>`. */
  columns: string[];
  options?: Partial<TableRow>;
  keyspaces?: { status?: string; custom_properties?: unknown };
}

export interface KeyspaceSpec {
  name: string;
  replication?: Record<string, string>;
  durableWrites?: boolean;
  types?: Record<string, string[]>;
  tables?: TableSpec[];
  extra?: Partial<Pick<KeyspaceRows, 'views' | 'indexes' | 'triggers' | 'functions' | 'aggregates'>>;
}

/** Builds a keyspace model the way the reader does: from system_schema-shaped rows. */
export function keyspace(spec: KeyspaceSpec): KeyspaceSchema {
  const columns: ColumnRow[] = [];
  for (const table of spec.tables ?? []) {
    const positions = { pk: 0, ck: 0 };
    for (const column of table.columns) {
      const [name, type, role, order] = column.split(':') as [string, string, string?, string?];
      const kind = role === 'pk' ? 'partition_key' : role === 'ck' ? 'clustering' : role === 'static' ? 'static' : 'regular';
      const position = role === 'pk' ? positions.pk++ : role === 'ck' ? positions.ck++ : -1;
      columns.push({ table_name: table.name, column_name: name, kind, position, type, clustering_order: role === 'ck' ? (order ?? 'asc') : 'none' });
    }
  }
  const keyspacesTables = (spec.tables ?? []).filter((t) => t.keyspaces).map((t) => ({ table_name: t.name, ...t.keyspaces }));
  return buildKeyspaceSchema({
    keyspace: {
      keyspace_name: spec.name,
      replication: new Map(Object.entries(spec.replication ?? { class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '1' })),
      durable_writes: spec.durableWrites ?? true,
    },
    tables: (spec.tables ?? []).map((t) => ({ table_name: t.name, default_time_to_live: 0, ...t.options })),
    columns,
    types: Object.entries(spec.types ?? {}).map(([type_name, fields]) => ({
      type_name,
      field_names: fields.map((f) => f.split(':')[0]!),
      field_types: fields.map((f) => f.split(':')[1]!),
    })),
    ...(keyspacesTables.length > 0 ? { keyspacesTables } : {}),
    ...spec.extra,
  });
}

/** The reference schema (fixtures/user_activity.cql) as a model. */
export function userActivity(name = 'msk_ks_cass_blog'): KeyspaceSchema {
  return keyspace({
    name,
    replication: { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', datacenter1: '1' },
    tables: [
      {
        name: 'user_activity',
        columns: ['user_id:text:pk', 'activity_time:timestamp:ck:desc', 'activity_details:text', 'activity_type:text'],
        options: defaultOptions,
      },
    ],
  });
}

/** What Cassandra 5.0 stores for a table created without options. */
export const defaultOptions: Partial<TableRow> = {
  default_time_to_live: 0,
  gc_grace_seconds: 864000,
  compaction: new Map([
    ['class', 'org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy'],
    ['max_threshold', '32'],
    ['min_threshold', '4'],
  ]),
  compression: new Map([
    ['chunk_length_in_kb', '16'],
    ['class', 'org.apache.cassandra.io.compress.LZ4Compressor'],
  ]),
  caching: new Map([
    ['keys', 'ALL'],
    ['rows_per_partition', 'NONE'],
  ]),
  speculative_retry: '99p',
  additional_write_policy: '99p',
  read_repair: 'BLOCKING',
  bloom_filter_fp_chance: 0.01,
  memtable_flush_period_in_ms: 0,
  cdc: null,
  memtable: null,
};
