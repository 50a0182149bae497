import { parseCqlType } from '../cql/index.js';
import { keyspacesNamePattern, keyspacesNameRule } from '../cql/index.js';
import type { KeyspaceSchema, TableDefinition } from './schema-model.js';
import type { SkippedKind, SkippedObject, TargetKeyspace, TargetTable, TargetType } from './target-model.js';
import { unsupportedTypeReason, type TargetDescription } from './type-support.js';
import { orderTypes } from './udt-order.js';

export interface TranslateOptions {
  readonly target: TargetDescription;
  /** Tables (by name) whose data carries TTLs: seen in a sample, or set by a topic's `ttl`. */
  readonly ttlTables?: ReadonlySet<string>;
}

/**
 * Translates one source keyspace into what the target gets: the same columns, keys, clustering
 * order and default TTL; tables that take `USING TIMESTAMP` (all but counter tables) and, where the
 * data uses TTL, `USING TTL`. Objects the target cannot hold, or that Tandem does not create, are
 * listed as skipped with the reason. Pure: no I/O.
 *
 * @example
 *   const target = translateKeyspace(source, { target: { profile: 'keyspaces' }, ttlTables: new Set(['sessions']) });
 *   target.tables.map((t) => [t.name, t.ttl]);
 */
export function translateKeyspace(source: KeyspaceSchema, options: TranslateOptions): TargetKeyspace {
  const keyspaces = options.target.profile === 'keyspaces';
  const keyspace = source.name;
  if (keyspaces && !keyspacesNamePattern.test(keyspace)) {
    const reason = `Amazon Keyspaces names are ${keyspacesNameRule}`;
    return { name: keyspace, types: [], tables: [], skipped: [{ kind: 'keyspace', keyspace, name: keyspace, reason }] };
  }
  const skipped: SkippedObject[] = [];
  const skip = (kind: SkippedKind, name: string, reason: string) => skipped.push({ kind, keyspace, name, reason });

  const definitions = new Map(source.types.map((t) => [t.name, t.fields]));
  const types: TargetType[] = [];
  for (const udt of orderTypes(source.types)) {
    const fields = udt.fields.map((f) => ({ name: f.name, type: parseCqlType(f.type, keyspace, definitions) }));
    const problem = fields.map((f) => ({ f, reason: unsupportedTypeReason(f.type, options.target) })).find((p) => p.reason);
    if (problem) skip('type', udt.name, `field ${problem.f.name}: ${problem.reason}`);
    else types.push({ keyspace, name: udt.name, fields });
  }

  const tables: TargetTable[] = [];
  for (const table of source.tables) {
    const name = table.schema.table;
    const problem = table.schema.columns.map((c) => ({ c, reason: unsupportedTypeReason(c.type, options.target) })).find((p) => p.reason);
    if (problem) skip('table', name, `column ${problem.c.name}: ${problem.reason}`);
    else if (keyspaces && !keyspacesNamePattern.test(name)) skip('table', name, `Amazon Keyspaces table names are ${keyspacesNameRule}`);
    else tables.push(translateTable(table, options.ttlTables?.has(name) ?? false));
  }
  for (const table of source.unreadableTables) skip('table', table.name, `its definition cannot be read: ${table.reason}`);

  const why = keyspaces ? whyKeyspaces : whyCassandra;
  for (const view of source.views) skip('materialized view', view.name, why.view);
  for (const index of source.indexes) skip('index', index.name, why.index);
  for (const trigger of source.triggers) skip('trigger', trigger.name, why.trigger);
  for (const fn of source.functions) skip('function', fn.name, why.function);
  for (const aggregate of source.aggregates) skip('aggregate', aggregate.name, why.aggregate);
  return { name: keyspace, types, tables, skipped };
}

function translateTable(table: TableDefinition, dataUsesTtl: boolean): TargetTable {
  const { schema, options } = table;
  const counter = schema.isCounterTable;
  return {
    keyspace: schema.keyspace,
    name: schema.table,
    columns: schema.columns.map((c) => ({ name: c.name, type: c.type, isStatic: c.kind === 'static' })),
    partitionKey: schema.partitionKey.map((c) => c.name),
    clustering: schema.clustering.map((c) => ({ name: c.name, order: c.clusteringOrder === 'desc' ? 'DESC' : 'ASC' })),
    defaultTimeToLive: options.defaultTimeToLive,
    // Counters take neither USING TIMESTAMP nor TTL; Tandem does not migrate them (tandem assess says why).
    clientSideTimestamps: !counter,
    ttl: !counter && (dataUsesTtl || options.defaultTimeToLive > 0),
    isCounterTable: counter,
  };
}

const whyKeyspaces = {
  view: 'Amazon Keyspaces has no materialized views (tandem assess names the fix)',
  index: 'Amazon Keyspaces has no secondary indexes (tandem assess names the fix)',
  trigger: 'Amazon Keyspaces has no triggers',
  function: 'Amazon Keyspaces has no user-defined functions',
  aggregate: 'Amazon Keyspaces has no user-defined aggregates',
};

const whyCassandra = {
  view: 'Tandem does not create materialized views: create it on the target once its base table is backfilled',
  index: 'Tandem does not create indexes: create it on the target once its table is backfilled',
  trigger: "Tandem does not create triggers: install the trigger's class on the target and create it there",
  function: 'Tandem does not create functions: create it on the target (user-defined functions must be enabled there)',
  aggregate: 'Tandem does not create aggregates: create it on the target (user-defined functions must be enabled there)',
};
