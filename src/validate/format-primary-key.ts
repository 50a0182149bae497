import cassandra from 'cassandra-driver';
import { quoteIdentifier, quoteString, type TableSchema } from '../cql/index.js';

const { types } = cassandra;

/**
 * A row's primary key for a report, CQL-like: the key columns of `table` that `key` holds, in key
 * order. Names are quoted only when CQL would need it.
 *
 * @example
 *   formatPrimaryKey(userActivity, new Map([['user_id', 'u1'], ['activity_time', new Date('2023-05-10T12:00:00Z')]]))
 *   // "user_id='u1', activity_time=2023-05-10T12:00:00.000Z"
 */
export function formatPrimaryKey(table: TableSchema, key: ReadonlyMap<string, unknown>): string {
  return [...table.partitionKey, ...table.clustering]
    .filter((column) => key.has(column.name))
    .map((column) => `${/^[a-z_][a-z0-9_]*$/.test(column.name) ? column.name : quoteIdentifier(column.name)}=${formatCqlValue(key.get(column.name))}`)
    .join(', ');
}

/**
 * One value as a short CQL-like literal: strings quoted, timestamps in ISO 8601, blobs in hex,
 * collections, tuples and UDTs spelled out; other driver types by their own `toString`.
 */
export function formatCqlValue(value: unknown): string {
  if (value == null) return 'null';
  if (typeof value === 'string') return quoteString(value);
  if (typeof value !== 'object') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof Uint8Array) return `0x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  const list = (items: Iterable<unknown>) => Array.from(items, formatCqlValue).join(', ');
  if (Array.isArray(value)) return `[${list(value)}]`;
  if (value instanceof Set) return `{${list(value)}}`;
  if (value instanceof Map) return `{${Array.from(value, ([k, v]) => `${formatCqlValue(k)}: ${formatCqlValue(v)}`).join(', ')}}`;
  if (value instanceof types.Tuple) return `(${list(value.elements)})`;
  if (ArrayBuffer.isView(value)) return `[${list(Array.from(value as Float32Array))}]`;
  if (value instanceof types.Vector) return `[${list(value.elements)}]`;
  if (Object.getPrototypeOf(value) === Object.prototype) {
    return `{${Object.entries(value).map(([name, field]) => `${name}: ${formatCqlValue(field)}`).join(', ')}}`;
  }
  return String(value);
}
