import cassandra from 'cassandra-driver';
import { CqlTypeError, type CqlType, type NativeTypeName, type TableSchema } from '../cql/index.js';
import { cqlValuesEqual } from '../cql/index.js';
import { bytesOf, elementsOf, entriesOf, fieldsOf, toBigInt, unexpected } from './driver-values.js';
import { partitionKeyBytes } from './partition-key-bytes.js';
import type { ScannedRow } from './scanned-row.js';

const { types } = cassandra;

/**
 * Orders two rows of one table as a token-range scan returns them: by token, then partition key
 * bytes (for the rare partitions that share a token), then clustering columns, each in its
 * clustering order. A partition's static-only row (null clustering columns) comes first.
 *
 * @example
 *   [...rows].sort((a, b) => compareRowKeys(userActivity, a, b)) // scan order
 */
export function compareRowKeys(table: TableSchema, a: ScannedRow, b: ScannedRow): number {
  return comparePartitions(table, a, b) || compareClustering(table, a, b);
}

/**
 * Orders partitions as Cassandra does (DecoratedKey): by token, then by the serialized partition
 * key, unsigned. Rows of one partition share their key values, so the bytes are built only when
 * the tokens collide.
 */
export function comparePartitions(table: TableSchema, a: ScannedRow, b: ScannedRow): number {
  if (a.token !== b.token) return a.token < b.token ? -1 : 1;
  if (table.partitionKey.every((c) => cqlValuesEqual(a.values.get(c.name), b.values.get(c.name)))) return 0;
  return Math.sign(Buffer.compare(partitionKeyBytes(table, a.values), partitionKeyBytes(table, b.values)));
}

/** Orders two rows of one partition by their clustering columns; DESC columns reversed. */
export function compareClustering(table: TableSchema, a: ScannedRow, b: ScannedRow): number {
  for (const column of table.clustering) {
    const x = a.values.get(column.name);
    const y = b.values.get(column.name);
    // Null only in a static-only row, which comes before the clustering rows whatever their order.
    if (x == null || y == null) {
      if (x == null && y == null) continue;
      return x == null ? -1 : 1;
    }
    const order = compareCqlValues(column.type, x, y);
    if (order !== 0) return column.clusteringOrder === 'desc' ? -order : order;
  }
  return 0;
}

/**
 * Cassandra's ascending order for two values of one CQL type, as the driver decodes them (its
 * AbstractType.compare): text by UTF-8 bytes, numbers by value, uuid and timeuuid by their own
 * rules, blob and inet by unsigned bytes, frozen collections, tuples and UDTs element by element
 * (shorter first on a tie). Null (no value, or an empty one) comes first. Returns -1, 0 or 1.
 * Duration has no order: Cassandra refuses it in primary keys.
 *
 * @example
 *   compareCqlValues({ kind: 'native', name: 'text' }, '\uFFFD', '\u{1F600}') // -1, unlike JS's '<'
 */
export function compareCqlValues(type: CqlType, a: unknown, b: unknown): number {
  if (a == null || b == null) return a == null ? (b == null ? 0 : -1) : 1;
  switch (type.kind) {
    case 'native':
      return compareNative(type.name, a, b);
    case 'list':
    case 'vector':
      return compareSequences(type.element, elementsOf(a, type.kind), elementsOf(b, type.kind));
    case 'set': {
      // Stored sorted by the element type; sorted again in case a value was built in another order.
      const sorted = (value: unknown) => [...elementsOf(value, 'set')].sort((x, y) => compareCqlValues(type.element, x, y));
      return compareSequences(type.element, sorted(a), sorted(b));
    }
    case 'map': {
      const sorted = (value: unknown) => [...entriesOf(value, 'map')].sort(([x], [y]) => compareCqlValues(type.key, x, y));
      const [x, y] = [sorted(a), sorted(b)];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const order = compareCqlValues(type.key, x[i]![0], y[i]![0]) || compareCqlValues(type.value, x[i]![1], y[i]![1]);
        if (order !== 0) return order;
      }
      return Math.sign(x.length - y.length);
    }
    case 'tuple': {
      const [x, y] = [elementsOf(a, 'tuple'), elementsOf(b, 'tuple')];
      for (let i = 0; i < type.elements.length; i++) {
        const order = compareCqlValues(type.elements[i]!, x[i], y[i]);
        if (order !== 0) return order;
      }
      return 0;
    }
    case 'udt': {
      const [x, y] = [fieldsOf(a, type.name), fieldsOf(b, type.name)];
      for (const field of type.fields) {
        const order = compareCqlValues(field.type, x[field.name], y[field.name]);
        if (order !== 0) return order;
      }
      return 0;
    }
  }
}

function compareNative(name: NativeTypeName, a: unknown, b: unknown): number {
  switch (name) {
    case 'ascii':
    case 'text':
    case 'varchar':
      if (typeof a === 'string' && typeof b === 'string') return compareUtf8(a, b);
      break;
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'float':
    case 'double':
      if (typeof a === 'number' && typeof b === 'number') return compareNumbers(a, b);
      break;
    case 'bigint':
    case 'counter':
    case 'varint': {
      const [x, y] = [toBigInt(a, name), toBigInt(b, name)];
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 'decimal':
      // By value, as BigDecimal.compareTo: 1.0 and 1.00 are the same clustering key.
      if (a instanceof types.BigDecimal && b instanceof types.BigDecimal) return Math.sign(a.compare(b));
      break;
    case 'boolean':
      if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
      break;
    case 'timestamp':
      if (a instanceof Date && b instanceof Date) return Math.sign(a.getTime() - b.getTime());
      break;
    case 'date':
      // Stored as days + 2^31, unsigned: the bytes order by day, even beyond what a JS Date holds.
      if (a instanceof types.LocalDate && b instanceof types.LocalDate) return Math.sign(Buffer.compare(a.toBuffer(), b.toBuffer()));
      break;
    case 'time':
      if (a instanceof types.LocalTime && b instanceof types.LocalTime) return Math.sign(a.getTotalNanoseconds().compare(b.getTotalNanoseconds()));
      break;
    case 'uuid':
      if (a instanceof types.Uuid && b instanceof types.Uuid) return compareUuids(a.getBuffer(), b.getBuffer());
      break;
    case 'timeuuid':
      if (a instanceof types.Uuid && b instanceof types.Uuid) return compareTimeUuids(a.getBuffer(), b.getBuffer());
      break;
    case 'inet':
      if (a instanceof types.InetAddress && b instanceof types.InetAddress) return Math.sign(Buffer.compare(a.getBuffer(), b.getBuffer()));
      break;
    case 'blob':
      return Math.sign(Buffer.compare(bytesOf(a, name), bytesOf(b, name)));
    case 'duration':
      throw new CqlTypeError('duration values have no order: Cassandra refuses them in primary keys');
  }
  throw unexpected(a, name, b);
}

function compareSequences(type: CqlType, a: readonly unknown[], b: readonly unknown[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = compareCqlValues(type, a[i], b[i]);
    if (order !== 0) return order;
  }
  return Math.sign(a.length - b.length);
}

/** Java's Float.compare / Double.compare: -0 before 0, NaN after everything (equal to itself). */
function compareNumbers(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (Number.isNaN(a) || Number.isNaN(b)) return Number(Number.isNaN(a)) - Number(Number.isNaN(b));
  if (Object.is(a, b)) return 0;
  return Object.is(a, -0) ? -1 : 1;
}

/**
 * UTF-8 byte order (UTF8Type) without encoding: it is code point order. UTF-16 code units order
 * alike except surrogates (halves of code points ≥ U+10000), which must rank above U+E000–U+FFFF.
 * Lone surrogates, which valid UTF-8 text never decodes to, rank as surrogate pairs would.
 */
function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) < codePointRank(y) ? -1 : 1;
  }
  return Math.sign(a.length - b.length);
}

function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/** The 60-bit timestamp of a version 1 UUID, most significant bytes first: time_hi, time_mid, time_low. */
const timestampBytes = [6, 7, 4, 5, 0, 1, 2, 3] as const;

/**
 * UUIDType: by version, then version 1 by timestamp and other versions by their first 8 bytes
 * unsigned, then by the last 8 bytes unsigned.
 */
function compareUuids(a: Buffer, b: Buffer): number {
  const [versionA, versionB] = [a[6]! >> 4, b[6]! >> 4];
  if (versionA !== versionB) return versionA < versionB ? -1 : 1;
  const high = versionA === 1 ? compareBytes(a, b, timestampBytes) : compareBytes(a, b, [0, 1, 2, 3, 4, 5, 6, 7]);
  return high || compareBytes(a, b, [8, 9, 10, 11, 12, 13, 14, 15]);
}

/**
 * TimeUUIDType: by timestamp, then by the last 8 bytes compared as signed bytes (unlike UUIDType,
 * kept for compatibility: CASSANDRA-8730).
 */
function compareTimeUuids(a: Buffer, b: Buffer): number {
  return compareBytes(a, b, timestampBytes) || compareBytes(a, b, [8, 9, 10, 11, 12, 13, 14, 15], 0x80);
}

/** Unsigned byte comparison at the given positions; `flip` 0x80 makes it signed. */
function compareBytes(a: Buffer, b: Buffer, positions: readonly number[], flip = 0): number {
  for (const i of positions) {
    const x = a[i]! ^ flip;
    const y = b[i]! ^ flip;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
