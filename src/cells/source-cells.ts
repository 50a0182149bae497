import { isMultiCell, type ColumnSchema } from '../cql/index.js';
import { RecordRejectedError } from '../errors.js';

/**
 * WRITETIME(c) as Cassandra 5 returns it: a bigint for a single-cell column, one entry per element
 * (or per UDT field, null for an unset field) for a non-frozen collection or UDT (CASSANDRA-8877),
 * null when the column holds no live cell.
 */
export type WriteTimes = bigint | readonly (bigint | null)[] | null;
/** TTL(c), shaped like WriteTimes; null (or a null entry) means the cell never expires. */
export type Ttls = number | readonly (number | null)[] | null;

/** How one cell (or a set of collection elements) is written: `c = ?`, `c = c + ?` or `c.field = ?`. */
export type Assignment =
  | { readonly kind: 'whole'; readonly column: string; readonly value: unknown }
  | { readonly kind: 'add'; readonly column: string; readonly value: unknown }
  | { readonly kind: 'field'; readonly column: string; readonly field: string; readonly value: unknown };

/** One assignment with the write time and remaining TTL it must carry. */
export interface Cell {
  readonly isStatic: boolean;
  readonly timestampUs: bigint;
  /** Seconds left, > 0; null for a cell that never expires. */
  readonly ttl: number | null;
  readonly assignment: Assignment;
}

/**
 * The cells of one non-null column value, each with its write time clamped by `clamp` and its TTL
 * shortened by `elapsedSeconds`; expired cells are left out.
 *
 * Single-cell columns (native types, tuples, vectors, frozen collections and UDTs) are one cell.
 * Non-frozen collections and UDTs are one cell per element or field, and Cassandra 5 returns one
 * WRITETIME and TTL per element, in the order the driver yields them (CASSANDRA-8877):
 * - set, map and UDT elements are grouped by (timestamp, TTL). The oldest group sets the column
 *   whole (`c = ?`, as an INSERT of the source would have), which also writes a collection
 *   tombstone at its timestamp − 1: it shadows nothing of this row, whose other elements are newer,
 *   and on the target only elements older than every live source element, which the source no
 *   longer has either. Newer groups add their elements (`c = c + ?`) or set their fields
 *   (`c.f = ?`), idempotent and without tombstones, so each element keeps its own write time.
 * - a list is written whole, at the newest write time of its elements and the longest TTL left
 *   (none if any element has none). Appending element by element would not be idempotent: each
 *   append creates a new element, so a range copied twice after a restart would duplicate them.
 *   Consequence: on the target, WRITETIME of the older elements reads as the newest, and an element
 *   that expires sooner on the source lives as long as the longest-lived one. A newer pipeline
 *   write still wins: overwriting the list tombstones everything older than itself.
 */
export function readCells(
  column: ColumnSchema,
  value: unknown,
  writetimes: WriteTimes,
  ttls: Ttls,
  elapsedSeconds: number,
  clamp: (timestampUs: bigint) => bigint,
): Cell[] {
  const isStatic = column.kind === 'static';
  const left = (ttl: number | null | undefined) => (ttl == null ? null : ttl - elapsedSeconds);
  if (!isMultiCell(column.type)) {
    if (typeof writetimes !== 'bigint') throw badWritetime(column, 'one bigint');
    if (ttls !== null && typeof ttls !== 'number') throw badWritetime(column, 'one TTL');
    const ttl = left(ttls);
    if (ttl !== null && ttl <= 0) return [];
    return [{ isStatic, timestampUs: clamp(writetimes), ttl, assignment: { kind: 'whole', column: column.name, value } }];
  }

  const elements = elementsOf(column, value);
  if (!Array.isArray(writetimes) || writetimes.length !== elements.length) throw badWritetime(column, `${elements.length} write times, one per element`);
  if (ttls !== null && (!Array.isArray(ttls) || ttls.length !== elements.length)) throw badWritetime(column, `${elements.length} TTLs, one per element`);
  const live: { element: unknown; timestampUs: bigint; ttl: number | null }[] = [];
  elements.forEach((element, i) => {
    const timestampUs = writetimes[i];
    if (timestampUs == null) return; // an unset UDT field: no cell
    const ttl = left((ttls as readonly (number | null)[] | null)?.[i]);
    if (ttl === null || ttl > 0) live.push({ element, timestampUs: clamp(timestampUs), ttl });
  });
  if (live.length === 0) return [];

  if (column.type.kind === 'list') {
    const timestampUs = live.reduce((max, e) => (e.timestampUs > max ? e.timestampUs : max), live[0]!.timestampUs);
    const ttl = live.some((e) => e.ttl === null) ? null : Math.max(...live.map((e) => e.ttl!));
    return [{ isStatic, timestampUs, ttl, assignment: { kind: 'whole', column: column.name, value: live.map((e) => e.element) } }];
  }

  const groups = new Map<string, typeof live>();
  for (const e of live) {
    const key = `${e.timestampUs}|${e.ttl ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const ordered = [...groups.values()].sort(
    (a, b) => (a[0]!.timestampUs < b[0]!.timestampUs ? -1 : a[0]!.timestampUs > b[0]!.timestampUs ? 1 : 0) || (a[0]!.ttl ?? -1) - (b[0]!.ttl ?? -1),
  );
  return ordered.flatMap((group, index) => {
    const { timestampUs, ttl } = group[0]!;
    const cell = (assignment: Assignment): Cell => ({ isStatic, timestampUs, ttl, assignment });
    const items = group.map((e) => e.element);
    if (column.type.kind === 'udt') {
      const fields = items as [string, unknown][];
      if (index === 0) {
        // Fields of other groups are bound null: a whole UDT write skips null fields instead of deleting them.
        const whole = Object.fromEntries(column.type.fields.map((f) => [f.name, fields.find(([name]) => name === f.name)?.[1] ?? null]));
        return [cell({ kind: 'whole', column: column.name, value: whole })];
      }
      return fields.map(([field, fieldValue]) => cell({ kind: 'field', column: column.name, field, value: fieldValue }));
    }
    const subset = column.type.kind === 'map' ? new Map(items as [unknown, unknown][]) : value instanceof Set ? new Set(items) : items;
    return [cell({ kind: index === 0 ? 'whole' : 'add', column: column.name, value: subset })];
  });
}

/** Elements in the order WRITETIME lists them: list and set items, map entries, UDT fields as [name, value]. */
function elementsOf(column: ColumnSchema, value: unknown): unknown[] {
  const type = column.type;
  if (type.kind === 'map' && value instanceof Map) return [...value.entries()];
  if (type.kind === 'set' && (value instanceof Set || Array.isArray(value))) return [...value];
  if (type.kind === 'list' && Array.isArray(value)) return [...value];
  if (type.kind === 'udt' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    return type.fields.map((f) => [f.name, object[f.name] ?? null]);
  }
  throw new RecordRejectedError('bad-value', `column ${column.name} (${column.typeText}) holds ${describe(value)}, not the value the driver returns for it`);
}

function badWritetime(column: ColumnSchema, expected: string): RecordRejectedError {
  return new RecordRejectedError('bad-timestamp', `column ${column.name} (${column.typeText}): expected WRITETIME/TTL as ${expected}`, {
    hint: 'Select WRITETIME(c) and TTL(c) for every static and regular column, with the driver option useBigIntAsLong',
  });
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : value instanceof Map ? 'a Map' : value instanceof Set ? 'a Set' : typeof value;
}
