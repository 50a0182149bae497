/**
 * How cassandra-driver 4.10 hands over values, read the same way by ordering, key bytes, equality
 * and reports. Clients use `encoding: { map: Map, set: Set, useBigIntAsLong, useBigIntAsVarint }`;
 * `Long` and `Integer` are still accepted, for a client configured without the bigint options.
 */
import cassandra from 'cassandra-driver';

const { types } = cassandra;

/** A value the driver returns for a bigint, counter or varint column, as a bigint. */
export function toBigInt(value: unknown, typeName: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (value instanceof types.Long || value instanceof types.Integer) return BigInt(value.toString());
  throw unexpected(value, typeName);
}

/**
 * The elements of a list, set, vector or tuple value, in the order the driver yields them:
 * arrays, Sets, driver `Vector`s (which wrap an array), typed arrays (a vector of floats) and `Tuple`s.
 */
export function elementsOf(value: unknown, typeName: string): readonly unknown[] {
  if (Array.isArray(value)) return value;
  if (value instanceof Set) return [...value];
  // Before Vector: the driver's Vector claims every Float32Array as an instance (Symbol.hasInstance).
  if (ArrayBuffer.isView(value) && !(value instanceof DataView) && !(value instanceof Uint8Array)) return Array.from(value as Float32Array);
  if (value instanceof types.Vector || value instanceof types.Tuple) return value.elements;
  throw unexpected(value, typeName);
}

/** The entries of a map value. */
export function entriesOf(value: unknown, typeName: string): readonly (readonly [unknown, unknown])[] {
  if (value instanceof Map) return [...value.entries()];
  throw unexpected(value, typeName);
}

/** A UDT value's fields by name; the driver returns a plain object. */
export function fieldsOf(value: unknown, typeName: string): Readonly<Record<string, unknown>> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  throw unexpected(value, typeName);
}

/** A blob value (Buffer); any Uint8Array is taken. */
export function bytesOf(value: unknown, typeName: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw unexpected(value, typeName);
}

/** A shape the driver never returns for the column's type: the caller mixed up columns or client options. */
export function unexpected(value: unknown, typeName: string, other?: unknown): TypeError {
  const shape = (v: unknown) => (v === null ? 'null' : typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v);
  const got = other === undefined ? shape(value) : `${shape(value)} and ${shape(other)}`;
  return new TypeError(`expected the driver's value for ${typeName}, got ${got}`);
}
