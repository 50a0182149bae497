import { describe, expect, it } from 'vitest';
import { formatCqlType } from '../../src/cql/index.js';
import { buildKeyspaceSchema } from '../../src/schema/build-keyspace-schema.js';

describe('buildKeyspaceSchema', () => {
  const schema = buildKeyspaceSchema({
    keyspace: { keyspace_name: 'ks', replication: new Map([['class', 'SimpleStrategy'], ['replication_factor', '3']]), durable_writes: false },
    tables: [{ table_name: 't', default_time_to_live: 60, gc_grace_seconds: 100, compaction: new Map([['class', 'LeveledCompactionStrategy']]), memtable: null }],
    columns: [
      { table_name: 't', column_name: 'id', kind: 'partition_key', position: 0, type: 'int', clustering_order: 'none' },
      { table_name: 't', column_name: 'home', kind: 'regular', position: -1, type: 'frozen<address>', clustering_order: 'none' },
      // A view's columns share system_schema.columns with tables.
      { table_name: 't_by_home', column_name: 'home', kind: 'partition_key', position: 0, type: 'frozen<address>', clustering_order: 'none' },
    ],
    types: [{ type_name: 'address', field_names: ['street', 'zip'], field_types: ['text', 'int'] }],
    views: [{ view_name: 't_by_home', base_table_name: 't', where_clause: 'home IS NOT NULL' }],
    keyspacesTables: [{ table_name: 't', status: 'ACTIVE', custom_properties: new Map<string, unknown>([['client_side_timestamps', new Map([['status', 'enabled']])], ['ttl', { status: 'disabled' }]]) }],
  });

  it('reads replication, durable writes, types and tables, leaving views out of the tables', () => {
    expect(schema.replication).toEqual({ class: 'SimpleStrategy', replication_factor: '3' });
    expect(schema.durableWrites).toBe(false);
    expect(schema.types).toEqual([{ keyspace: 'ks', name: 'address', fields: [{ name: 'street', type: 'text' }, { name: 'zip', type: 'int' }] }]);
    expect(schema.tables.map((t) => t.schema.table)).toEqual(['t']);
    expect(schema.tables[0]!.schema.columns.map((c) => `${c.name} ${formatCqlType(c.type)}`)).toEqual(['id int', 'home frozen<address>']);
    expect(schema.views).toEqual([{ keyspace: 'ks', name: 't_by_home', baseTable: 't', whereClause: 'home IS NOT NULL' }]);
  });

  it('keeps the options it finds and leaves out the ones the cluster lacks', () => {
    expect(schema.tables[0]!.options).toEqual({ defaultTimeToLive: 60, gcGraceSeconds: 100, compaction: { class: 'LeveledCompactionStrategy' } });
  });

  it("reads Keyspaces' custom properties", () => {
    expect(schema.tables[0]!.keyspacesProperties).toEqual({ status: 'ACTIVE', clientSideTimestamps: true, ttl: false });
  });

  it('lists a table whose columns it cannot read, with why, and reads the others', () => {
    const odd = buildKeyspaceSchema({
      keyspace: { keyspace_name: 'ks', replication: {} },
      tables: [{ table_name: 'compact' }, { table_name: 'fine' }, { table_name: 'odd' }],
      columns: [
        // A Cassandra 3.x COMPACT STORAGE table keeps its value in a nameless column of type empty.
        { table_name: 'compact', column_name: 'k', kind: 'partition_key', position: 0, type: 'int', clustering_order: 'none' },
        { table_name: 'compact', column_name: '', kind: 'regular', position: -1, type: 'empty', clustering_order: 'none' },
        { table_name: 'fine', column_name: 'k', kind: 'partition_key', position: 0, type: 'int', clustering_order: 'none' },
        { table_name: 'odd', column_name: 'x', kind: 'regular', position: -1, type: 'frozen<missing>', clustering_order: 'none' },
      ],
      types: [],
    });
    expect(odd.tables.map((t) => t.schema.table)).toEqual(['fine']);
    expect(odd.unreadableTables).toEqual([
      { keyspace: 'ks', name: 'compact', reason: 'unknown type empty in empty' },
      { keyspace: 'ks', name: 'odd', reason: 'unknown type missing in frozen<missing>' },
    ]);
  });
});
