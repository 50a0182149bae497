import cassandra from 'cassandra-driver';
import type { Logger } from 'pino';
import {
  classifyCqlError,
  type ColumnSchema,
  cqlValueKey,
  keyIdentity,
  cqlValuesEqual,
  positionalSelectors,
  positionalValues,
  quoteIdentifier,
  type TableSchema,
} from '../cql/index.js';

/**
 * Non-frozen lists are the one CQL type whose write does not converge when repeated: Cassandra
 * names each element cell by a fresh time-UUID on every write, so `l = [1, 2]` written twice at one
 * USING TIMESTAMP stores [1, 2, 1, 2] (the list tombstone such a write carries lies at timestamp − 1,
 * below the first copy). A record redelivered to a sink, a range the backfill copies again, a row the
 * backfill copies after the sink wrote it: each would double such a list. So before writing a list,
 * read the write times of the elements the row holds (WRITETIME(l) gives one per element since
 * Cassandra 5, CASSANDRA-8877) and leave the list out when they include the write's own timestamp:
 * that very write has landed. Any other timestamp converges as usual: an older list is replaced,
 * a newer one shadows this write.
 *
 * That read cannot see a write another process makes at the same moment (the sink and a backfill,
 * two sink members during a rebalance, a repair): both read "not there", both write. A claim taken
 * before writing would lose the list if its holder died before writing, so the loser is found after
 * the fact instead: every writer that let a list through reads it back and removes the copies
 * beyond one (removeExtraCopies). Of two racers the later reader always sees both writes.
 */
/** The write times of each list column's elements, in list order. */
export type ListWriteTimes = ReadonlyMap<string, readonly bigint[]>;

/** The table's non-frozen list columns (static or regular). */
export function nonFrozenLists(table: TableSchema): readonly ColumnSchema[] {
  return table.columns.filter((c) => c.type.kind === 'list' && !c.type.frozen);
}

/** Whether a value written to a list column creates element cells: null and [] write only a tombstone, which repeats harmlessly. */
export function writesListElements(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

/** The key columns that locate `columns`: the partition key alone when they are all static, else the whole primary key. */
export function listKeyColumns(table: TableSchema, columns: readonly ColumnSchema[]): readonly ColumnSchema[] {
  return columns.every((c) => c.kind === 'static') ? table.partitionKey : [...table.partitionKey, ...table.clustering];
}

/** `SELECT WRITETIME(l1) AS c0, ... FROM ks.t WHERE <listKeyColumns> = ? LIMIT 1`. */
export function listWriteTimesCql(table: TableSchema, columns: readonly ColumnSchema[]): string {
  const where = listKeyColumns(table, columns).map((c) => `${quoteIdentifier(c.name)} = ?`).join(' AND ');
  const selectors = positionalSelectors(columns.map((c) => `WRITETIME(${quoteIdentifier(c.name)})`));
  return `SELECT ${selectors} FROM ${quoteIdentifier(table.keyspace)}.${quoteIdentifier(table.table)} WHERE ${where} LIMIT 1`;
}

/** The columns' element write times from one row as read by `listWriteTimesCql`; an absent row holds none. */
export function listWriteTimesOf(columns: readonly ColumnSchema[], values: readonly unknown[] | undefined): ListWriteTimes {
  return new Map(
    columns.map((column, i) => {
      const times = values?.[i];
      return [column.name, Array.isArray(times) ? times.filter((t): t is bigint => typeof t === 'bigint') : typeof times === 'bigint' ? [times] : []];
    }),
  );
}

/** Whether a list written at `timestampUs` has landed already, given the row's element write times. */
export function listAlreadyWritten(times: ListWriteTimes | undefined, column: string, timestampUs: bigint): boolean {
  return times?.get(column)?.includes(timestampUs) ?? false;
}

/** Whether the row holds more elements at `timestampUs` than one write of `elementCount` made: copies a racing writer left. */
export function holdsExtraCopies(times: ListWriteTimes | undefined, column: string, timestampUs: bigint, elementCount: number): boolean {
  return (times?.get(column)?.filter((t) => t === timestampUs).length ?? 0) > elementCount;
}

/** A non-frozen list as one write put it in a row: which elements, at which timestamp. */
export interface ListWrite {
  readonly table: TableSchema;
  readonly column: ColumnSchema;
  /** Values of `listKeyColumns(table, [column])`, in order. */
  readonly keyValues: readonly unknown[];
  readonly timestampUs: bigint;
  readonly elements: readonly unknown[];
}

/** A list as read back: its elements and, index for index, their write times. */
export interface HeldList {
  readonly elements: readonly unknown[];
  readonly writeTimes: readonly bigint[];
}

/**
 * The indexes (ascending) of the elements to delete so that `held` keeps exactly one copy of a
 * list written as `written` at `timestampUs`; none when it holds one copy or fewer.
 *
 * Racing writes of one list need not land one after the other: their time-UUIDs are drawn
 * element by element, so two copies of [1, 2, 3] may read [1, 2, 1, 3, 2, 3]. The copy kept is
 * the first subsequence of the elements at `timestampUs` that equals `written`; the rest go.
 * Deleted only when each element left over is one of the written ones (a copy, or the rest of one
 * another remover was partway through): elements at that timestamp that are not (another record
 * stamped with the same microsecond, which Cassandra appends just the same on the source) are
 * left alone, with the copies among them.
 */
export function extraCopyIndexes(held: HeldList, timestampUs: bigint, written: readonly unknown[]): number[] {
  const atTimestamp = held.writeTimes.flatMap((t, i) => (t === timestampUs ? [i] : []));
  if (written.length === 0 || atTimestamp.length <= written.length) return [];
  const kept = firstCopy(held.elements, atTimestamp, written);
  if (!kept) return [];
  const extras = atTimestamp.filter((i) => !kept.has(i));
  const keptValues = new Set([...kept].map((i) => cqlValueKey(held.elements[i])));
  return extras.every((i) => keptValues.has(cqlValueKey(held.elements[i]))) ? extras : [];
}

/** The indexes (among `candidates`, in order) of the first subsequence of `elements` equal to `written`. */
function firstCopy(elements: readonly unknown[], candidates: readonly number[], written: readonly unknown[]): Set<number> | undefined {
  const kept = new Set<number>();
  for (const i of candidates) {
    if (kept.size < written.length && sameElement(written[kept.size], elements[i])) kept.add(i);
  }
  return kept.size === written.length ? kept : undefined;
}

/**
 * An element as the writer sent it against the one the server returns: a float list's element
 * comes back as the nearest float32 of the number sent.
 */
function sameElement(sent: unknown, read: unknown): boolean {
  return cqlValuesEqual(sent, read) || (typeof sent === 'number' && typeof read === 'number' && Math.fround(sent) === read);
}

/** `SELECT l, WRITETIME(l) FROM ks.t WHERE <listKeyColumns> = ? LIMIT 1`. */
export function heldListCql(table: TableSchema, column: ColumnSchema): string {
  const name = quoteIdentifier(column.name);
  return `SELECT ${positionalSelectors([name, `WRITETIME(${name})`])} FROM ${tableName(table)} WHERE ${keyWhere(table, column)} LIMIT 1`;
}

/**
 * `DELETE l[?] FROM ks.t WHERE <listKeyColumns> = ? IF l = ?`: deletes one element only if the list
 * is still the one its index was computed from, so two removers never delete by a stale index.
 * A lightweight transaction takes no USING TIMESTAMP: its tombstone carries the Paxos ballot's
 * time, which is harmless here because it lies on one element's unique cell path and shadows
 * nothing else.
 */
export function deleteListElementCql(table: TableSchema, column: ColumnSchema): string {
  const name = quoteIdentifier(column.name);
  return `DELETE ${name}[?] FROM ${tableName(table)} WHERE ${keyWhere(table, column)} IF ${name} = ?`;
}

function tableName(table: TableSchema): string {
  return `${quoteIdentifier(table.keyspace)}.${quoteIdentifier(table.table)}`;
}

function keyWhere(table: TableSchema, column: ColumnSchema): string {
  return listKeyColumns(table, [column])
    .map((c) => `${quoteIdentifier(c.name)} = ?`)
    .join(' AND ');
}

/** A row's primary key as text, equal for equal keys (keyIdentity): which writes concern the same row. */
export function rowIdentity(table: TableSchema, values: ReadonlyMap<string, unknown>): string {
  return keyIdentity([...table.partitionKey, ...table.clustering], values);
}

const readOptions = Object.freeze({ prepare: true, consistency: cassandra.types.consistencies.localQuorum });
/** LOCAL_SERIAL over LOCAL_QUORUM, as the `keyspaces` profile asks: serialised where the LOCAL_QUORUM writes it orders are acknowledged. */
const conditionalOptions = Object.freeze({ ...readOptions, serialConsistency: cassandra.types.consistencies.localSerial });

/**
 * Read-and-delete rounds before a remover gives up: a round ends early only when another remover
 * changed the list first, so a few racers settle within a few rounds.
 */
const maxRemovalRounds = 10;

/**
 * Reads a row's list element write times on one cluster, at LOCAL_QUORUM like the writes it
 * guards, and removes the copies racing writers left. A cluster that refuses WRITETIME of a list
 * (before Cassandra 5, or a service without CASSANDRA-8877) gets no guard for that table: the
 * caller is told once and writes as before. Other failures (timeouts, a node down) are thrown for
 * the caller to retry like a write.
 */
export class ListWriteTimesReader {
  private readonly refused = new WeakSet<TableSchema>();
  private readonly removalRefused = new WeakSet<TableSchema>();

  constructor(
    private readonly client: cassandra.Client,
    private readonly onRefused: (table: TableSchema, error: unknown) => void = () => undefined,
    /** Told of extra copies left in place, and why. */
    private readonly onExtraCopiesKept: (write: ListWrite, reason: string) => void = () => undefined,
  ) {}

  /** Undefined when this cluster cannot tell; `keyValues` are those of `listKeyColumns(table, columns)`, in order. */
  async read(table: TableSchema, columns: readonly ColumnSchema[], keyValues: readonly unknown[]): Promise<ListWriteTimes | undefined> {
    if (columns.length === 0 || this.refused.has(table)) return undefined;
    const row = await this.readRow(table, listWriteTimesCql(table, columns), keyValues);
    return row === undefined ? undefined : listWriteTimesOf(columns, row ? positionalValues(row, columns.length) : undefined);
  }

  /**
   * Deletes the copies of `write`'s list beyond one, if a racing writer left any (extraCopyIndexes):
   * for a writer whose list went through the guard, after the write landed. Each delete is
   * conditional on the list it was computed from and goes from the highest index down, so the
   * lower indexes it still means stay put; when another remover got there first the list is read
   * again. The elements kept are never rewritten, so they keep the record's write time.
   */
  async removeExtraCopies(write: ListWrite): Promise<void> {
    if (this.refused.has(write.table) || this.removalRefused.has(write.table)) return;
    for (let round = 0; round < maxRemovalRounds; round++) {
      const held = await this.readHeld(write);
      const extras = held ? extraCopyIndexes(held, write.timestampUs, write.elements) : [];
      if (extras.length === 0) return;
      if ((await this.deleteFromHighest(write, held!.elements, extras)) === 'refused') return;
    }
    this.onExtraCopiesKept(write, whyCopiesStay(write.timestampUs));
  }

  private async readHeld(write: ListWrite): Promise<HeldList | undefined> {
    const row = await this.readRow(write.table, heldListCql(write.table, write.column), write.keyValues);
    if (!row) return undefined;
    const [elements, writeTimes] = positionalValues(row, 2);
    return Array.isArray(elements) && Array.isArray(writeTimes) ? { elements, writeTimes: writeTimes as bigint[] } : undefined;
  }

  /** True when every delete applied, false when the list changed under them (read it again), 'refused' when the cluster will not run them. */
  private async deleteFromHighest(write: ListWrite, elements: readonly unknown[], extras: readonly number[]): Promise<boolean | 'refused'> {
    const cql = deleteListElementCql(write.table, write.column);
    let list = [...elements];
    for (const index of [...extras].sort((a, b) => b - a)) {
      let result: cassandra.types.ResultSet;
      try {
        result = await this.client.execute(cql, [index, ...write.keyValues, list], conditionalOptions);
      } catch (error) {
        if (!isRefusal(error)) throw error;
        this.removalRefused.add(write.table);
        this.onExtraCopiesKept(write, `the cluster refuses a conditional delete of a list element: ${(error as Error).message}`);
        return 'refused';
      }
      if (result.first()?.get('[applied]') !== true) return false;
      list = list.filter((_, i) => i !== index);
    }
    return true;
  }

  /** The row (null when there is none), or undefined when the cluster refuses the read: then the table goes unguarded. */
  private async readRow(table: TableSchema, cql: string, keyValues: readonly unknown[]): Promise<cassandra.types.Row | null | undefined> {
    try {
      return (await this.client.execute(cql, [...keyValues], readOptions)).first() ?? null;
    } catch (error) {
      // Refused as a query (not a missing table, which `tandem schema` may still create): no guard here.
      if (isRefusal(error)) {
        this.refused.add(table);
        this.onRefused(table, error);
        return undefined;
      }
      throw error;
    }
  }
}

/**
 * A conditional delete is stamped with the cluster's clock: a write time ahead of it (a producer's
 * clock running fast) is not shadowed, and its copies come back round after round.
 */
function whyCopiesStay(timestampUs: bigint): string {
  return timestampUs > BigInt(Date.now()) * 1000n
    ? 'its write time lies ahead of the clock, and a conditional delete (stamped with the cluster\'s clock) cannot shadow it yet'
    : `other writers kept changing the list through ${maxRemovalRounds} rounds`;
}

function isRefusal(error: unknown): boolean {
  return error instanceof cassandra.errors.ResponseError && classifyCqlError(error).action === 'reject';
}

/** How a destination reports a cluster that cannot guard lists (see CqlDestination). */
export function warnListGuardUnavailable(log: Logger, cluster: string): (table: TableSchema, error: unknown) => void {
  return (table, error) =>
    log.warn(
      { destination: cluster, table: `${table.keyspace}.${table.table}`, err: error },
      'this cluster cannot read WRITETIME of a list; a record written twice (redelivered, replayed) may store its list elements twice',
    );
}

/** How a destination reports extra copies of a list it could not remove (see ListWriteTimesReader.removeExtraCopies). */
export function warnExtraListCopiesKept(log: Logger, cluster: string): (write: ListWrite, reason: string) => void {
  return (write, reason) =>
    log.warn(
      { destination: cluster, table: `${write.table.keyspace}.${write.table.table}`, column: write.column.name, timestampUs: String(write.timestampUs), reason },
      'a list written by two writers at once holds its elements more than once; they were left in place',
    );
}
