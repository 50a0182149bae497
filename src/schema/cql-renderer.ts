import { formatCqlType, quoteIdentifier, quoteString, type CqlType } from '../cql/index.js';
import type { TargetTable, TargetType } from './target-model.js';

/**
 * How the target spells what the translation decided. Amazon Keyspaces takes `SingleRegionStrategy`
 * and `CUSTOM_PROPERTIES`; a Cassandra target (the local Keyspaces stand-in among them) accepts
 * neither, so it gets plain replication in its data center and no custom properties.
 */
export type CqlDialect =
  | { readonly profile: 'keyspaces' }
  | { readonly profile: 'cassandra'; readonly dataCenter: string; readonly replicationFactor: number };

/**
 * Keyspaces DDL syntax:
 * https://docs.aws.amazon.com/keyspaces/latest/devguide/cql.ddl.keyspace.html
 *
 * @example
 *   renderCreateKeyspace('shop', { profile: 'keyspaces' })
 *   // CREATE KEYSPACE "shop" WITH REPLICATION = {'class': 'SingleRegionStrategy'}
 */
export function renderCreateKeyspace(name: string, dialect: CqlDialect): string {
  const replication: MapLiteral =
    dialect.profile === 'keyspaces'
      ? { class: 'SingleRegionStrategy' }
      : dialect.dataCenter
        ? { class: 'NetworkTopologyStrategy', [dialect.dataCenter]: String(dialect.replicationFactor) }
        : { class: 'SimpleStrategy', replication_factor: String(dialect.replicationFactor) };
  return `CREATE KEYSPACE ${quoteIdentifier(name)} WITH REPLICATION = ${renderMap(replication)}`;
}

/** A UDT: the same CQL on every target (https://docs.aws.amazon.com/keyspaces/latest/devguide/cql.ddl.type.html). */
export function renderCreateType(type: TargetType): string {
  const fields = type.fields.map((f) => `  ${quoteIdentifier(f.name)} ${renderType(f.type)}`);
  return `CREATE TYPE ${quoteIdentifier(type.keyspace)}.${quoteIdentifier(type.name)} (\n${fields.join(',\n')}\n)`;
}

/**
 * A table with its keys, clustering order and default TTL. On Keyspaces, `client_side_timestamps`
 * lets writes carry `USING TIMESTAMP` and `ttl` lets them carry `USING TTL`; both are one-way:
 * https://docs.aws.amazon.com/keyspaces/latest/devguide/client-side-timestamps-create-new-table.html
 * https://docs.aws.amazon.com/keyspaces/latest/devguide/TTL-how-to-enable-custom-new.html
 *
 * @example
 *   renderCreateTable(table, { profile: 'keyspaces' })
 *   // CREATE TABLE "shop"."orders" ( ... ) WITH CLUSTERING ORDER BY ("placed" DESC)
 *   //   AND CUSTOM_PROPERTIES = {'client_side_timestamps': {'status': 'enabled'}}
 */
export function renderCreateTable(table: TargetTable, dialect: CqlDialect): string {
  const columns = table.columns.map((c) => `  ${quoteIdentifier(c.name)} ${renderType(c.type)}${c.isStatic ? ' STATIC' : ''}`);
  const partition = table.partitionKey.map(quoteIdentifier);
  const partitionKey = partition.length === 1 ? partition[0]! : `(${partition.join(', ')})`;
  const key = [partitionKey, ...table.clustering.map((c) => quoteIdentifier(c.name))].join(', ');
  const options: string[] = [];
  if (table.clustering.length > 0) {
    options.push(`CLUSTERING ORDER BY (${table.clustering.map((c) => `${quoteIdentifier(c.name)} ${c.order}`).join(', ')})`);
  }
  if (table.defaultTimeToLive > 0) options.push(`default_time_to_live = ${table.defaultTimeToLive}`);
  if (dialect.profile === 'keyspaces') {
    const custom: Record<string, Record<string, string>> = {};
    if (table.clientSideTimestamps) custom.client_side_timestamps = { status: 'enabled' };
    if (table.ttl) custom.ttl = { status: 'enabled' };
    if (Object.keys(custom).length > 0) options.push(`CUSTOM_PROPERTIES = ${renderMap(custom)}`);
  }
  const name = `${quoteIdentifier(table.keyspace)}.${quoteIdentifier(table.name)}`;
  const body = `CREATE TABLE ${name} (\n${columns.join(',\n')},\n  PRIMARY KEY (${key})\n)`;
  return options.length === 0 ? body : `${body} WITH ${options.join('\n  AND ')}`;
}

/** A type as DDL spells it, every UDT name quoted. */
export function renderType(type: CqlType): string {
  return formatCqlType(type, quoteIdentifier);
}

type MapLiteral = { readonly [key: string]: string | MapLiteral };

function renderMap(map: MapLiteral): string {
  const entries = Object.entries(map).map(([k, v]) => `${quoteString(k)}: ${typeof v === 'string' ? quoteString(v) : renderMap(v)}`);
  return `{${entries.join(', ')}}`;
}
