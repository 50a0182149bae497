import type { Ttls, WriteTimes } from '../cells/index.js';
import { type ColumnSchema, cqlValuesEqual, type TableSchema } from '../cql/index.js';
import type { ScannedRow } from './scanned-row.js';

/** What a validation compares: cell values only, or their WRITETIMEs too. */
export const compareModes = ['values', 'values+writetime'] as const;
export type CompareMode = (typeof compareModes)[number];

/**
 * How far apart the two sides' expiry instants of one cell may be and still match, in seconds.
 * Each side counts TTL in whole seconds of its own clock, and the two sides are read moments
 * apart; the backfill and the sinks keep expiry to the second (given clocks in step), so 2 s
 * covers the rounding of both reads without hiding a TTL counted from the wrong moment (a sink
 * that lagged by a minute would be a minute off).
 */
export const ttlToleranceSeconds = 2;

/** One column that differs between the source and target copies of a row. */
export interface ColumnDifference {
  readonly column: string;
  /**
   * `writetime`: the values match but their WRITETIMEs do not; `ttl`: values and write times match
   * but the cells expire at different moments (or one never does).
   */
  readonly kind: 'value' | 'writetime' | 'ttl';
  /** The source's value (kind `value`), WriteTimes (`writetime`) or expiry seconds since the epoch (`ttl`, null: never); null for no value. */
  readonly source: unknown;
  readonly target: unknown;
}

export interface RowDiffOptions {
  readonly compare: CompareMode;
  /** Whether to compare the partition's static columns: true for the first row of each partition only. */
  readonly includeStatic: boolean;
  /**
   * Amazon Keyspaces refuses write times more than 2 days old, so the backfill writes older cells
   * at the floor of its own moment instead (CellWriteOptions.minTimestampUs). Pass the floor as of
   * now (`keyspacesTimestampFloorUs(Date.now())`, with the backfill's margin): a source write time
   * below it then matches a target write time from the source's up to it, inclusive. Every floor
   * the backfill used lies there, since floors only rise with the clock.
   */
  readonly minTimestampUs?: bigint;
}

/**
 * The static (when `includeStatic`) and regular columns whose values, or with `values+writetime`
 * whose WRITETIMEs or remaining TTLs, differ between two copies of one row. Primary key columns
 * are not compared: the rows were matched by them.
 *
 * WRITETIMEs are compared per cell: one per single-cell column, one per element or field for a
 * non-frozen set, map or UDT. A non-frozen list is compared by its newest element's write time
 * only, because the backfill writes a list whole at that time (see readCells in backfill).
 * TTLs are compared as the instant each cell expires (the row's read time plus its TTL), within
 * `ttlToleranceSeconds`, per cell like write times; a non-frozen list by the longest TTL of its
 * elements (none if any element has none), which is what the backfill gives the whole list.
 *
 * @example
 *   diffRow(userActivity, sourceRow, targetRow, { compare: 'values', includeStatic: true })
 *   // [{ column: 'activity_type', kind: 'value', source: 'click', target: 'view' }]
 */
export function diffRow(table: TableSchema, source: ScannedRow, target: ScannedRow, options: RowDiffOptions): ColumnDifference[] {
  const columns = table.columns.filter((c) => c.kind === 'regular' || (options.includeStatic && c.kind === 'static'));
  return diffColumns(columns, source, target, options);
}

/** The differences in the given columns only (e.g. just the static ones). */
export function diffColumns(
  columns: readonly ColumnSchema[],
  source: ScannedRow,
  target: ScannedRow,
  options: Pick<RowDiffOptions, 'compare' | 'minTimestampUs'>,
): ColumnDifference[] {
  const differences: ColumnDifference[] = [];
  for (const column of columns) {
    const [sourceValue, targetValue] = [source.values.get(column.name) ?? null, target.values.get(column.name) ?? null];
    if (!cqlValuesEqual(sourceValue, targetValue)) {
      differences.push({ column: column.name, kind: 'value', source: sourceValue, target: targetValue });
      continue;
    }
    if (options.compare !== 'values+writetime' || sourceValue === null) continue;
    const [sourceTimes, targetTimes] = [source.writetimes.get(column.name) ?? null, target.writetimes.get(column.name) ?? null];
    if (!writeTimesMatch(column, sourceTimes, targetTimes, options.minTimestampUs)) {
      differences.push({ column: column.name, kind: 'writetime', source: sourceTimes, target: targetTimes });
      continue;
    }
    if (!source.ttls || !target.ttls) continue;
    const [sourceExpiry, targetExpiry] = [expiries(column, source.ttls.get(column.name) ?? null, source.readAtMs), expiries(column, target.ttls.get(column.name) ?? null, target.readAtMs)];
    if (!expiriesMatch(sourceExpiry, targetExpiry)) differences.push({ column: column.name, kind: 'ttl', source: sourceExpiry, target: targetExpiry });
  }
  return differences;
}

/** The second each cell expires at (null: never), one per element for a multi-cell column; a non-frozen list as one, as written. */
function expiries(column: ColumnSchema, ttls: Ttls, readAtMs: number | undefined): number | null | readonly (number | null)[] {
  const readSecond = Math.floor((readAtMs ?? 0) / 1000);
  const expiry = (ttl: number | null | undefined) => (ttl == null ? null : readSecond + ttl);
  if (!Array.isArray(ttls)) return expiry(ttls as number | null);
  if (column.type.kind === 'list' && !column.type.frozen) return ttls.some((ttl) => ttl == null) ? null : expiry(Math.max(...(ttls as number[])));
  return ttls.map(expiry);
}

function expiriesMatch(source: number | null | readonly (number | null)[], target: number | null | readonly (number | null)[]): boolean {
  const one = (s: number | null | undefined, t: number | null | undefined) => (s == null || t == null ? (s ?? null) === (t ?? null) : Math.abs(s - t) <= ttlToleranceSeconds);
  if (Array.isArray(source) && Array.isArray(target)) return source.length === target.length && source.every((s, i) => one(s, target[i]));
  return !Array.isArray(source) && !Array.isArray(target) && one(source as number | null, target as number | null);
}

function writeTimesMatch(column: ColumnSchema, source: WriteTimes, target: WriteTimes, floorUs: bigint | undefined): boolean {
  if (isPerCell(source) && isPerCell(target)) {
    if (column.type.kind === 'list' && !column.type.frozen) return timesMatch(newest(source), newest(target), floorUs);
    return source.length === target.length && source.every((time, i) => timesMatch(time, target[i] ?? null, floorUs));
  }
  return !isPerCell(source) && !isPerCell(target) && timesMatch(source, target, floorUs);
}

/** One write time per element or field (Array.isArray does not narrow a readonly array). */
function isPerCell(times: WriteTimes): times is readonly (bigint | null)[] {
  return Array.isArray(times);
}

function timesMatch(source: bigint | null, target: bigint | null, floorUs: bigint | undefined): boolean {
  if (source === null || target === null) return source === target;
  if (source === target) return true;
  return floorUs !== undefined && source < floorUs && target > source && target <= floorUs;
}

function newest(times: readonly (bigint | null)[]): bigint | null {
  return times.reduce<bigint | null>((max, time) => (time !== null && (max === null || time > max) ? time : max), null);
}
