import cassandra from 'cassandra-driver';

const { types } = cassandra;

/**
 * Whether two values the driver decoded hold the same CQL value, without knowing their type:
 * - null and undefined both mean no value;
 * - numbers by Object.is (NaN equals NaN; -0 and 0 are different bytes, so different values);
 * - bigint, string, boolean by value; Date by time; Buffers and typed arrays by content;
 * - arrays, Tuples and Vectors element by element; UDT objects field by field;
 * - Sets and Maps by content whatever their iteration order (Cassandra returns them sorted, but a
 *   value built elsewhere may not be), keys compared as values (two Uuid objects of one id match);
 * - BigDecimal by unscaled value and scale (1.0 and 1.00 are stored differently, so they differ);
 * - other driver types (Uuid, TimeUuid, InetAddress, LocalDate, LocalTime, Duration, Long) by
 *   class and `.equals`.
 *
 * @example
 *   cqlValuesEqual(new Map([[Uuid.fromString(id), 1]]), new Map([[Uuid.fromString(id), 1]])) // true
 */
export function cqlValuesEqual(a: unknown, b: unknown): boolean {
  if (a == null || b == null) return a == null && b == null;
  if (typeof a !== 'object' || typeof b !== 'object') return typeof a === 'number' ? Object.is(a, b) : a === b;
  if (a === b) return true;
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime();
  if (a instanceof Uint8Array) return b instanceof Uint8Array && Buffer.compare(a, b) === 0;
  if (Array.isArray(a)) return Array.isArray(b) && sequencesEqual(a, b);
  if (a instanceof Set) return b instanceof Set && setsEqual(a, b);
  if (a instanceof Map) return b instanceof Map && mapsEqual(a, b);
  if (a instanceof types.Tuple) return b instanceof types.Tuple && sequencesEqual(a.elements, b.elements);
  // Typed arrays before Vector: the driver's Vector claims every Float32Array as an instance.
  if (ArrayBuffer.isView(a)) return ArrayBuffer.isView(b) && a.constructor === b.constructor && sequencesEqual(Array.from(a as Float32Array), Array.from(b as Float32Array));
  if (a instanceof types.Vector) return b instanceof types.Vector && !ArrayBuffer.isView(b) && sequencesEqual(a.elements, b.elements);
  if (a instanceof types.BigDecimal) return b instanceof types.BigDecimal && types.BigDecimal.toBuffer(a).equals(types.BigDecimal.toBuffer(b));
  if (hasEquals(a)) return a.constructor === b.constructor && a.equals(b);
  if (isPlainObject(a) && isPlainObject(b)) return fieldsEqual(a, b);
  return false;
}

/**
 * A string that two values share exactly when `cqlValuesEqual` holds, to find a Set element or
 * Map key among the other side's: every part is self-delimiting, so nested values cannot collide.
 */
export function cqlValueKey(value: unknown): string {
  if (value == null) return 'N';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return `n${Object.is(value, -0) ? '-0' : String(value)}`;
    case 'bigint':
      return `i${value}`;
    case 'boolean':
      return value ? 'T' : 'F';
    case 'object':
      break;
    default:
      return `?${JSON.stringify(String(value))}`;
  }
  const list = (items: Iterable<unknown>) => Array.from(items, cqlValueKey).join(',');
  if (value instanceof Date) return `d${value.getTime()}`;
  if (value instanceof Uint8Array) return `x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  if (Array.isArray(value)) return `[${list(value)}]`;
  if (value instanceof Set) return `{${Array.from(value, cqlValueKey).sort().join(',')}}`;
  if (value instanceof Map) return `<${Array.from(value, ([k, v]) => `${cqlValueKey(k)}:${cqlValueKey(v)}`).sort().join(',')}>`;
  if (value instanceof types.Tuple) return `(${list(value.elements)})`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}[${list(Array.from(value as Float32Array))}]`;
  if (value instanceof types.Vector) return `v[${list(value.elements)}]`;
  if (value instanceof types.BigDecimal) return `m${types.BigDecimal.toBuffer(value).toString('hex')}`;
  if (hasEquals(value)) return `${value.constructor.name}${JSON.stringify(String(value))}`;
  const fields = Object.entries(value).filter(([, v]) => v != null);
  return `u{${fields.map(([k, v]) => `${JSON.stringify(k)}:${cqlValueKey(v)}`).sort().join(',')}}`;
}

function sequencesEqual(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((item, i) => cqlValuesEqual(item, b[i]));
}

/** In order first (both sides come sorted by Cassandra); by content only when that fails. */
function setsEqual(a: ReadonlySet<unknown>, b: ReadonlySet<unknown>): boolean {
  if (a.size !== b.size) return false;
  if (sequencesEqual([...a], [...b])) return true;
  const counts = new Map<string, number>();
  for (const item of a) counts.set(cqlValueKey(item), (counts.get(cqlValueKey(item)) ?? 0) + 1);
  for (const item of b) {
    const key = cqlValueKey(item);
    const count = counts.get(key);
    if (!count) return false;
    counts.set(key, count - 1);
  }
  return true;
}

function mapsEqual(a: ReadonlyMap<unknown, unknown>, b: ReadonlyMap<unknown, unknown>): boolean {
  if (a.size !== b.size) return false;
  const [x, y] = [[...a], [...b]];
  if (x.every(([k, v], i) => cqlValuesEqual(k, y[i]![0]) && cqlValuesEqual(v, y[i]![1]))) return true;
  const byKey = new Map(y.map(([k, v]) => [cqlValueKey(k), v]));
  return byKey.size === y.length && x.every(([k, v]) => byKey.has(cqlValueKey(k)) && cqlValuesEqual(v, byKey.get(cqlValueKey(k))));
}

/** UDT values: an absent field and a null one both mean no value. */
function fieldsEqual(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...names].every((name) => cqlValuesEqual(a[name], b[name]));
}

function hasEquals(value: object): value is { equals(other: unknown): boolean } {
  return typeof (value as { equals?: unknown }).equals === 'function';
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
