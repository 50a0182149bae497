import type { CqlType } from './cql-type.js';
import type { TableSchema } from './table-schema.js';

/** Bytes of fixed-size native types as Cassandra encodes them. */
const fixedSizes: Readonly<Record<string, number>> = {
  boolean: 1,
  tinyint: 1,
  smallint: 2,
  int: 4,
  date: 4,
  float: 4,
  bigint: 8,
  counter: 8,
  double: 8,
  time: 8,
  timestamp: 8,
  uuid: 16,
  timeuuid: 16,
};

/**
 * The raw size of a value as the driver decoded it, which is what Amazon Keyspaces counts for row
 * size (https://docs.aws.amazon.com/keyspaces/latest/devguide/working-with-rows.html): fixed sizes
 * for fixed types, UTF-8 bytes for text, the element sizes for collections, tuples and UDTs.
 *
 * @example
 *   estimateValueSize('héllo', { kind: 'native', name: 'text' }) // 6
 */
export function estimateValueSize(value: unknown, type: CqlType): number {
  if (value === null || value === undefined) return 0;
  switch (type.kind) {
    case 'native':
      return nativeSize(value, type.name);
    case 'list':
    case 'set':
      return sum(iterate(value), (v) => estimateValueSize(v, type.element));
    case 'vector':
      return sum(iterate(value), (v) => estimateValueSize(v, type.element));
    case 'map':
      return sum(entries(value), ([k, v]) => estimateValueSize(k, type.key) + estimateValueSize(v, type.value));
    case 'tuple': {
      const values = tupleValues(value);
      return type.elements.reduce((total, t, i) => total + estimateValueSize(values[i], t), 0);
    }
    case 'udt': {
      const fields = value as Record<string, unknown>;
      return type.fields.reduce((total, f) => total + estimateValueSize(fields[f.name], f.type), 0);
    }
  }
}

function nativeSize(value: unknown, name: string): number {
  const fixed = fixedSizes[name];
  if (fixed !== undefined) return fixed;
  if (Buffer.isBuffer(value)) return value.length;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  switch (name) {
    case 'inet': {
      const buffer = (value as { buffer?: Buffer }).buffer;
      return buffer ? buffer.length : 16;
    }
    case 'varint':
      return integerBytes(String(value));
    case 'decimal':
      // The unscaled integer plus a 4-byte scale.
      return integerBytes(String(value).replace(/[eE].*$/, '').replace('.', '')) + 4;
    case 'duration':
      // Three variable-length integers (months, days, nanoseconds).
      return 12;
    default:
      return Buffer.byteLength(String(value), 'utf8');
  }
}

/** Bytes of a decimal integer in two's complement, as varint and decimal encode it. */
function integerBytes(digits: string): number {
  if (!/^-?\d+$/.test(digits)) return 8;
  const n = BigInt(digits);
  // -128 fits in one byte as 0x80: a negative number needs the bits of |n| - 1, plus the sign bit.
  const magnitude = n < 0n ? -n - 1n : n;
  const bits = magnitude === 0n ? 0 : magnitude.toString(2).length;
  return Math.floor(bits / 8) + 1;
}

/** The elements of a list, set or vector value as the driver decodes it; nothing for anything else. */
export function iterate(value: unknown): Iterable<unknown> {
  if (Array.isArray(value) || value instanceof Set || ArrayBuffer.isView(value)) return value as Iterable<unknown>;
  return [];
}

/** The entries of a map (or a UDT's fields as an object); nothing for anything else. */
export function entries(value: unknown): Iterable<[unknown, unknown]> {
  if (value instanceof Map) return value.entries();
  return value !== null && typeof value === 'object' ? Object.entries(value) : [];
}

/** The driver's Tuple exposes `elements`; plain arrays are accepted too. */
function tupleValues(value: unknown): readonly unknown[] {
  if (Array.isArray(value)) return value;
  const elements = (value as { elements?: unknown[] }).elements;
  return Array.isArray(elements) ? elements : [];
}

export function sum<T>(items: Iterable<T>, size: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += size(item);
  return total;
}

/** What a row weighs against the Keyspaces limits. */
export interface RowMeasure {
  readonly partitionKeyBytes: number;
  readonly clusteringBytes: number;
  /** Encoded row size as Keyspaces counts it: keys with their metadata bytes, plus regular columns; static data excluded. */
  readonly rowBytes: number;
  readonly staticBytes: number;
}

/**
 * Measures one row given its values in the table's column order (partition key, clustering, others).
 * Each partition key column adds up to 3 bytes of metadata and each clustering column up to 4.
 */
export function measureRow(table: TableSchema, values: readonly unknown[]): RowMeasure {
  let partitionKeyBytes = 0;
  let clusteringBytes = 0;
  let regularBytes = 0;
  let staticBytes = 0;
  table.columns.forEach((column, i) => {
    const size = estimateValueSize(values[i], column.type);
    if (column.kind === 'partition_key') partitionKeyBytes += size;
    else if (column.kind === 'clustering') clusteringBytes += size;
    else if (column.kind === 'static') staticBytes += size;
    else regularBytes += size;
  });
  const metadata = 3 * table.partitionKey.length + 4 * table.clustering.length;
  return { partitionKeyBytes, clusteringBytes, rowBytes: partitionKeyBytes + clusteringBytes + regularBytes + metadata, staticBytes };
}
