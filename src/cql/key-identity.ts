import type { ColumnSchema } from './table-schema.js';

/**
 * Text that is equal for two rows exactly when CQL holds their `columns` equal: which records
 * concern one partition (a batch, the static cells a partition's first row carries) or one row
 * (the writes of its lists). Buffers by their bytes, dates to the millisecond (a timestamp's
 * precision), bigints and driver types (Uuid, InetAddress, LocalDate, BigDecimal) by their exact
 * text, collections and UDT values element by element.
 *
 * @example
 *   keyIdentity(table.partitionKey, row.values) // '["user123"]'
 */
export function keyIdentity(columns: readonly ColumnSchema[], values: ReadonlyMap<string, unknown>): string {
  return JSON.stringify(columns.map((c) => identityOf(values.get(c.name))));
}

function identityOf(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'bigint') return `${value}n`;
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex')}`;
  if (value instanceof Date) return value.getTime();
  if (value instanceof Map) return [...value].map(([k, v]) => [identityOf(k), identityOf(v)]);
  if (value instanceof Set || Array.isArray(value)) return [...value].map(identityOf);
  if (value !== null && typeof value === 'object') {
    // A UDT value is a plain object; driver types print themselves exactly.
    return Object.getPrototypeOf(value) === Object.prototype ? Object.entries(value).map(([k, v]) => [k, identityOf(v)]) : String(value);
  }
  return value;
}
