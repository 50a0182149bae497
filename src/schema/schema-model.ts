import type { TableSchema } from '../cql/index.js';

/**
 * A cluster's schema as `system_schema` describes it, for the keyspaces being migrated. Both the
 * source and the target are read into this shape, so translation and comparison see one model.
 */
export interface ClusterSchema {
  /** `release_version` of `system.local`, e.g. `5.0.9`; Amazon Keyspaces answers `3.11.2`. */
  readonly releaseVersion: string;
  readonly dataCenter: string;
  /** Nodes in the data center the client is local to (a replication factor must not exceed it). */
  readonly nodesInDataCenter: number;
  readonly keyspaces: readonly KeyspaceSchema[];
}

export interface KeyspaceSchema {
  readonly name: string;
  /** As stored: `{ class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '3' }`. */
  readonly replication: Readonly<Record<string, string>>;
  readonly durableWrites: boolean;
  readonly types: readonly UdtSchema[];
  readonly tables: readonly TableDefinition[];
  /** Tables whose columns Tandem cannot model (a type it does not know, e.g. `empty` in a COMPACT STORAGE table), with why. */
  readonly unreadableTables: readonly UnreadableTable[];
  readonly views: readonly ViewSchema[];
  readonly indexes: readonly IndexSchema[];
  readonly triggers: readonly TriggerSchema[];
  readonly functions: readonly FunctionSchema[];
  readonly aggregates: readonly FunctionSchema[];
}

export interface UdtSchema {
  readonly keyspace: string;
  readonly name: string;
  /** Field types as `system_schema.types` stores their text. */
  readonly fields: readonly { readonly name: string; readonly type: string }[];
}

export interface TableDefinition {
  readonly schema: TableSchema;
  readonly options: TableOptions;
  /** Keyspaces only (`system_schema_mcs.tables`): what the pipeline needs switched on. */
  readonly keyspacesProperties?: KeyspacesTableProperties;
}

/** The table options `system_schema.tables` holds; absent ones are undefined (Keyspaces lacks some). */
export interface TableOptions {
  readonly defaultTimeToLive: number;
  readonly gcGraceSeconds?: number;
  readonly compaction?: Readonly<Record<string, string>>;
  readonly compression?: Readonly<Record<string, string>>;
  readonly caching?: Readonly<Record<string, string>>;
  readonly speculativeRetry?: string;
  readonly additionalWritePolicy?: string;
  readonly readRepair?: string;
  readonly memtable?: string;
  readonly bloomFilterFpChance?: number;
  readonly memtableFlushPeriodMs?: number;
  readonly cdc?: boolean;
  readonly comment?: string;
}

export interface UnreadableTable {
  readonly keyspace: string;
  readonly name: string;
  readonly reason: string;
}

export interface KeyspacesTableProperties {
  readonly status: string;
  readonly clientSideTimestamps: boolean;
  readonly ttl: boolean;
}

export interface ViewSchema {
  readonly keyspace: string;
  readonly name: string;
  readonly baseTable: string;
  readonly whereClause: string;
}

export interface IndexSchema {
  readonly keyspace: string;
  readonly table: string;
  readonly name: string;
  /** `COMPOSITES`, `KEYS` or `CUSTOM` (SAI and SASI are custom indexes). */
  readonly kind: string;
  readonly options: Readonly<Record<string, string>>;
}

export interface TriggerSchema {
  readonly keyspace: string;
  readonly table: string;
  readonly name: string;
}

export interface FunctionSchema {
  readonly keyspace: string;
  readonly name: string;
  readonly argumentTypes: readonly string[];
}

/**
 * Cassandra's own keyspaces (system, system_auth, system_schema, system_distributed, system_traces,
 * system_views, system_virtual_schema) and Amazon Keyspaces' (system_schema_mcs,
 * system_multiregion_info) are never migrated.
 */
export function isSystemKeyspace(name: string): boolean {
  return name === 'system' || name.startsWith('system_');
}

/**
 * Keyspaces DataStax Enterprise and OpsCenter keep for themselves (dse_system, dse_security,
 * dse_perf, dse_leases, dse_insights, solr_admin, OpsCenter, and the DSE Analytics ones).
 */
const vendorKeyspaces = new Set(['solr_admin', 'OpsCenter', 'HiveMetaStore', 'cfs', 'cfs_archive', 'dsefs']);

/**
 * Whether a keyspace is left out when no keyspace is named: system keyspaces, and the ones DSE and
 * OpsCenter keep for themselves (those can still be named explicitly).
 *
 * @example
 *   isExcludedByDefault('dse_security') // true
 *   isExcludedByDefault('shop')         // false
 */
export function isExcludedByDefault(name: string): boolean {
  return isSystemKeyspace(name) || name.startsWith('dse_') || vendorKeyspaces.has(name);
}

/** `ks.table` for messages, with quotes only where a name needs them. */
export function qualifiedName(keyspace: string, name?: string): string {
  const part = (n: string) => (/^[a-z_][a-z0-9_]*$/.test(n) ? n : `"${n.replaceAll('"', '""')}"`);
  return name === undefined ? part(keyspace) : `${part(keyspace)}.${part(name)}`;
}
