import { describe, expect, it } from 'vitest';
import { formatCqlType } from '../../src/cql/index.js';
import { translateKeyspace } from '../../src/schema/translate-keyspace.js';
import { keyspace, userActivity } from './schema-fixtures.js';

const toKeyspaces = { target: { profile: 'keyspaces' } } as const;
const toCassandra = (releaseVersion: string) => ({ target: { profile: 'cassandra', releaseVersion } }) as const;

describe('translateKeyspace', () => {
  it('keeps the reference table column for column, key for key, and asks for client-side timestamps only', () => {
    const target = translateKeyspace(userActivity(), toKeyspaces);
    expect(target.skipped).toEqual([]);
    expect(target.tables).toHaveLength(1);
    const table = target.tables[0]!;
    expect(table.columns.map((c) => [c.name, formatCqlType(c.type), c.isStatic])).toEqual([
      ['user_id', 'text', false],
      ['activity_time', 'timestamp', false],
      ['activity_details', 'text', false],
      ['activity_type', 'text', false],
    ]);
    expect(table.partitionKey).toEqual(['user_id']);
    expect(table.clustering).toEqual([{ name: 'activity_time', order: 'DESC' }]);
    expect(table).toMatchObject({ defaultTimeToLive: 0, clientSideTimestamps: true, ttl: false, isCounterTable: false });
  });

  it('orders nested UDTs so each comes after the types it uses', () => {
    const source = keyspace({
      name: 'ks',
      types: {
        a_person: ['name:text', 'home:frozen<m_address>', 'contacts:frozen<list<frozen<b_contact>>>'],
        b_contact: ['email:text', 'where:frozen<m_address>'],
        m_address: ['street:text', 'location:frozen<z_geo>'],
        z_geo: ['lat:double', 'lon:double'],
      },
    });
    expect(translateKeyspace(source, toKeyspaces).types.map((t) => t.name)).toEqual(['z_geo', 'm_address', 'b_contact', 'a_person']);
  });

  it('enables TTL for a default TTL or TTLs seen in the data, never for counters', () => {
    const source = keyspace({
      name: 'ks',
      tables: [
        { name: 'by_default', columns: ['id:int:pk', 'v:text'], options: { default_time_to_live: 60 } },
        { name: 'by_data', columns: ['id:int:pk', 'v:text'] },
        { name: 'plain', columns: ['id:int:pk', 'v:text'] },
        { name: 'counts', columns: ['id:int:pk', 'n:counter'] },
      ],
    });
    const target = translateKeyspace(source, { ...toKeyspaces, ttlTables: new Set(['by_data', 'counts']) });
    expect(Object.fromEntries(target.tables.map((t) => [t.name, [t.ttl, t.clientSideTimestamps]]))).toEqual({
      by_default: [true, true],
      by_data: [true, true],
      plain: [false, true],
      counts: [false, false],
    });
  });

  it('skips a vector table on Keyspaces and on Cassandra before 5.0, and creates it on 5.0', () => {
    const source = keyspace({ name: 'ks', tables: [{ name: 'embeddings', columns: ['id:int:pk', 'v:vector<float, 3>'] }] });
    expect(translateKeyspace(source, toKeyspaces).skipped).toEqual([
      { kind: 'table', keyspace: 'ks', name: 'embeddings', reason: 'column v: Amazon Keyspaces has no vector type' },
    ]);
    expect(translateKeyspace(source, toCassandra('4.1.5')).skipped[0]?.reason).toBe('column v: the target runs Cassandra 4.1.5; vector needs 5.0 or later');
    const on5 = translateKeyspace(source, toCassandra('5.0.9'));
    expect(on5.skipped).toEqual([]);
    expect(on5.tables.map((t) => t.name)).toEqual(['embeddings']);
  });

  it('skips a UDT whose field the target lacks', () => {
    const source = keyspace({ name: 'ks', types: { embedding: ['v:vector<float, 2>'], ok: ['x:int'] } });
    const target = translateKeyspace(source, toKeyspaces);
    expect(target.types.map((t) => t.name)).toEqual(['ok']);
    expect(target.skipped).toEqual([{ kind: 'type', keyspace: 'ks', name: 'embedding', reason: 'field v: Amazon Keyspaces has no vector type' }]);
  });

  it('lists views, indexes, triggers, functions and aggregates as skipped, with a reason per profile', () => {
    const source = keyspace({
      name: 'ks',
      tables: [{ name: 't', columns: ['id:int:pk', 'v:text'] }],
      extra: {
        views: [{ view_name: 't_by_v', base_table_name: 't', where_clause: 'v IS NOT NULL' }],
        indexes: [{ table_name: 't', index_name: 't_v', kind: 'COMPOSITES', options: new Map([['target', 'v']]) }],
        triggers: [{ table_name: 't', trigger_name: 'audit' }],
        functions: [{ function_name: 'twice', argument_types: ['int'] }],
        aggregates: [{ aggregate_name: 'total', argument_types: ['int'] }],
      },
    });
    const skipped = translateKeyspace(source, toKeyspaces).skipped;
    expect(skipped.map((s) => [s.kind, s.name])).toEqual([
      ['materialized view', 't_by_v'],
      ['index', 't_v'],
      ['trigger', 'audit'],
      ['function', 'twice'],
      ['aggregate', 'total'],
    ]);
    expect(skipped[0]!.reason).toMatch(/Amazon Keyspaces has no materialized views/);
    expect(translateKeyspace(source, toCassandra('5.0.9')).skipped[0]!.reason).toMatch(/^Tandem does not create materialized views/);
  });

  it('skips a table whose definition cannot be read, with why', () => {
    const source = keyspace({ name: 'ks', tables: [{ name: 'legacy', columns: ['k:int:pk', ':empty'] }, { name: 't', columns: ['id:int:pk'] }] });
    for (const options of [toKeyspaces, toCassandra('5.0.9')]) {
      const target = translateKeyspace(source, options);
      expect(target.tables.map((t) => t.name)).toEqual(['t']);
      expect(target.skipped).toEqual([{ kind: 'table', keyspace: 'ks', name: 'legacy', reason: 'its definition cannot be read: unknown type empty in empty' }]);
    }
  });

  it('refuses names Keyspaces cannot hold, and lets Cassandra have them', () => {
    const source = keyspace({ name: '_private', tables: [{ name: 't', columns: ['id:int:pk'] }] });
    const target = translateKeyspace(source, toKeyspaces);
    expect(target.tables).toEqual([]);
    expect(target.skipped.map((s) => s.kind)).toEqual(['keyspace']);
    expect(translateKeyspace(source, toCassandra('5.0.9')).tables).toHaveLength(1);
  });
});
