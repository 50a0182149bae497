import type { Ttls, WriteTimes } from '../cells/index.js';
import { type ColumnSchema, cqlValuesEqual, type TableSchema } from '../cql/index.js';
import type { ScannedRow } from './scanned-row.js';

/** What a validation compares: cell values only, or their WRITETIMEs too. */
export const compareModes = ['values', 'values+writetime'] as const;
export type CompareMode = (typeof compareModes)[number];

/**
 * How far apart the two sides' expiry instants of one cell may be and still match, in seconds.
 * Each side counts TTL in whole seconds of its own clock, to a moment between a read's send and
 * its answer (both known, so the read's own latency is allowed for on top); the backfill and the
 * sinks keep expiry to the second (given clocks in step), so 2 s covers the rounding of both reads
 * without hiding a TTL counted from the wrong moment (a sink that lagged by a minute would be a
 * minute off).
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
 * TTLs are compared as the instant each cell expires (the row's read time plus its TTL, a window
 * as long as the read took), within `ttlToleranceSeconds`, per cell like write times; a non-frozen list by the longest TTL of its
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
    const sourceExpiry = expiries(column, source.ttls.get(column.name) ?? null, readWindow(source));
    const targetExpiry = expiries(column, target.ttls.get(column.name) ?? null, readWindow(target));
    if (!expiriesMatch(sourceExpiry, targetExpiry)) differences.push({ column: column.name, kind: 'ttl', source: sourceExpiry.at, target: targetExpiry.at });
  }
  return differences;
}

/**
 * The seconds a row's TTLs were counted down to: some moment after its read was sent and before
 * its answer came, which on a busy server can be seconds apart. Without the answer's time, the
 * send's alone.
 */
function readWindow(row: ScannedRow): { from: number; to: number } {
  const from = Math.floor((row.readAtMs ?? 0) / 1000);
  return { from, to: row.answeredAtMs === undefined ? from : Math.ceil(row.answeredAtMs / 1000) };
}

type Expiry = { readonly from: number; readonly to: number } | null;

/**
 * When each cell expires (null: never), one per element for a multi-cell column, a non-frozen list
 * as one, as written: as the window the read allows, and `at`, its start, to report.
 */
function expiries(column: ColumnSchema, ttls: Ttls, read: { from: number; to: number }): { at: number | null | (number | null)[]; windows: Expiry | Expiry[] } {
  const expiry = (ttl: number | null | undefined): Expiry => (ttl == null ? null : { from: read.from + ttl, to: read.to + ttl });
  let windows: Expiry | Expiry[];
  if (!Array.isArray(ttls)) windows = expiry(ttls as number | null);
  else if (column.type.kind === 'list' && !column.type.frozen) windows = ttls.some((ttl) => ttl == null) ? null : expiry(Math.max(...(ttls as number[])));
  else windows = ttls.map(expiry);
  const at = (window: Expiry) => window?.from ?? null;
  return { at: Array.isArray(windows) ? windows.map(at) : at(windows), windows };
}

/** Two cells expire together when their windows, widened by `ttlToleranceSeconds`, meet. */
function expiriesMatch(source: { windows: Expiry | Expiry[] }, target: { windows: Expiry | Expiry[] }): boolean {
  const one = (s: Expiry | undefined, t: Expiry | undefined) =>
    s == null || t == null ? (s ?? null) === (t ?? null) : s.from - ttlToleranceSeconds <= t.to && t.from - ttlToleranceSeconds <= s.to;
  const [s, t] = [source.windows, target.windows];
  if (Array.isArray(s) && Array.isArray(t)) return s.length === t.length && s.every((window, i) => one(window, t[i]));
  return !Array.isArray(s) && !Array.isArray(t) && one(s, t);
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
