import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { sampleKey } from '../../src/schema/sample-key.js';
import { copySchema, type SchemaItemResult } from '../../src/schema/schema-copy.js';
import { fakeClient, systemAnswer, systemTables, type FakeTable } from './fake-client.js';

const shopTables: FakeTable[] = [
  { name: 'configured', columns: ['id:int:pk', 'v:text'] },
  { name: 'sampled_ttl', columns: ['id:int:pk', 'v:text'] },
  { name: 'sampled_plain', columns: ['id:int:pk', 'v:text'] },
  { name: 'failing', columns: ['id:int:pk', 'v:text'] },
  { name: 'keys_only', columns: ['a:int:pk', 'b:int:ck'] },
  { name: 'counts', columns: ['id:int:pk', 'n:counter'] },
  { name: 'defaults', columns: ['id:int:pk', 'v:text'], defaultTimeToLive: 60 },
];

/** A source with the shop keyspace (and DSE, OpsCenter and system ones) whose tables answer samples as their names say. */
function source() {
  const system = systemTables([{ name: 'shop', tables: shopTables }, { name: 'dse_security' }, { name: 'OpsCenter' }]);
  return fakeClient(
    systemAnswer(system, (cql) => {
      if (cql.includes('"failing"')) return new Error('Operation timed out');
      // Sampled rows come back under the positional aliases c0, c1, ... (see positionalSelectors).
      if (cql.includes('"sampled_ttl"')) return [{ c0: 1, c1: 'a', c2: null }, { c0: 2, c1: 'b', c2: 600 }];
      return cql.includes('"keys_only"') ? [{ c0: 1, c1: 2 }] : [{ c0: 1, c1: 'a', c2: null }];
    }),
  );
}

/** An empty target that takes DDL (unprepared only) and is always in schema agreement. */
function target(log: string[] = []) {
  return fakeClient(
    systemAnswer(systemTables([]), (cql, _params, options) => {
      if (options?.prepare !== false) return new Error(`DDL must not be prepared: ${cql}`);
      log.push(cql.split(' (')[0]!);
      return [];
    }),
  );
}

const ttlOf = (items: readonly SchemaItemResult[]) =>
  Object.fromEntries(items.filter((i) => i.kind === 'table').map((i) => [i.name, i.cql?.includes(`'ttl': {'status': 'enabled'}`) || i.cql?.includes('default_time_to_live')]));

describe('copySchema', () => {
  it('in a dry run only reads, enables TTL from the config, a sample, or where TTL use is unknown, and says why', async () => {
    const [from, to] = [source(), target()];
    const report = await copySchema({
      source: from,
      target: to,
      targetProfile: 'cassandra',
      dialectProfile: 'keyspaces',
      dryRun: true,
      sampleRows: 20,
      ttlTables: new Set([sampleKey('shop', 'configured')]),
    });
    expect([...from.executed, ...to.executed].filter((e) => !/^SELECT /.test(e.cql))).toEqual([]);
    // Tables named by the config, counters and tables with a default TTL are not sampled.
    expect(from.executed.filter((e) => e.cql.includes('LIMIT')).map((e) => e.cql.split(' FROM ')[1])).toEqual([
      '"shop"."failing" LIMIT 20',
      '"shop"."keys_only" LIMIT 20',
      '"shop"."sampled_plain" LIMIT 20',
      '"shop"."sampled_ttl" LIMIT 20',
    ]);
    expect(ttlOf(report.items)).toEqual({
      configured: true,
      sampled_ttl: true,
      sampled_plain: false,
      failing: true,
      keys_only: true,
      counts: false,
      defaults: true,
    });
    const details = Object.fromEntries(report.items.filter((i) => i.details).map((i) => [i.name, i.details]));
    expect(details).toEqual({
      failing: ['TTL use is unknown (its rows could not be sampled: Operation timed out), so it needs TTL enabled in case'],
      keys_only: ['TTL use is unknown (no column of it shows a TTL to a sample, only key columns and non-frozen collections), so it needs TTL enabled in case'],
    });
    expect(report).toMatchObject({ profile: 'keyspaces', dryRun: true, excludedKeyspaces: ['OpsCenter', 'dse_security', 'system'] });
    expect(report.summary).toMatchObject({ planned: 8, created: 0 });
  });

  it('enables TTL on every table but counters when no rows are sampled', async () => {
    const report = await copySchema({ source: source(), target: target(), targetProfile: 'keyspaces', keyspaces: ['shop'], dryRun: true, sampleRows: 0 });
    expect(Object.values(ttlOf(report.items)).filter((ttl) => !ttl)).toHaveLength(1);
    expect(report.items.find((i) => i.name === 'sampled_plain')?.details).toEqual(['TTL use is unknown (no rows were sampled), so it needs TTL enabled in case']);
    expect(report.excludedKeyspaces).toEqual([]);
  });

  it('refuses CQL for another profile than the target has unless it is a dry run, before reading anything', async () => {
    const [from, to] = [source(), target()];
    const run = copySchema({ source: from, target: to, targetProfile: 'cassandra', dialectProfile: 'keyspaces', dryRun: false, sampleRows: 0 });
    await expect(run).rejects.toBeInstanceOf(ConfigError);
    await expect(run).rejects.toThrow("CQL for the keyspaces profile can only be printed (a dry run): the target's profile is cassandra");
    expect([...from.executed, ...to.executed]).toEqual([]);
  });

  it('hands over the plan before creating anything, then each object as it is created', async () => {
    const log: string[] = [];
    const report = await copySchema({
      source: source(),
      target: target(log),
      targetProfile: 'cassandra',
      keyspaces: ['shop'],
      dryRun: false,
      sampleRows: 0,
      wait: { pollMs: 0, sleep: async () => {} },
      onPlan: (items) => log.push(`plan: ${items.map((i) => `${i.name} ${i.status}`).join(', ')}`),
      onItem: (item) => log.push(`${item.status} ${item.name}`),
    });
    expect(log.slice(0, 4)).toEqual([
      'plan: shop planned, configured planned, counts planned, defaults planned, failing planned, keys_only planned, sampled_plain planned, sampled_ttl planned',
      'CREATE KEYSPACE "shop" WITH REPLICATION = {\'class\': \'NetworkTopologyStrategy\', \'datacenter1\': \'1\'}',
      'created shop',
      'CREATE TABLE "shop"."configured"',
    ]);
    expect(log.at(-1)).toBe('created sampled_ttl');
    expect(report.summary.created).toBe(8);
  });
});
