import type { TableSchema } from '../cql/index.js';
import { RecordRejectedError } from '../errors.js';
import { CoercionError, coerceValue, parseTimestamp } from './coerce.js';
import type { FieldSource, TopicMapping } from './mapping.js';

/** The parts of a Kafka record the decoder reads; the sink adapts its client's records to this. */
export interface KafkaRecordView {
  readonly key: Buffer | null | undefined;
  readonly value: Buffer | null | undefined;
  readonly headers: ReadonlyMap<string, Buffer>;
  /** The record's Kafka timestamp in milliseconds. */
  readonly timestampMs: bigint;
}

export type RowOperation =
  | {
      readonly kind: 'upsert';
      /** Column → driver value; `null` writes a tombstone cell; absent columns are left untouched. */
      readonly values: ReadonlyMap<string, unknown>;
      readonly timestampUs: bigint;
      readonly ttlSeconds: number | undefined;
      /** What the row weighs, as Keyspaces counts toward its 1 MB limit (names plus values). */
      readonly estimatedBytes: number;
      /**
       * A value field no column takes (the first one), left out as `unknownFields: ignore` says. Under
       * the default mapping it may name a column added since the table was read.
       */
      readonly unmappedField?: string | undefined;
    }
  | { readonly kind: 'delete'; readonly key: ReadonlyMap<string, unknown>; readonly timestampUs: bigint }
  | {
      /**
       * An upsert whose TTL ran out before it could be written (a lagging sink, a replayed dead
       * letter): on a side that wrote it in time its cells have expired, and an expired cell is a
       * tombstone at its write time, which shadows older values. So its columns are deleted at its
       * timestamp, without a row marker. Skipping it instead would leave an older value visible on
       * the late side only.
       */
      readonly kind: 'expire';
      /** The row's primary key values. */
      readonly key: ReadonlyMap<string, unknown>;
      /** The non-key columns the record set; none for a record of its key alone, which then writes nothing. */
      readonly columns: readonly string[];
      readonly timestampUs: bigint;
    };

export interface DecoderOptions {
  /** `header` (tandem-ts-us, else the mapped __timestamp, else record time), `record` or `field:<name>`. */
  readonly timestamp: string;
  readonly ttl: 'none' | number | string;
  /** Fields no column takes: ignored, or the record is rejected. */
  readonly unknownFields: 'ignore' | 'reject';
  /** DataStax `nullToUnset`: a null field leaves the column as it is instead of deleting the cell. */
  readonly nullToUnset: boolean;
  /** DataStax `deletesEnabled`: a record whose mapped non-key fields are all null deletes the row. */
  readonly deletesEnabled: boolean;
  /**
   * The clock (ms) a record's TTL counts down by: TTL written = TTL − the record's age (now − its
   * write time), so it expires at the same instant on both sides however late each writes it.
   */
  readonly now?: () => number;
}

export const timestampHeader = 'tandem-ts-us';
export const operationHeader = 'tandem-op';

export type RecordDecoder = (record: KafkaRecordView) => RowOperation;

/**
 * Builds the pure function that turns one Kafka record into one row operation for `table`, or
 * throws a RecordRejectedError naming the field and what was wrong.
 *
 * @example
 *   const decode = createRecordDecoder(schema, defaultMapping(schema), options);
 *   decode({ key, value, headers, timestampMs }) // { kind: 'upsert', values, timestampUs, ... }
 */
export function createRecordDecoder(table: TableSchema, mapping: TopicMapping, options: DecoderOptions): RecordDecoder {
  const columnTypes = new Map(table.columns.map((c) => [c.name, c]));
  const keyColumns = [...table.partitionKey, ...table.clustering].map((c) => c.name);
  const keyColumnSet = new Set(keyColumns);
  const mappedValueFields = new Set(
    [...mapping.columns.map((m) => m.source), mapping.ttl, mapping.timestamp].flatMap((source) =>
      source && source.from === 'value' && source.path.length > 0 ? [source.path[0]!] : [],
    ),
  );
  if (options.timestamp.startsWith('field:')) mappedValueFields.add(options.timestamp.slice(6));
  if (typeof options.ttl === 'string' && options.ttl.startsWith('field:')) mappedValueFields.add(options.ttl.slice(6));
  const now = options.now ?? Date.now;

  return (record) => {
    if (table.isCounterTable) {
      throw new RecordRejectedError('unsupported-table', `${table.keyspace}.${table.table} is a counter table: counter updates cannot be replayed idempotently`);
    }
    // The key is parsed only when a column is read from it: most records never need it.
    let parsedKey: Record<string, unknown> | undefined | null = null;
    const keyObject = () => (parsedKey === null ? (parsedKey = parseJsonObject(record.key, 'key', false)) : parsedKey);
    const isDelete = record.value == null || record.headers.get(operationHeader)?.toString() === 'delete';
    const value = record.value == null ? undefined : parseJsonObject(record.value, 'value', true);
    const timestampUs = writeTimestamp(record, value, mapping, options);

    if (isDelete) {
      // A tombstone has no value: its key names the row, resolved along the same paths.
      const keyValues = new Map<string, unknown>();
      for (const column of keyColumns) {
        const m = mapping.columns.find((c) => c.column === column)!;
        const raw = value ? resolve(m.source, value, keyObject, record.headers, m.keyFallback) : resolveIn(m.source, keyObject());
        keyValues.set(column, requireKey(column, coerce(raw, column)));
      }
      return { kind: 'delete', key: keyValues, timestampUs };
    }

    let unmappedField: string | undefined;
    for (const field in value) {
      if (!mappedValueFields.has(field)) {
        unmappedField = field;
        break;
      }
    }
    if (unmappedField !== undefined && options.unknownFields === 'reject') {
      throw new RecordRejectedError('unknown-field', `field "${unmappedField}" maps to no column of ${table.keyspace}.${table.table}`);
    }

    const values = new Map<string, unknown>();
    let allRegularNull = true;
    let hasRegular = false;
    let estimatedBytes = 0;
    for (const m of mapping.columns) {
      const raw = resolve(m.source, value!, keyObject, record.headers, m.keyFallback);
      const coerced = coerce(raw, m.column);
      if (keyColumnSet.has(m.column)) {
        values.set(m.column, requireKey(m.column, coerced));
      } else {
        hasRegular = true;
        if (coerced !== undefined && coerced !== null) allRegularNull = false;
        if (coerced === undefined || (coerced === null && options.nullToUnset)) continue;
        values.set(m.column, coerced);
      }
      estimatedBytes += Buffer.byteLength(m.column) + byteSize(coerced);
    }
    // A field the mapping leaves out is a value the record carries (a column added since the table
    // was read, a typo): counting it as null would turn an upsert into a delete of the whole row.
    if (options.deletesEnabled && hasRegular && allRegularNull && unmappedField === undefined) {
      return { kind: 'delete', key: new Map(keyColumns.map((c) => [c, values.get(c)])), timestampUs };
    }
    const ttlSeconds = remainingTtl(ttlOf(value!, keyObject, record.headers, mapping, options), timestampUs, now());
    if (ttlSeconds !== undefined && ttlSeconds <= 0) {
      return { kind: 'expire', key: new Map(keyColumns.map((c) => [c, values.get(c)])), columns: [...values.keys()].filter((c) => !keyColumnSet.has(c)), timestampUs };
    }
    return { kind: 'upsert', values, timestampUs, ttlSeconds, estimatedBytes, unmappedField };
  };

  function coerce(raw: unknown, column: string): unknown {
    if (raw === undefined) return undefined;
    try {
      return coerceValue(raw, columnTypes.get(column)!.type, column);
    } catch (error) {
      if (error instanceof CoercionError) throw new RecordRejectedError('bad-value', error.message, { cause: error });
      // Anything else (a driver type's constructor refusing what the checks let through) is still this
      // one value's fault: the record is dead-lettered, never the sink stopped on it.
      throw new RecordRejectedError('bad-value', `field "${column}": ${columnTypes.get(column)!.typeText} cannot hold ${shortJson(raw)} (${(error as Error)?.message ?? String(error)})`, { cause: error });
    }
  }

  function requireKey(column: string, coerced: unknown): unknown {
    if (coerced === undefined || coerced === null) {
      throw new RecordRejectedError('missing-key-column', `primary key column "${column}" of ${table.keyspace}.${table.table} is missing or null`);
    }
    return coerced;
  }
}

function parseJsonObject(bytes: Buffer | null | undefined, what: 'key' | 'value', required: boolean): Record<string, unknown> | undefined {
  if (bytes == null || bytes.length === 0) {
    if (required) throw new RecordRejectedError('not-an-object', `the ${what} is empty`);
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    // A key need not be JSON (it only places the record on a partition) unless a column is read from it.
    if (!required) return undefined;
    throw new RecordRejectedError('malformed-json', `the ${what} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    if (!required) return undefined;
    throw new RecordRejectedError('not-an-object', `the ${what} is JSON but not an object (got ${Array.isArray(parsed) ? 'an array' : typeof parsed})`);
  }
  return parsed as Record<string, unknown>;
}

function resolveIn(source: FieldSource, root: Record<string, unknown> | undefined): unknown {
  if (source.from === 'header' || root === undefined) return undefined;
  let current: unknown = root;
  for (const segment of source.path) {
    // Own fields only: a column named `constructor` or `toString` must not read what every object inherits.
    if (typeof current !== 'object' || current === null || Array.isArray(current) || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

type LazyKey = () => Record<string, unknown> | undefined;

function resolve(source: FieldSource, value: Record<string, unknown>, key: LazyKey, headers: ReadonlyMap<string, Buffer>, keyFallback = false): unknown {
  if (source.from === 'header') {
    const header = headers.get(source.name);
    return header === undefined ? undefined : header.toString('utf8');
  }
  const found = resolveIn(source, source.from === 'value' ? value : key());
  return found === undefined && keyFallback ? resolveIn(source, key()) : found;
}

function writeTimestamp(record: KafkaRecordView, value: Record<string, unknown> | undefined, mapping: TopicMapping, options: DecoderOptions): bigint {
  const fromRecord = record.timestampMs * 1000n;
  if (options.timestamp === 'record') return fromRecord;
  if (options.timestamp.startsWith('field:')) {
    const field = options.timestamp.slice(6);
    const raw = value?.[field];
    if (raw === undefined || raw === null) throw new RecordRejectedError('bad-timestamp', `the write-time field "${field}" is missing`);
    return microseconds(raw, field);
  }
  const header = record.headers.get(timestampHeader);
  if (header !== undefined) return microseconds(header.toString('utf8'), `header ${timestampHeader}`);
  if (mapping.timestamp && value) {
    const raw = resolve(mapping.timestamp, value, () => undefined, record.headers);
    if (raw !== undefined && raw !== null) return microseconds(raw, '__timestamp');
  }
  return fromRecord;
}

/** Integers are microseconds (the DataStax `__timestamp` convention); strings may also be ISO-8601. */
function microseconds(raw: unknown, what: string): bigint {
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw > 0) return BigInt(raw);
  if (typeof raw === 'string' && /^\d+$/.test(raw) && BigInt(raw) > 0n) return BigInt(raw);
  if (typeof raw === 'string') {
    try {
      return BigInt(parseTimestamp(raw, what).getTime()) * 1000n;
    } catch {
      // Reported below with the rest.
    }
  }
  throw new RecordRejectedError('bad-timestamp', `${what} is not a write time (microseconds since the epoch, or ISO-8601): ${JSON.stringify(raw)}`);
}

function ttlOf(
  value: Record<string, unknown>,
  key: LazyKey,
  headers: ReadonlyMap<string, Buffer>,
  mapping: TopicMapping,
  options: DecoderOptions,
): number | undefined {
  let raw: unknown;
  let what: string;
  if (mapping.ttl) {
    raw = resolve(mapping.ttl, value, key, headers);
    what = '__ttl';
  } else if (typeof options.ttl === 'number') {
    return options.ttl;
  } else if (options.ttl.startsWith('field:')) {
    what = options.ttl.slice(6);
    raw = value[what];
  } else {
    return undefined;
  }
  if (raw === undefined || raw === null) return undefined;
  const seconds = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  // Cassandra's maximum TTL is 20 years.
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0 || seconds > 630_720_000) {
    throw new RecordRejectedError('bad-ttl', `TTL field "${what}" must be whole seconds from 0 to 630720000, got ${JSON.stringify(raw)}`);
  }
  return seconds === 0 ? undefined : seconds;
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * The seconds a TTL has left at `nowMs` for a record written at `timestampUs`, counted in whole
 * seconds as Cassandra does (it sets expiry = its whole second + TTL), so the expiry second is the
 * one the record's write gave it. A write time ahead of the clock (skew) counts as age 0, never as
 * extra life. Zero or less: expired.
 */
export function remainingTtl(ttlSeconds: number | undefined, timestampUs: bigint, nowMs: number): number | undefined {
  if (ttlSeconds === undefined) return undefined;
  const ageSeconds = Math.floor(nowMs / 1000) - Number(timestampUs / 1_000_000n);
  return ttlSeconds - Math.max(0, ageSeconds);
}

/** Approximate encoded size of a driver value, for the row-size limit. */
export function byteSize(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (Buffer.isBuffer(value)) return value.length;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' || value instanceof Date) return 8;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + byteSize(item) + 4, 0);
  if (value instanceof Set) return [...value].reduce((sum: number, item) => sum + byteSize(item) + 4, 0);
  if (value instanceof Map) return [...value].reduce((sum: number, [k, v]) => sum + byteSize(k) + byteSize(v) + 8, 0);
  if (typeof value === 'object' && 'elements' in value && Array.isArray((value as { elements: unknown[] }).elements)) {
    return byteSize((value as { elements: unknown[] }).elements);
  }
  if (typeof value === 'object') {
    const text = String(value);
    if (text !== '[object Object]') return Buffer.byteLength(text);
    return Object.entries(value).reduce((sum: number, [k, v]) => sum + Buffer.byteLength(k) + byteSize(v), 0);
  }
  return 8;
}
