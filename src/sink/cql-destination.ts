import cassandra from 'cassandra-driver';
import type { TargetProfile } from '../config/index.js';
import { readTableSchema, type TableSchema } from '../cql/index.js';
import { RecordRejectedError } from '../errors.js';
import type { RowOperation } from '../records/index.js';
import { bindValues, deleteCql, insertCql } from './statements.js';

export const destinationNames = ['source', 'target'] as const;
export type DestinationName = (typeof destinationNames)[number];

/** Amazon Keyspaces refuses rows over 1 MB. */
export const keyspacesRowLimitBytes = 1024 * 1024;

/** Where a sink writes: one CQL cluster. */
export interface Destination {
  readonly name: DestinationName;
  /** One attempt; the caller retries or dead-letters by the error's class. */
  write(table: TableSchema, op: RowOperation): Promise<void>;
  /** One attempt at several rows of a table as one unlogged batch, each row with its own timestamp. */
  writeBatch(table: TableSchema, ops: readonly RowOperation[]): Promise<void>;
  /** Whether rows of different partitions may share a batch without a coordinator forwarding them. */
  batchesAcrossPartitions(): boolean;
  tableSchema(keyspace: string, table: string): Promise<TableSchema | undefined>;
  close(): Promise<void>;
}

/** Shared by every write rather than built per call on the hot path. */
const writeOptions = Object.freeze({ prepare: true, consistency: cassandra.types.consistencies.localQuorum });
const batchOptions = Object.freeze({ ...writeOptions, logged: false });

interface TableStatements {
  readonly insert: string;
  readonly insertWithTtl: string;
  readonly delete: string;
}

/** Writes row operations with prepared statements at LOCAL_QUORUM, each with its record's timestamp. */
export class CqlDestination implements Destination {
  private readonly statements = new WeakMap<TableSchema, TableStatements>();

  constructor(
    readonly name: DestinationName,
    private readonly client: cassandra.Client,
    private readonly profile: TargetProfile,
  ) {}

  async write(table: TableSchema, op: RowOperation): Promise<void> {
    this.checkSize(op);
    await this.client.execute(this.statementFor(table, op), bindValues(table, op), writeOptions);
  }

  async writeBatch(table: TableSchema, ops: readonly RowOperation[]): Promise<void> {
    for (const op of ops) this.checkSize(op);
    await this.client.batch(
      ops.map((op) => ({ query: this.statementFor(table, op), params: bindValues(table, op) })),
      batchOptions,
    );
  }

  /**
   * Amazon Keyspaces has no token owners a client could route to, and one node owns every token;
   * elsewhere a batch across partitions would make its coordinator forward rows to their replicas.
   */
  batchesAcrossPartitions(): boolean {
    return this.profile === 'keyspaces' || this.client.hosts.length <= 1;
  }

  private checkSize(op: RowOperation): void {
    if (this.profile === 'keyspaces' && op.kind === 'upsert' && op.estimatedBytes > keyspacesRowLimitBytes) {
      throw new RecordRejectedError('row-too-large', `the row is about ${op.estimatedBytes} bytes; Amazon Keyspaces stores at most ${keyspacesRowLimitBytes}`);
    }
  }

  private statementFor(table: TableSchema, op: RowOperation): string {
    const statements = this.statementsFor(table);
    return op.kind === 'delete' ? statements.delete : op.ttlSeconds === undefined ? statements.insert : statements.insertWithTtl;
  }

  tableSchema(keyspace: string, table: string): Promise<TableSchema | undefined> {
    return readTableSchema(this.client, keyspace, table);
  }

  async close(): Promise<void> {
    await this.client.shutdown();
  }

  private statementsFor(table: TableSchema): TableStatements {
    let statements = this.statements.get(table);
    if (!statements) {
      statements = { insert: insertCql(table, false), insertWithTtl: insertCql(table, true), delete: deleteCql(table) };
      this.statements.set(table, statements);
    }
    return statements;
  }
}
