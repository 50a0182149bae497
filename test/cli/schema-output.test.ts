import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Output } from '../../src/cli/output.js';
import { formatAssessment, formatSchemaPlan, formatSchemaReport } from '../../src/cli/schema-output.js';
import type { AssessmentReport, SchemaReport } from '../../src/schema/index.js';

describe('tandem assess output', () => {
  const report: AssessmentReport = {
    profile: 'keyspaces',
    source: { releaseVersion: '5.0.9' },
    keyspaces: ['shop'],
    excludedKeyspaces: [],
    tables: 2,
    sampledRows: 42,
    findings: [
      { severity: 'note', rule: 'timestamp-window', object: 'migration', message: 'Window', fix: 'Sync clocks' },
      { severity: 'blocker', rule: 'counter-table', keyspace: 'shop', object: 'table shop.hits', message: 'Counter table', fix: 'Migrate it separately', source: 'https://example.com/doc' },
      { severity: 'change', rule: 'replication', keyspace: 'shop', object: 'keyspace shop', message: 'Becomes SingleRegionStrategy', fix: 'None needed' },
    ],
    summary: { blocker: 1, change: 1, note: 1 },
  };

  it('groups findings by keyspace, each with its fix, and ends with a summary', () => {
    expect(formatAssessment(report)).toEqual([
      'Assessment for an Amazon Keyspaces target: 1 keyspace, 2 tables (source Cassandra 5.0.9; 42 rows sampled)',
      '',
      'migration',
      '  note     Window',
      '           fix: Sync clocks',
      '',
      'shop',
      '  BLOCKER  table shop.hits: Counter table',
      '           fix: Migrate it separately',
      '           see: https://example.com/doc',
      '  change   keyspace shop: Becomes SingleRegionStrategy',
      '           fix: None needed',
      '',
      'Summary: 1 blocker, 1 change, 1 note. Resolve the blockers before migrating the objects they name.',
    ]);
  });

  it('says which keyspaces it left out', () => {
    expect(formatAssessment({ ...report, excludedKeyspaces: ['OpsCenter', 'system'] }).slice(0, 2)).toEqual([
      'Assessment for an Amazon Keyspaces target: 1 keyspace, 2 tables (source Cassandra 5.0.9; 42 rows sampled)',
      'Left out: OpsCenter, system (system, DSE and OpsCenter keyspaces; name a DSE or OpsCenter keyspace with --keyspace to include it)',
    ]);
  });
});

describe('tandem schema output', () => {
  const items: SchemaReport['items'] = [
    { kind: 'keyspace', keyspace: 'shop', name: 'shop', status: 'planned', cql: 'CREATE KEYSPACE "shop" WITH REPLICATION = {}' },
    { kind: 'table', keyspace: 'shop', name: 'carts', status: 'planned', cql: 'CREATE TABLE "shop"."carts" (...)', details: ['TTL use is unknown (no rows were sampled), so it needs TTL enabled in case'] },
    { kind: 'table', keyspace: 'shop', name: 'Orders', status: 'conflict', details: ['column a is int on the target, text on the source'] },
    { kind: 'index', keyspace: 'shop', name: 'by_a', status: 'skipped', details: ['Amazon Keyspaces has no secondary indexes'] },
  ];
  const summary = { created: 0, planned: 2, unchanged: 0, conflict: 1, skipped: 1 };

  it('prints a dry run as a CQL script: statements with their notes, then everything else as comments', () => {
    expect(formatSchemaReport({ profile: 'keyspaces', dryRun: true, excludedKeyspaces: ['system'], items, summary })).toEqual([
      '-- tandem schema --dry-run for the keyspaces profile: nothing was run',
      '-- Left out: system (system, DSE and OpsCenter keyspaces; name a DSE or OpsCenter keyspace with --keyspace to include it)',
      '',
      'CREATE KEYSPACE "shop" WITH REPLICATION = {};',
      '',
      '-- table shop.carts: TTL use is unknown (no rows were sampled), so it needs TTL enabled in case',
      'CREATE TABLE "shop"."carts" (...);',
      '',
      '-- conflict   table shop."Orders": column a is int on the target, text on the source',
      '-- skipped    index shop.by_a: Amazon Keyspaces has no secondary indexes',
      '-- Summary: 2 to create, 0 unchanged, 1 conflict, 1 skipped (profile keyspaces)',
    ]);
  });

  it('prints one line per object after a run', () => {
    const done = items.map((i) => (i.status === 'planned' ? { ...i, status: 'created' as const } : i));
    expect(formatSchemaReport({ profile: 'cassandra', dryRun: false, excludedKeyspaces: [], items: done, summary: { ...summary, planned: 0, created: 2 } })).toEqual([
      'created    keyspace shop',
      'created    table shop.carts: TTL use is unknown (no rows were sampled), so it needs TTL enabled in case',
      'conflict   table shop."Orders": column a is int on the target, text on the source',
      'skipped    index shop.by_a: Amazon Keyspaces has no secondary indexes',
      'Summary: 2 created, 0 unchanged, 1 conflict, 1 skipped (profile cassandra)',
    ]);
  });

  it('prints the plan before creating: counts, then what will not be created and why', () => {
    expect(formatSchemaPlan(items)).toEqual([
      'Plan: 2 to create, 0 unchanged, 1 conflict, 1 skipped',
      'conflict   table shop."Orders": column a is int on the target, text on the source',
      'skipped    index shop.by_a: Amazon Keyspaces has no secondary indexes',
    ]);
  });
});

describe('tandem schema and assess options', () => {
  function capture(): Output & { lines: string[] } {
    const lines: string[] = [];
    return { lines, info: (l) => lines.push(l), progress: (l) => lines.push(l), error: (l) => lines.push(l) };
  }
  const file = join(mkdtempSync(join(tmpdir(), 'tandem-schema-opts-')), 'tandem.yaml');
  writeFileSync(file, ['kafka: { brokers: [127.0.0.1:9092] }', 'source: { contactPoints: [127.0.0.1:9042] }', 'target: { profile: cassandra, contactPoints: [127.0.0.1:9142] }'].join('\n'));

  it.each([
    [['schema', '--profile', 'keyspaces'], 'tandem: --profile keyspaces needs --dry-run: the target\'s profile is target.profile (cassandra)'],
    [['schema', '--dry-run', '--profile', 'dynamo'], 'tandem: --profile dynamo is not one of keyspaces, cassandra'],
    [['assess', '--sample-rows', 'many'], 'tandem: --sample-rows many is not a number of rows (0 to 1000000)'],
  ])('refuses %j before connecting anywhere', async (args, line) => {
    const output = capture();
    expect(await main(['node', 'tandem', ...args, '--config', file], output)).toBe(1);
    expect(output.lines).toEqual([line]);
  });
});
