import type { CqlType } from '../cql/index.js';

/**
 * What `tandem schema` creates on the target for one source keyspace, independent of the CQL
 * dialect that spells it (`renderCreateKeyspace`, `renderCreateType` and `renderCreateTable` in
 * cql-renderer.ts). Only what Tandem's pipeline needs is carried:
 * columns, primary key, clustering order, default TTL, and whether writes carry their own
 * timestamps and TTLs. Storage tuning (compaction, caching, ...) belongs to the target's operator.
 */
export interface TargetKeyspace {
  readonly name: string;
  /** In creation order: every type after the types it uses. */
  readonly types: readonly TargetType[];
  readonly tables: readonly TargetTable[];
  /** Source objects that are not created, each with why. */
  readonly skipped: readonly SkippedObject[];
}

export interface TargetType {
  readonly keyspace: string;
  readonly name: string;
  readonly fields: readonly { readonly name: string; readonly type: CqlType }[];
}

export interface TargetColumn {
  readonly name: string;
  readonly type: CqlType;
  readonly isStatic: boolean;
}

export interface TargetTable {
  readonly keyspace: string;
  readonly name: string;
  /** Partition key columns, then clustering columns, then the others by name. */
  readonly columns: readonly TargetColumn[];
  readonly partitionKey: readonly string[];
  readonly clustering: readonly { readonly name: string; readonly order: 'ASC' | 'DESC' }[];
  readonly defaultTimeToLive: number;
  /** `USING TIMESTAMP` must be accepted (Keyspaces: client_side_timestamps); counter tables cannot take it. */
  readonly clientSideTimestamps: boolean;
  /** `USING TTL` / a default TTL must be accepted (Keyspaces: the ttl custom property, one-way). */
  readonly ttl: boolean;
  readonly isCounterTable: boolean;
}

export const skippedKinds = ['keyspace', 'type', 'table', 'materialized view', 'index', 'trigger', 'function', 'aggregate'] as const;
export type SkippedKind = (typeof skippedKinds)[number];

export interface SkippedObject {
  readonly kind: SkippedKind;
  readonly keyspace: string;
  readonly name: string;
  readonly reason: string;
}
