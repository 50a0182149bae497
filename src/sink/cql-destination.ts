import cassandra from 'cassandra-driver';
import type { TargetProfile } from '../config/index.js';
import { keyspacesLimits, readTableSchema, type ColumnSchema, type TableSchema } from '../cql/index.js';
import {
  holdsExtraCopies,
  listAlreadyWritten,
  listKeyColumns,
  ListWriteTimesReader,
  nonFrozenLists,
  rowIdentity,
  writesListElements,
  type ListWrite,
} from '../cells/index.js';
import { RecordRejectedError } from '../errors.js';
import type { RowOperation } from '../records/index.js';
import { bindValues, deleteCql, expireCql, insertCql } from './statements.js';

export const destinationNames = ['source', 'target'] as const;
export type DestinationName = (typeof destinationNames)[number];

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

/** The operation with `columns` unset: not written. */
function withoutLists(op: RowOperation & { kind: 'upsert' }, columns: readonly ColumnSchema[]): RowOperation {
  if (columns.length === 0) return op;
  const values = new Map(op.values);
  for (const column of columns) values.set(column.name, undefined);
  return { ...op, values };
}

/** An operation as the list guard lets it through, with the lists to check for a racing writer's copies once it has landed. */
interface GuardedOperation {
  readonly op: RowOperation;
  readonly toCheck: readonly ListWrite[];
}

function listWriteOf(table: TableSchema, op: RowOperation & { kind: 'upsert' }, column: ColumnSchema): ListWrite {
  return {
    table,
    column,
    keyValues: listKeyColumns(table, [column]).map((c) => op.values.get(c.name)),
    timestampUs: op.timestampUs,
    elements: op.values.get(column.name) as unknown[],
  };
}

/** Shared by every write rather than built per call on the hot path. */
const writeOptions = Object.freeze({ prepare: true, consistency: cassandra.types.consistencies.localQuorum });
const batchOptions = Object.freeze({ ...writeOptions, logged: false });

interface TableStatements {
  readonly insert: string;
  readonly insertWithTtl: string;
  readonly delete: string;
  /** Expired records' column deletes, by the columns they name. */
  readonly expire: Map<string, string>;
}

/** An expired record of its key alone: its only cell was the row marker, which expired with it. */
function writesNothing(op: RowOperation): boolean {
  return op.kind === 'expire' && op.columns.length === 0;
}

/**
 * Writes row operations with prepared statements at LOCAL_QUORUM, each with its record's timestamp.
 * A non-frozen list is written only if the row does not hold it at that timestamp yet, and read
 * back once written, to clear the copies a writer in another process may have added at the same
 * moment (see cells/list-write-times.ts): a read before and one after, only for writes of such lists;
 * conditional deletes only when copies are found.
 */
export class CqlDestination implements Destination {
  private readonly statements = new WeakMap<TableSchema, TableStatements>();
  private readonly lists = new WeakMap<TableSchema, readonly ColumnSchema[]>();
  private readonly listWriteTimes: ListWriteTimesReader;

  constructor(
    readonly name: DestinationName,
    private readonly client: cassandra.Client,
    private readonly profile: TargetProfile,
    /** Told when the cluster cannot read list element write times, so lists of `table` go unguarded. */
    onListGuardUnavailable?: (table: TableSchema, error: unknown) => void,
    /** Told of copies of a list a racing writer left that could not be removed. */
    onExtraListCopiesKept?: (write: ListWrite, reason: string) => void,
  ) {
    this.listWriteTimes = new ListWriteTimesReader(client, onListGuardUnavailable, onExtraListCopiesKept);
  }

  async write(table: TableSchema, op: RowOperation): Promise<void> {
    this.checkSize(op);
    if (writesNothing(op)) return;
    await this.guardingLists(table, [op], async ([guarded]) => {
      await this.client.execute(this.statementFor(table, guarded!), bindValues(table, guarded!), writeOptions);
    });
  }

  async writeBatch(table: TableSchema, allOps: readonly RowOperation[]): Promise<void> {
    for (const op of allOps) this.checkSize(op);
    const ops = allOps.filter((op) => !writesNothing(op));
    if (ops.length === 0) return;
    await this.guardingLists(table, ops, async (guarded) => {
      await this.client.batch(
        guarded.map((op) => ({ query: this.statementFor(table, op), params: bindValues(table, op) })),
        batchOptions,
      );
    });
  }

  /** The latest write of each row's lists, by row: the next write of that row's lists waits for it, so its read sees it. */
  private readonly listWrites = new Map<string, Promise<unknown>>();

  /**
   * Sends `ops` less the lists already written (cells/list-write-times.ts). A record can arrive twice in
   * a row (a producer's retry): within one request its lists go once, and a request writing lists of
   * a row waits for the one before it that writes lists of that row, so the second read sees the first write.
   * Another process is not in that chain: once the write has landed, each list it let through (or
   * found with extra copies) is read back and cleared of the copies a racing writer left.
   */
  private async guardingLists(table: TableSchema, ops: readonly RowOperation[], send: (guarded: readonly RowOperation[]) => Promise<void>): Promise<void> {
    let lists = this.lists.get(table);
    if (!lists) this.lists.set(table, (lists = nonFrozenLists(table)));
    if (lists.length === 0) return send(ops);
    const listColumns = lists;
    const rows = ops.map((op) => (op.kind === 'upsert' && listColumns.some((c) => writesListElements(op.values.get(c.name))) ? rowIdentity(table, op.values) : undefined));
    const distinct = [...new Set(rows.filter((row): row is string => row !== undefined))];
    if (distinct.length === 0) return send(ops);
    // Chained before any await, so two requests for one row can never both pass the same predecessor.
    const before = distinct.flatMap((row) => this.listWrites.get(row) ?? []);
    const work = (async () => {
      await Promise.allSettled(before);
      const written = new Set<string>();
      const guarded = await Promise.all(
        ops.map(async (op, i): Promise<GuardedOperation> => {
          const row = rows[i];
          if (row === undefined || op.kind !== 'upsert') return { op, toCheck: [] };
          const once = `${row}|${op.timestampUs}`;
          const repeated = written.has(once);
          written.add(once);
          return repeated ? { op: withoutLists(op, listColumns), toCheck: [] } : this.withoutListsWritten(table, op, listColumns);
        }),
      );
      await send(guarded.map((g) => g.op));
      await Promise.all(guarded.flatMap((g) => g.toCheck).map((write) => this.listWriteTimes.removeExtraCopies(write)));
    })();
    for (const row of distinct) this.listWrites.set(row, work);
    try {
      await work;
    } finally {
      for (const row of distinct) if (this.listWrites.get(row) === work) this.listWrites.delete(row);
    }
  }

  /**
   * The operation less the lists the row already holds at its timestamp (a redelivered record's):
   * unset, so not written again. To check once written: the lists it writes, and those it leaves
   * out that hold extra copies (a racing writer's that was not cleared before, its remover having
   * failed or died). Nothing where the cluster cannot read list write times: no guard there.
   */
  private async withoutListsWritten(table: TableSchema, op: RowOperation & { kind: 'upsert' }, lists: readonly ColumnSchema[]): Promise<GuardedOperation> {
    // The decoder lets no upsert through without its whole primary key.
    const written = lists.filter((c) => writesListElements(op.values.get(c.name)));
    const times = await this.listWriteTimes.read(
      table,
      written,
      listKeyColumns(table, written).map((c) => op.values.get(c.name)),
    );
    const landed = written.filter((c) => listAlreadyWritten(times, c.name, op.timestampUs));
    const toCheck =
      times === undefined
        ? []
        : written
            .filter((c) => !landed.includes(c) || holdsExtraCopies(times, c.name, op.timestampUs, (op.values.get(c.name) as unknown[]).length))
            .map((c) => listWriteOf(table, op, c));
    return { op: withoutLists(op, landed), toCheck };
  }

  /**
   * Amazon Keyspaces has no token owners a client could route to, and one node owns every token;
   * elsewhere a batch across partitions would make its coordinator forward rows to their replicas.
   */
  batchesAcrossPartitions(): boolean {
    return this.profile === 'keyspaces' || this.client.hosts.length <= 1;
  }

  private checkSize(op: RowOperation): void {
    if (this.profile === 'keyspaces' && op.kind === 'upsert' && op.estimatedBytes > keyspacesLimits.maxRowBytes) {
      throw new RecordRejectedError('row-too-large', `the row is about ${op.estimatedBytes} bytes; Amazon Keyspaces stores at most ${keyspacesLimits.maxRowBytes}`);
    }
  }

  private statementFor(table: TableSchema, op: RowOperation): string {
    const statements = this.statementsFor(table);
    if (op.kind === 'expire') {
      // Rare (records that outlived their TTL on the way), so built per shape as they come.
      const shape = op.columns.join('\u0000');
      let cql = statements.expire.get(shape);
      if (cql === undefined) statements.expire.set(shape, (cql = expireCql(table, op.columns)));
      return cql;
    }
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
      statements = { insert: insertCql(table, false), insertWithTtl: insertCql(table, true), delete: deleteCql(table), expire: new Map() };
      this.statements.set(table, statements);
    }
    return statements;
  }
}
