import { keyspacesLimits, quoteIdentifier, type ColumnSchema, type TableSchema } from '../cql/index.js';
import { holdsExtraCopies, listAlreadyWritten, listKeyColumns, type ListWrite, type ListWriteTimes } from './list-write-times.js';
import { RecordRejectedError } from '../errors.js';
import { readCells, type Assignment, type Cell, type Ttls, type WriteTimes } from './source-cells.js';

export type { Ttls, WriteTimes } from './source-cells.js';

/** One row of the backfill scan of the source. */
export interface SourceRow {
  /** Every selected column's value as the driver decodes it (Map, Set, arrays, UDT objects); null is no live cell. */
  readonly values: ReadonlyMap<string, unknown>;
  /** WRITETIME of every static and regular column. */
  readonly writetimes: ReadonlyMap<string, WriteTimes>;
  /** TTL of every static and regular column, as read at `readAtMs`. */
  readonly ttls: ReadonlyMap<string, Ttls>;
}

export interface CellWriteOptions {
  /** When the page holding the row was read (ms since the epoch): TTLs count down from then. */
  readonly readAtMs: number;
  /** When the statements are about to be sent (ms since the epoch), from the caller's clock. */
  readonly nowMs: number;
  /** Whether to write the partition's static columns: true for the first row read of each partition only. */
  readonly includeStatic: boolean;
  /**
   * Write time for a row that has no live regular cell: only its row marker keeps it alive, and CQL
   * cannot read a row marker's write time or TTL (WRITETIME takes no primary key column). Pass the
   * time dual writes began. Every delete that reaches the target through the pipeline carries a
   * later timestamp, so it shadows this marker even when a sink lags behind the scan and applies a
   * delete the scan did not see yet; the read time would not be safe then. The row is resurrected
   * only by a delete stamped before dual writes began (an application-supplied or skewed producer
   * timestamp) arriving after the scan; and a source marker with a TTL becomes one without. The
   * validate stage reports both.
   */
  readonly keyOnlyRowTimestampUs: bigint;
  /**
   * Lowest write time the target accepts; cells written before it are written at it (use
   * `keyspacesTimestampFloorUs`, as Amazon Keyspaces refuses client timestamps more than 2 days old).
   * Still never overwrites a newer value: any write the target accepts concurrently carries a
   * timestamp within its own 2-day window, hence above this floor, unless it was stamped nearly
   * 2 days before it reached the target (within the floor's margin plus the read-to-write gap). What changes: WRITETIME on the target reads the floor instead
   * of the source's older time, so validation must accept it; the TTL, counted from the read, stays
   * exact; and cells that differed only by old write times share one statement.
   */
  readonly minTimestampUs?: bigint;
  /**
   * Send `USING TTL 0` for cells that never expire, so a target table with a default_time_to_live
   * does not give them one. Keyspaces accepts USING TTL only on tables with TTL enabled.
   */
  readonly explicitZeroTtl?: boolean;
  /**
   * Element write times of the row's non-frozen lists on the target (list-write-times.ts): a list
   * the target holds at the very write time it would be written with is left out, since writing
   * it again would store its elements twice.
   */
  readonly targetListWriteTimes?: ListWriteTimes | undefined;
  /**
   * Columns not written at all: those whose source cells lie below `minTimestampUs` while the target
   * holds something newer than them (see floorConflicts).
   */
  readonly skipColumns?: ReadonlySet<string> | undefined;
}

/** One statement to run on the target; params are bound with the driver's `useBigIntAsLong` encoding. */
export interface CellWrite {
  readonly cql: string;
  /** Key and cell values, then (INSERT) or first (UPDATE) the bigint timestamp and number TTL. */
  readonly params: unknown[];
  /**
   * Non-frozen lists to check for a racing writer's copies once the statement has landed: those it
   * writes past the guard, and on a row's first statement those left out as landed that hold more
   * elements at their write time than the source (copies whose remover died or failed).
   */
  readonly lists?: readonly ListWrite[];
}

/**
 * The lowest timestamp Amazon Keyspaces accepts for a write sent within `marginMs` from `nowMs`:
 * it refuses client timestamps more than 2 days in the past (client-side-timestamps-how-to-queries).
 *
 * @example
 *   keyspacesTimestampFloorUs(Date.now()) // µs, 2 days minus 10 minutes ago
 */
export function keyspacesTimestampFloorUs(nowMs: number, marginMs = 10 * 60 * 1000): bigint {
  return BigInt(Math.ceil(nowMs - keyspacesLimits.maxTimestampAgeMs + marginMs)) * 1000n;
}

/**
 * The fewest statements that recreate every live cell of one source row on the target with its
 * own write time and remaining TTL: cells that share (timestamp, TTL) go in one statement.
 *
 * - Null cells are skipped: a null read means no live cell, and writing null would put a tombstone
 *   at the cell's timestamp on the target, deleting what the pipeline wrote there since.
 * - TTL written = TTL read − whole seconds elapsed since the read, so the cell expires at the same
 *   second as on the source; a cell whose TTL reaches 0 is skipped (it has expired).
 * - A row with no live regular cell gets `INSERT (key) USING TIMESTAMP keyOnlyRowTimestampUs`; a
 *   row whose cells were live but all expired before the write gets nothing (its marker most
 *   likely expires with them).
 * - Static columns are written once per partition (`includeStatic`), keyed by the partition key.
 * - Counter tables are refused: a counter increment cannot be replayed idempotently.
 * - A non-frozen list the target already holds at its write time is left out (`targetListWriteTimes`).
 *
 * @example
 *   cellWrites(userActivity, row, { readAtMs, nowMs: Date.now(), includeStatic: true, keyOnlyRowTimestampUs })
 *   // [{ cql: 'INSERT INTO "ks"."t" ("user_id", "activity_time", "activity_type") VALUES (?, ?, ?) USING TIMESTAMP ?', params: [...] }]
 */
export function cellWrites(table: TableSchema, row: SourceRow, options: CellWriteOptions): CellWrite[] {
  if (table.isCounterTable) {
    throw new RecordRejectedError('unsupported-table', `${table.keyspace}.${table.table} is a counter table: counter values cannot be copied with their write times`, {
      hint: 'Copy counter tables with a one-off job while writes are stopped',
    });
  }
  // Cassandra stores an expiry second and reports TTL = expiry − the read's whole second; the target
  // sets expiry = its whole second + TTL. Subtracting the whole seconds between the two keeps the
  // expiry second unchanged (given clocks in step with the servers').
  const elapsedSeconds = Math.max(0, Math.floor(options.nowMs / 1000) - Math.floor(options.readAtMs / 1000));
  const clamp = (timestampUs: bigint) => (options.minTimestampUs !== undefined && timestampUs < options.minTimestampUs ? options.minTimestampUs : timestampUs);
  // A partition with static values but no rows reads as one row whose clustering columns are null.
  const isStaticOnly = table.clustering.some((c) => row.values.get(c.name) == null);

  const cells: Cell[] = [];
  // With the guard on (the target's list write times known), each list written is checked afterwards.
  const listWrites = new Map<Assignment, ListWrite>();
  const landedWithCopies: ListWrite[] = [];
  let liveRegularCells = 0;
  for (const column of table.columns) {
    if (column.kind === 'partition_key' || column.kind === 'clustering') continue;
    if (column.kind === 'static' ? !options.includeStatic : isStaticOnly) continue;
    const value = row.values.get(column.name);
    if (value == null) continue;
    if (column.kind === 'regular') liveRegularCells += 1;
    if (options.skipColumns?.has(column.name)) continue;
    for (const cell of readCells(column, value, row.writetimes.get(column.name) ?? null, row.ttls.get(column.name) ?? null, elapsedSeconds, clamp)) {
      if (column.type.kind === 'list' && !column.type.frozen) {
        const write = listWriteOf(table, row, column, cell);
        if (listAlreadyWritten(options.targetListWriteTimes, column.name, cell.timestampUs)) {
          if (holdsExtraCopies(options.targetListWriteTimes, column.name, cell.timestampUs, write.elements.length)) landedWithCopies.push(write);
          continue;
        }
        if (options.targetListWriteTimes) listWrites.set(cell.assignment, write);
      }
      cells.push(cell);
    }
  }

  const statements = groupCells(cells).map((group) => withLists(render(table, row, group, options), group, listWrites));
  if (!isStaticOnly && liveRegularCells === 0) {
    // The scan returned the row, so its row marker is live; its write time is unreadable (see keyOnlyRowTimestampUs).
    const keyOnly: Group = { isStatic: false, timestampUs: clamp(options.keyOnlyRowTimestampUs), ttl: null, assignments: [] };
    statements.push(render(table, row, keyOnly, options));
  }
  // Any statement of the row can carry the check; a row with none (its one cell such a list) goes unchecked.
  if (landedWithCopies.length > 0 && statements.length > 0) statements[0] = { ...statements[0]!, lists: [...(statements[0]!.lists ?? []), ...landedWithCopies] };
  return statements;
}

function listWriteOf(table: TableSchema, row: SourceRow, column: ColumnSchema, cell: Cell): ListWrite {
  return {
    table,
    column,
    keyValues: listKeyColumns(table, [column]).map((c) => row.values.get(c.name)),
    timestampUs: cell.timestampUs,
    elements: cell.assignment.value as unknown[],
  };
}

function withLists(write: CellWrite, group: Group, listWrites: ReadonlyMap<Assignment, ListWrite>): CellWrite {
  const lists = group.assignments.flatMap((a) => listWrites.get(a) ?? []);
  return lists.length > 0 ? { ...write, lists } : write;
}

interface Group {
  readonly isStatic: boolean;
  readonly timestampUs: bigint;
  readonly ttl: number | null;
  readonly assignments: Assignment[];
}

/** Static cells first, then by (timestamp, TTL): the order readCells used to pick each collection's base group. */
function groupCells(cells: readonly Cell[]): Group[] {
  const groups = new Map<string, Group>();
  for (const cell of cells) {
    const key = `${cell.isStatic}|${cell.timestampUs}|${cell.ttl ?? ''}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { isStatic: cell.isStatic, timestampUs: cell.timestampUs, ttl: cell.ttl, assignments: [] }));
    group.assignments.push(cell.assignment);
  }
  return [...groups.values()].sort(
    (a, b) => Number(b.isStatic) - Number(a.isStatic) || (a.timestampUs < b.timestampUs ? -1 : a.timestampUs > b.timestampUs ? 1 : 0) || (a.ttl ?? -1) - (b.ttl ?? -1),
  );
}

/**
 * An INSERT when every assignment sets a whole column, as the sink writes: it also writes the row
 * marker, so the row outlives its cells as on a source row written by INSERT. Adding elements or
 * setting UDT fields needs an UPDATE. Every row with a live cell gets at least one INSERT: its
 * oldest group sets each of its collections whole (see source-cells.ts).
 */
function render(table: TableSchema, row: SourceRow, group: Group, options: CellWriteOptions): CellWrite {
  const keys: readonly ColumnSchema[] = group.isStatic ? table.partitionKey : [...table.partitionKey, ...table.clustering];
  const keyValues = keys.map((c) => row.values.get(c.name));
  const ttl = group.ttl ?? (options.explicitZeroTtl ? 0 : undefined);
  const usingParams: unknown[] = ttl === undefined ? [group.timestampUs] : [group.timestampUs, ttl];
  const insert = group.assignments.every((a) => a.kind === 'whole');
  const cql = statementText(table, keys, group, insert, ttl !== undefined);
  return insert
    ? { cql, params: [...keyValues, ...group.assignments.map((a) => a.value), ...usingParams] }
    : { cql, params: [...usingParams, ...group.assignments.map((a) => a.value), ...keyValues] };
}

/** Statement texts by table and shape: a backfill sends millions of rows in a handful of shapes. */
const statementTexts = new WeakMap<TableSchema, Map<string, string>>();

function statementText(table: TableSchema, keys: readonly ColumnSchema[], group: Group, insert: boolean, withTtl: boolean): string {
  let texts = statementTexts.get(table);
  if (!texts) statementTexts.set(table, (texts = new Map()));
  let shape = `${group.isStatic ? 's' : 'r'}${withTtl ? 't' : ''}`;
  // Lengths first: quoted names may hold any character, so no separator alone could keep shapes apart.
  for (const a of group.assignments) shape += `|${a.kind[0]}${a.column.length}:${a.column}${a.kind === 'field' ? `${a.field.length}:${a.field}` : ''}`;
  let text = texts.get(shape);
  if (text === undefined) {
    text = buildStatementText(table, keys, group, insert, withTtl);
    texts.set(shape, text);
  }
  return text;
}

function buildStatementText(table: TableSchema, keys: readonly ColumnSchema[], group: Group, insert: boolean, withTtl: boolean): string {
  const using = `USING TIMESTAMP ?${withTtl ? ' AND TTL ?' : ''}`;
  const name = `${quoteIdentifier(table.keyspace)}.${quoteIdentifier(table.table)}`;
  if (insert) {
    const columns = [...keys.map((c) => c.name), ...group.assignments.map((a) => a.column)].map(quoteIdentifier);
    return `INSERT INTO ${name} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ${using}`;
  }
  const set = group.assignments.map((a) => {
    const column = quoteIdentifier(a.column);
    if (a.kind === 'add') return `${column} = ${column} + ?`;
    return a.kind === 'field' ? `${column}.${quoteIdentifier(a.field)} = ?` : `${column} = ?`;
  });
  return `UPDATE ${name} ${using} SET ${set.join(', ')} WHERE ${keys.map((c) => `${quoteIdentifier(c.name)} = ?`).join(' AND ')}`;
}

/** What the target holds of a row's columns: WRITETIME per column, and the values themselves. */
export interface TargetCells {
  /** WRITETIME as Cassandra returns it; absent for a column whose write times the target cannot tell (a collection on a cluster without CASSANDRA-8877). */
  readonly writetimes: ReadonlyMap<string, WriteTimes>;
  readonly values: ReadonlyMap<string, unknown>;
}

/** A column whose old source cells would be raised to the Keyspaces floor over something newer on the target. */
export interface FloorConflict {
  readonly column: string;
  /** The oldest source write time that would have been raised. */
  readonly sourceUs: bigint;
  /** The target's newest write time of the column; undefined when the target cannot tell it and holds another value. */
  readonly targetUs: bigint | undefined;
}

/**
 * The columns of a source row with a live cell older than `minTimestampUs` (Keyspaces' floor):
 * cellWrites raises such cells to the floor, so each may land above a newer target write.
 */
export function columnsBelowFloor(table: TableSchema, row: SourceRow, minTimestampUs: bigint, includeStatic: boolean): string[] {
  const isStaticOnly = table.clustering.some((c) => row.values.get(c.name) == null);
  return table.columns
    .filter((c) => (c.kind === 'static' ? includeStatic : c.kind === 'regular' && !isStaticOnly) && row.values.get(c.name) != null)
    .filter((c) => oldestOf(row.writetimes.get(c.name) ?? null) !== undefined && oldestOf(row.writetimes.get(c.name) ?? null)! < minTimestampUs)
    .map((c) => c.name);
}

/**
 * Which of `columns` (from columnsBelowFloor) the target holds a newer write of than the source's
 * oldest cell that would be raised: raising it to the floor would overwrite that write (or, for a
 * collection written whole, delete newer elements with its tombstone at floor − 1). Such a column
 * is left as the target holds it and reported. Where the target cannot tell a collection's write
 * times, a target value that differs from the source's counts as newer: the copy cannot tell, and
 * must not guess over it. Tombstones have no readable write time: a delete older than the floor
 * that reached only the target is not seen here (validation finds the row).
 */
export function floorConflicts(row: SourceRow, columns: readonly string[], target: TargetCells | undefined): FloorConflict[] {
  if (!target) return [];
  const conflicts: FloorConflict[] = [];
  for (const name of columns) {
    const sourceUs = oldestOf(row.writetimes.get(name) ?? null);
    const targetValue = target.values.get(name) ?? null;
    if (sourceUs === undefined || targetValue === null) continue;
    if (!target.writetimes.has(name)) {
      if (!sameValue(row.values.get(name), targetValue)) conflicts.push({ column: name, sourceUs, targetUs: undefined });
      continue;
    }
    const targetUs = newestOf(target.writetimes.get(name) ?? null);
    if (targetUs !== undefined && targetUs > sourceUs) conflicts.push({ column: name, sourceUs, targetUs });
  }
  return conflicts;
}

function oldestOf(times: WriteTimes): bigint | undefined {
  let oldest: bigint | undefined;
  for (const t of Array.isArray(times) ? times : [times]) if (t != null && (oldest === undefined || BigInt(t) < oldest)) oldest = BigInt(t);
  return oldest;
}

function newestOf(times: WriteTimes): bigint | undefined {
  let newest: bigint | undefined;
  for (const t of Array.isArray(times) ? times : [times]) if (t != null && (newest === undefined || BigInt(t) > newest)) newest = BigInt(t);
  return newest;
}

/** Driver values compared by their JSON-like text: enough to tell "the target holds the source's value" from "something else". */
function sameValue(a: unknown, b: unknown): boolean {
  const text = (v: unknown): string =>
    JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x instanceof Map ? [...x] : x instanceof Set ? [...x] : Buffer.isBuffer(x) ? x.toString('hex') : x));
  return text(a) === text(b);
}

/** Why columns were left as the target holds them, for the report. */
export function describeFloorConflicts(conflicts: readonly FloorConflict[]): string {
  const at = (us: bigint) => new Date(Number(us / 1000n)).toISOString();
  const each = conflicts.map((c) => `${c.column} (source ${at(c.sourceUs)}, target ${c.targetUs === undefined ? 'another value, write time unreadable' : at(c.targetUs)})`);
  return `kept the target's newer ${each.join(', ')}: the source's cells are older than Amazon Keyspaces' 2-day timestamp floor, and writing them at it would overwrite the newer target write`;
}
