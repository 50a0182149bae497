import type { Finding } from './finding.js';
import { keyspacesDocs, keyspacesLimits, keyspacesNamePattern, keyspacesNameRule } from '../cql/index.js';
import { qualifiedName, type ClusterSchema, type KeyspaceSchema } from './schema-model.js';

/** Findings about the migration as a whole when the target is Amazon Keyspaces. */
export function migrationFindings(source: ClusterSchema): Finding[] {
  const findings: Finding[] = [
    {
      severity: 'note',
      rule: 'client-side-timestamps',
      object: 'migration',
      message:
        'Every table except counter tables is created with client_side_timestamps enabled (it cannot be turned off), so dual writes and ' +
        'backfill can write USING TIMESTAMP; Keyspaces then stores extra bytes per cell, counted in storage and in the 1 MB row size',
      fix: 'None needed; include the overhead in capacity and cost estimates',
      source: keyspacesDocs.clientSideTimestamps,
    },
    {
      severity: 'note',
      rule: 'timestamp-window',
      object: 'migration',
      message: 'Keyspaces accepts a client-supplied USING TIMESTAMP only from 2 days in the past to 5 minutes in the future of its clock',
      fix:
        "Keep producers' clocks synchronized (the tandem-ts-us header), and check that your account accepts the source write times " +
        'of older rows before a backfill relies on them',
      source: keyspacesDocs.timestampQueries,
    },
  ];
  const tables = source.keyspaces.reduce((n, k) => n + k.tables.length, 0);
  if (source.keyspaces.length > keyspacesLimits.keyspacesPerRegion || tables > keyspacesLimits.tablesPerRegion) {
    findings.push({
      severity: 'change',
      rule: 'table-quota',
      object: 'migration',
      message: `${source.keyspaces.length} keyspaces and ${tables} tables exceed the default quota of ${keyspacesLimits.keyspacesPerRegion} keyspaces and ${keyspacesLimits.tablesPerRegion} tables per Region`,
      fix: 'Request a quota increase in the AWS Service Quotas console before running tandem schema',
      source: keyspacesDocs.quotas,
    });
  }
  return findings;
}

/** Keyspace-level objects and settings Amazon Keyspaces does not have. */
export function keyspaceFindings(keyspace: KeyspaceSchema): Finding[] {
  const ks = keyspace.name;
  const findings: Finding[] = [];
  const add = (finding: Omit<Finding, 'keyspace'>) => findings.push({ keyspace: ks, ...finding });
  if (!keyspacesNamePattern.test(ks)) {
    add({
      severity: 'blocker',
      rule: 'keyspace-name',
      object: `keyspace ${qualifiedName(ks)}`,
      message: `Amazon Keyspaces keyspace names are ${keyspacesNameRule}`,
      fix: 'Migrate into a keyspace with a valid name (rename it on the source, or create the target keyspace by hand and map topics to it)',
      source: keyspacesDocs.createKeyspaceApi,
    });
  }
  const { class: strategy = '', ...factors } = keyspace.replication;
  const shortStrategy = strategy.replace(/^org\.apache\.cassandra\.locator\./, '');
  const dataCenters = Object.keys(factors).filter((k) => k !== 'replication_factor');
  add({
    severity: 'change',
    rule: 'replication',
    object: `keyspace ${qualifiedName(ks)}`,
    message: `Replication ${shortStrategy} ${JSON.stringify(factors)} becomes SingleRegionStrategy: Keyspaces keeps three copies across Availability Zones of one Region`,
    fix:
      dataCenters.length > 1
        ? `None for a single-Region target; the source spans ${dataCenters.length} data centers, so use Keyspaces multi-Region replication ` +
          'if the application needs several Regions'
        : 'None needed; tandem schema creates the keyspace with SingleRegionStrategy',
    source: keyspacesDocs.keyspaceDdl,
  });
  if (!keyspace.durableWrites) {
    add({
      severity: 'note',
      rule: 'durable-writes',
      object: `keyspace ${qualifiedName(ks)}`,
      message: 'durable_writes = false is not kept: every Keyspaces write is durable',
      fix: 'None needed',
      source: keyspacesDocs.supportedApis,
    });
  }
  for (const view of keyspace.views) {
    add({
      severity: 'blocker',
      rule: 'materialized-view',
      object: `materialized view ${qualifiedName(ks, view.name)} (on ${view.baseTable})`,
      message: 'Keyspaces has no materialized views: tandem schema does not create it, so reads from the view fail on the target',
      fix:
        `Create a regular table with the view's primary key, have the application write it beside ${view.baseTable} ` +
        '(or route a second Tandem topic to it), and backfill it from the view',
      source: keyspacesDocs.supportedApis,
    });
  }
  for (const index of keyspace.indexes) {
    const custom = index.options.class_name ? `, ${index.options.class_name.replace(/^.*\./, '')}` : '';
    add({
      severity: 'blocker',
      rule: 'secondary-index',
      object: `index ${qualifiedName(ks, index.name)} (on ${index.table}.${index.options.target ?? '?'}${custom})`,
      message: 'Keyspaces has no secondary indexes: queries that rely on the index fail on the target',
      fix: `Add a lookup table keyed by the indexed column that the application writes beside ${index.table}, and query it instead of the index`,
      source: keyspacesDocs.supportedApis,
    });
  }
  for (const trigger of keyspace.triggers) {
    add({
      severity: 'blocker',
      rule: 'trigger',
      object: `trigger ${trigger.name} on ${qualifiedName(ks, trigger.table)}`,
      message: 'Keyspaces has no triggers: what the trigger does stops happening on the target',
      fix: "Move the trigger's logic into the application, or into a consumer of the table's Kafka topic",
      source: keyspacesDocs.supportedApis,
    });
  }
  for (const fn of keyspace.functions) {
    add({
      severity: 'blocker',
      rule: 'user-defined-function',
      object: `function ${qualifiedName(ks, fn.name)}(${fn.argumentTypes.join(', ')})`,
      message: 'Keyspaces has no user-defined functions: queries that call it fail on the target',
      fix: 'Compute the value in the application before writing or after reading',
      source: keyspacesDocs.supportedApis,
    });
  }
  for (const aggregate of keyspace.aggregates) {
    add({
      severity: 'blocker',
      rule: 'user-defined-aggregate',
      object: `aggregate ${qualifiedName(ks, aggregate.name)}(${aggregate.argumentTypes.join(', ')})`,
      message: 'Keyspaces has no user-defined aggregates: queries that call it fail on the target',
      fix: 'Aggregate in the application, or keep a table of precomputed aggregates that the application maintains',
      source: keyspacesDocs.supportedApis,
    });
  }
  return findings;
}
