import { describe, expect, it } from 'vitest';
import { assessSchema } from '../../src/schema/assess-schema.js';
import type { Finding } from '../../src/schema/finding.js';
import { sampleKey } from '../../src/schema/sample-key.js';
import type { ClusterSchema, KeyspaceSchema } from '../../src/schema/schema-model.js';
import type { TableSample } from '../../src/schema/table-sampler.js';
import type { TargetDescription } from '../../src/schema/type-support.js';
import { defaultOptions, keyspace, userActivity } from './schema-fixtures.js';

const toKeyspaces: TargetDescription = { profile: 'keyspaces' };
const cluster = (...keyspaces: KeyspaceSchema[]): ClusterSchema => ({ releaseVersion: '5.0.9', dataCenter: 'datacenter1', nodesInDataCenter: 1, keyspaces });
const rules = (findings: readonly Finding[]) => findings.map((f) => `${f.severity} ${f.rule} ${f.object}`);
const sample = (overrides: Partial<TableSample>): TableSample => ({
  rows: 300,
  maxRowBytes: 100,
  maxPartitionKeyBytes: 10,
  maxClusteringBytes: 8,
  maxStaticBytes: 0,
  rowsWithTtl: 0,
  ...overrides,
});

describe('assessSchema for Amazon Keyspaces', () => {
  it('finds only the replication change in the reference schema, beside the migration-wide notes', () => {
    expect(rules(assessSchema({ source: cluster(userActivity()), target: toKeyspaces }))).toEqual([
      'note client-side-timestamps migration',
      'note timestamp-window migration',
      'change replication keyspace msk_ks_cass_blog',
    ]);
  });

  it('flags views, indexes, triggers, functions and aggregates as blockers, each with a fix', () => {
    const ks = keyspace({
      name: 'shop',
      tables: [{ name: 'orders', columns: ['id:uuid:pk', 'email:text'], options: defaultOptions }],
      extra: {
        views: [{ view_name: 'orders_by_email', base_table_name: 'orders', where_clause: 'email IS NOT NULL' }],
        indexes: [
          { table_name: 'orders', index_name: 'orders_email', kind: 'COMPOSITES', options: new Map([['target', 'email']]) },
          { table_name: 'orders', index_name: 'orders_sai', kind: 'CUSTOM', options: new Map([['target', 'email'], ['class_name', 'org.apache.cassandra.index.sai.StorageAttachedIndex']]) },
        ],
        triggers: [{ table_name: 'orders', trigger_name: 'audit' }],
        functions: [{ function_name: 'twice', argument_types: ['int'] }],
        aggregates: [{ aggregate_name: 'total', argument_types: ['decimal'] }],
      },
    });
    const findings = assessSchema({ source: cluster(ks), target: toKeyspaces }).filter((f) => f.severity === 'blocker');
    expect(rules(findings)).toEqual([
      'blocker materialized-view materialized view shop.orders_by_email (on orders)',
      'blocker secondary-index index shop.orders_email (on orders.email)',
      'blocker secondary-index index shop.orders_sai (on orders.email, StorageAttachedIndex)',
      'blocker trigger trigger audit on shop.orders',
      'blocker user-defined-function function shop.twice(int)',
      'blocker user-defined-aggregate aggregate shop.total(decimal)',
    ]);
    expect(findings[0]!.fix).toMatch(/Create a regular table with the view's primary key/);
    expect(findings[1]!.fix).toMatch(/lookup table keyed by the indexed column/);
    for (const finding of findings) expect(finding.fix.length).toBeGreaterThan(20);
  });

  it('flags a counter table as a blocker with how to migrate it instead', () => {
    const ks = keyspace({ name: 'stats', tables: [{ name: 'page_views', columns: ['page:text:pk', 'views:counter'] }] });
    const [counter] = assessSchema({ source: cluster(ks), target: toKeyspaces }).filter((f) => f.rule === 'counter-table');
    expect(counter).toMatchObject({ severity: 'blocker', object: 'table stats.page_views' });
    expect(counter!.message).toMatch(/cannot replay counter updates idempotently/);
    expect(counter!.fix).toMatch(/Migrate it separately/);
  });

  it('lists tuning options set away from the defaults, and says nothing of default ones', () => {
    const tuned = { ...defaultOptions, gc_grace_seconds: 3600, compaction: new Map([['class', 'org.apache.cassandra.db.compaction.TimeWindowCompactionStrategy'], ['compaction_window_size', '1']]), caching: new Map([['keys', 'NONE'], ['rows_per_partition', 'NONE']]), speculative_retry: 'ALWAYS', read_repair: 'NONE' };
    const ks = keyspace({ name: 'ks', tables: [{ name: 'tuned', columns: ['id:int:pk'], options: tuned }, { name: 'plain', columns: ['id:int:pk'], options: defaultOptions }] });
    const options = assessSchema({ source: cluster(ks), target: toKeyspaces }).filter((f) => f.rule === 'table-options');
    expect(options).toHaveLength(1);
    expect(options[0]).toMatchObject({ severity: 'change', object: 'table ks.tuned' });
    expect(options[0]!.message).toContain('compaction {"class":"TimeWindowCompactionStrategy","compaction_window_size":"1"}');
    expect(options[0]!.message).toContain('gc_grace_seconds 3600');
    expect(options[0]!.message).toContain('caching {"keys":"NONE","rows_per_partition":"NONE"}');
    expect(options[0]!.message).toContain('speculative_retry ALWAYS');
    expect(options[0]!.message).toContain('read_repair NONE');
  });

  it('notes static columns, a default TTL, and TTLs seen in the sample', () => {
    const ks = keyspace({
      name: 'ks',
      tables: [
        { name: 'a_statics', columns: ['p:int:pk', 'c:int:ck', 's:text:static'] },
        { name: 'b_default_ttl', columns: ['id:int:pk', 'v:text'], options: { default_time_to_live: 600 } },
        { name: 'c_data_ttl', columns: ['id:int:pk', 'v:text'] },
      ],
    });
    const samples = new Map([
      [sampleKey('ks', 'b_default_ttl'), sample({ rowsWithTtl: 300 })],
      [sampleKey('ks', 'c_data_ttl'), sample({ rowsWithTtl: 12 })],
    ]);
    const found = assessSchema({ source: cluster(ks), target: toKeyspaces, samples }).filter((f) => f.keyspace === 'ks' && f.rule !== 'replication');
    expect(rules(found)).toEqual(['change default-ttl table ks.b_default_ttl', 'change ttl-in-data table ks.c_data_ttl', 'note static-columns table ks.a_statics']);
    expect(found[1]!.message).toBe("12 of 300 sampled rows carry a TTL: the table is created with TTL enabled ('ttl' custom property, which cannot be turned off)");
  });

  it('blocks rows, keys and static data over the Keyspaces limits, seen in the sample', () => {
    const ks = keyspace({ name: 'ks', tables: [{ name: 'big', columns: ['p:text:pk', 'c:text:ck', 's:blob:static', 'v:blob'] }] });
    const over = sample({ maxRowBytes: 1024 * 1024 + 1, maxPartitionKeyBytes: 2049, maxClusteringBytes: 851, maxStaticBytes: 1024 * 1024 + 1 });
    const under = sample({ maxRowBytes: 1024 * 1024, maxPartitionKeyBytes: 2048, maxClusteringBytes: 850, maxStaticBytes: 1024 * 1024 });
    const blockers = (s: TableSample) => assessSchema({ source: cluster(ks), target: toKeyspaces, samples: new Map([[sampleKey('ks', 'big'), s]]) }).filter((f) => f.severity === 'blocker');
    expect(blockers(over).map((f) => f.rule)).toEqual(['row-size', 'partition-key-size', 'clustering-key-size', 'static-size']);
    expect(blockers(over)[1]!.message).toBe('A partition key of 2049 bytes in 300 sampled rows: Keyspaces allows 2048');
    expect(blockers(under)).toEqual([]);
  });

  it('notes a table whose sample failed', () => {
    const ks = keyspace({ name: 'ks', tables: [{ name: 't', columns: ['id:int:pk'] }] });
    const found = assessSchema({ source: cluster(ks), target: toKeyspaces, samples: new Map([[sampleKey('ks', 't'), sample({ rows: 0, error: 'Operation timed out' })]]) });
    expect(found.find((f) => f.rule === 'sample-failed')?.message).toMatch(/could not be sampled \(Operation timed out\).*tandem schema enables TTL on it in case$/);
  });

  it('blocks a table whose definition cannot be read, for either target, and assesses the rest', () => {
    const ks = keyspace({ name: 'ks', tables: [{ name: 'legacy', columns: ['k:int:pk', ':empty'] }, { name: 'odd', columns: ['k:int:pk', 'x:frozen<gone>'] }, { name: 'fine', columns: ['k:int:pk', 'n:counter'] }] });
    for (const target of [toKeyspaces, { profile: 'cassandra', releaseVersion: '5.0.9' } as const]) {
      const found = assessSchema({ source: cluster(ks), target }).filter((f) => f.severity === 'blocker');
      expect(rules(found)).toEqual(['blocker counter-table table ks.fine', 'blocker unreadable-table table ks.legacy', 'blocker unreadable-table table ks.odd']);
      expect(found[1]!.message).toBe('Tandem cannot read its definition (unknown type empty in empty): tandem schema skips it and nothing fills it');
      expect(found[1]!.fix).toMatch(/COMPACT STORAGE.*DROP COMPACT STORAGE/);
      expect(found[2]!.fix).toMatch(/^Create the table on the target by hand/);
    }
  });

  it('blocks vectors, collections nested deeper than 8, too many columns per write, and names Keyspaces refuses', () => {
    const wide = Array.from({ length: 226 }, (_, i) => `c${i}:int`);
    const middling = Array.from({ length: 170 }, (_, i) => `c${i}:int`);
    const deep = `${'frozen<list<'.repeat(9)}int${'>>'.repeat(9)}`;
    const ks = keyspace({
      name: 'ks',
      tables: [
        { name: 'a_vectors', columns: ['id:int:pk', 'v:vector<float, 8>'] },
        { name: 'b_deep', columns: ['id:int:pk', `d:${deep}`] },
        { name: 'c_wide', columns: ['id:int:pk', ...wide] },
        { name: 'd_ttl_wide', columns: ['id:int:pk', ...middling], options: { default_time_to_live: 60 } },
        { name: 'e_middling', columns: ['id:int:pk', ...middling] },
        { name: '_f_hidden', columns: ['id:int:pk'] },
      ],
    });
    expect(rules(assessSchema({ source: cluster(ks), target: toKeyspaces }).filter((f) => f.severity === 'blocker'))).toEqual([
      // Tables in name order: '_' sorts before letters.
      'blocker table-name table ks._f_hidden',
      'blocker unsupported-type table ks.a_vectors',
      'blocker frozen-nesting table ks.b_deep',
      'blocker column-count table ks.c_wide',
      'blocker column-count table ks.d_ttl_wide',
    ]);
  });

  it('notes durable_writes off, points a multi-DC keyspace to multi-Region replication, and refuses a bad keyspace name', () => {
    const multi = keyspace({ name: 'multi', durableWrites: false, replication: { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '3', dc2: '3' } });
    const found = assessSchema({ source: cluster(multi, keyspace({ name: '_x' })), target: toKeyspaces });
    expect(found.find((f) => f.rule === 'replication' && f.keyspace === 'multi')!.fix).toMatch(/spans 2 data centers.*multi-Region/);
    expect(found.find((f) => f.rule === 'durable-writes')).toMatchObject({ severity: 'note', keyspace: 'multi' });
    expect(found.find((f) => f.rule === 'keyspace-name')).toMatchObject({ severity: 'blocker', keyspace: '_x' });
  });

  it('warns when the tables exceed the default quota of 256 per Region', () => {
    const tables = Array.from({ length: 257 }, (_, i) => ({ name: `t${i}`, columns: ['id:int:pk'] }));
    const quota = assessSchema({ source: cluster(keyspace({ name: 'many', tables })), target: toKeyspaces }).find((f) => f.rule === 'table-quota');
    expect(quota).toMatchObject({ severity: 'change', object: 'migration' });
  });
});

describe('assessSchema for a Cassandra target', () => {
  const rich = keyspace({
    name: 'ks',
    replication: { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '3' },
    types: { embedding: ['v:vector<float, 4>'] },
    tables: [
      { name: 'a_vectors', columns: ['id:int:pk', 'v:vector<float, 8>', 'd:duration'], options: { ...defaultOptions, gc_grace_seconds: 10 } },
      { name: 'b_counts', columns: ['id:int:pk', 'n:counter'] },
    ],
    extra: { views: [{ view_name: 'v', base_table_name: 'a_vectors' }], indexes: [{ table_name: 'a_vectors', index_name: 'i', kind: 'COMPOSITES' }] },
  });

  it('reports only what the target release lacks, and the counter table Tandem cannot carry', () => {
    expect(rules(assessSchema({ source: cluster(rich), target: { profile: 'cassandra', releaseVersion: '4.1.5' } }))).toEqual([
      'blocker unsupported-type type ks.embedding',
      'blocker unsupported-type table ks.a_vectors',
      'blocker counter-table table ks.b_counts',
    ]);
    expect(rules(assessSchema({ source: cluster(rich), target: { profile: 'cassandra', releaseVersion: '3.0.29' } }))).toContain('blocker unsupported-type table ks.a_vectors');
    expect(assessSchema({ source: cluster(rich), target: { profile: 'cassandra', releaseVersion: '3.0.29' } }).filter((f) => f.object === 'table ks.a_vectors').map((f) => f.message)).toEqual([
      'Column d duration: the target runs Cassandra 3.0.29; duration needs 3.10 or later',
      'Column v vector<float, 8>: the target runs Cassandra 3.0.29; vector needs 5.0 or later',
    ]);
    expect(rules(assessSchema({ source: cluster(rich), target: { profile: 'cassandra', releaseVersion: '5.0.9' } }))).toEqual(['blocker counter-table table ks.b_counts']);
  });
});
