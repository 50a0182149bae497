import { describe, expect, it } from 'vitest';
import { buildTableSchema } from '../../src/cql/index.js';
import { RecordRejectedError, type RecordRejection } from '../../src/errors.js';
import { createRecordDecoder, defaultMapping, parseMapping, type DecoderOptions, type KafkaRecordView } from '../../src/records/index.js';
import { userActivity } from '../helpers/tables.js';

/** The clock stands at the records' Kafka time, so a TTL has all its seconds left unless a test says otherwise. */
const recordTimeMs = 1_700_000_000_000;
const options: DecoderOptions = { timestamp: 'header', ttl: 'none', unknownFields: 'ignore', nullToUnset: true, deletesEnabled: true, now: () => recordTimeMs };
const decoder = (overrides: Partial<DecoderOptions> = {}, mapping = defaultMapping(userActivity)) =>
  createRecordDecoder(userActivity, mapping, { ...options, ...overrides });

function record(value: unknown, extra: { key?: unknown; headers?: Record<string, string>; timestampMs?: bigint } = {}): KafkaRecordView {
  const encode = (v: unknown) => (v === null || v === undefined ? null : Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)));
  return {
    value: encode(value),
    key: encode(extra.key),
    headers: new Map(Object.entries(extra.headers ?? {}).map(([k, v]) => [k, Buffer.from(v)])),
    timestampMs: extra.timestampMs ?? 1_700_000_000_000n,
  };
}

const fixture = { user_id: 'user123', activity_time: '2023-05-10T12:00:00Z', activity_type: 'click', activity_details: "Clicked on 'Learn More' button" };

function rejection(fn: () => unknown): { reason: RecordRejection; message: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof RecordRejectedError) return { reason: error.reason, message: error.message };
    throw error;
  }
  throw new Error('not rejected');
}

describe('record decoder', () => {
  it('turns the reference record into an upsert with the producer\'s microsecond timestamp', () => {
    const op = decoder()(record(fixture, { headers: { 'tandem-ts-us': '1683720000123456' } }));
    expect(op).toMatchObject({ kind: 'upsert', timestampUs: 1683720000123456n, ttlSeconds: undefined });
    if (op.kind !== 'upsert') throw new Error('not an upsert');
    expect(op.values).toEqual(
      new Map<string, unknown>([
        ['user_id', 'user123'],
        ['activity_time', new Date('2023-05-10T12:00:00Z')],
        ['activity_details', "Clicked on 'Learn More' button"],
        ['activity_type', 'click'],
      ]),
    );
    expect(op.estimatedBytes).toBeGreaterThan(60);
  });

  it('falls back to the Kafka record time in microseconds when there is no header', () => {
    expect(decoder()(record(fixture, { timestampMs: 1_683_720_000_123n })).timestampUs).toBe(1_683_720_000_123_000n);
    expect(decoder({ timestamp: 'record' })(record(fixture, { headers: { 'tandem-ts-us': '5' }, timestampMs: 7n })).timestampUs).toBe(7000n);
  });

  it('reads the write time from a field (microseconds or ISO-8601) or from __timestamp', () => {
    expect(decoder({ timestamp: 'field:ts' })(record({ ...fixture, ts: 1683720000000001 })).timestampUs).toBe(1683720000000001n);
    expect(decoder({ timestamp: 'field:ts' })(record({ ...fixture, ts: '2023-05-10T12:00:00.5Z' })).timestampUs).toBe(1683720000500000n);
    const mapped = parseMapping('user_id=value.user_id, activity_time=value.activity_time, __timestamp=value.ts');
    expect(decoder({}, mapped)(record({ ...fixture, ts: 42 })).timestampUs).toBe(42n);
  });

  it('applies a fixed TTL, a TTL field or __ttl; 0 means none', () => {
    const ttl = (op: ReturnType<ReturnType<typeof decoder>>) => (op.kind === 'upsert' ? op.ttlSeconds : 'delete');
    expect(ttl(decoder({ ttl: 3600 })(record(fixture)))).toBe(3600);
    expect(ttl(decoder({ ttl: 'field:expires' })(record({ ...fixture, expires: 60 })))).toBe(60);
    expect(ttl(decoder({ ttl: 'field:expires' })(record({ ...fixture, expires: 0 })))).toBeUndefined();
    const mapped = parseMapping('user_id=value.user_id, activity_time=value.activity_time, activity_type=value.activity_type, __ttl=value.e');
    expect(ttl(decoder({}, mapped)(record({ ...fixture, e: '120' })))).toBe(120);
    expect(rejection(() => decoder({ ttl: 'field:expires' })(record({ ...fixture, expires: -1 }))).reason).toBe('bad-ttl');
  });

  it('leaves absent fields untouched and, with nullToUnset, null fields too', () => {
    const partial = decoder()(record({ user_id: 'u', activity_time: 1, activity_type: 'view', activity_details: null }));
    expect(partial.kind === 'upsert' && [...partial.values.keys()]).toEqual(['user_id', 'activity_time', 'activity_type']);
    const tombstoning = decoder({ nullToUnset: false })(record({ user_id: 'u', activity_time: 1, activity_type: 'view', activity_details: null }));
    expect(tombstoning.kind === 'upsert' && tombstoning.values.get('activity_details')).toBeNull();
  });

  it('deletes a row when the value is a tombstone, naming the row in the key', () => {
    const op = decoder()(record(null, { key: { user_id: 'u', activity_time: '2023-05-10T12:00:00Z' }, headers: { 'tandem-ts-us': '99' } }));
    expect(op).toEqual({ kind: 'delete', key: new Map<string, unknown>([['user_id', 'u'], ['activity_time', new Date('2023-05-10T12:00:00Z')]]), timestampUs: 99n });
  });

  it('deletes a row on header tandem-op: delete, naming the row in the value', () => {
    const op = decoder()(record({ user_id: 'u', activity_time: 0 }, { headers: { 'tandem-op': 'delete', 'tandem-ts-us': '7' } }));
    expect(op).toEqual({ kind: 'delete', key: new Map<string, unknown>([['user_id', 'u'], ['activity_time', new Date(0)]]), timestampUs: 7n });
  });

  it('deletes a row whose mapped non-key fields are all null (the connector\'s rule), unless deletes are off', () => {
    const value = { user_id: 'u', activity_time: 0, activity_type: null, activity_details: null };
    expect(decoder()(record(value)).kind).toBe('delete');
    expect(decoder({ deletesEnabled: false })(record(value)).kind).toBe('upsert');
  });

  it('never deletes a row because a record carries a field no column takes (added since, dropped, mistyped): it upserts the key', () => {
    for (const value of [
      { user_id: 'u', activity_time: 0, page: 'home' },
      { user_id: 'u', activity_time: 0, activty_type: 'typo' },
      { user_id: 'u', activity_time: 0, activity_type: null, page: 'home' },
    ]) {
      const op = decoder()(record(value));
      expect(op.kind).toBe('upsert');
      if (op.kind !== 'upsert') continue;
      expect(op.unmappedField).toBeDefined();
      expect(op.values.get('user_id')).toBe('u');
    }
    // Only its key fields (or explicit nulls): the connector's delete, as before.
    expect(decoder()(record({ user_id: 'u', activity_time: 0 })).kind).toBe('delete');
    expect(rejection(() => decoder({ unknownFields: 'reject' })(record({ user_id: 'u', activity_time: 0, page: 'home' }))).reason).toBe('unknown-field');
  });

  it('counts a TTL down from the record\'s write time, so it expires at the same instant however late it is written', () => {
    const writtenUs = String(BigInt(recordTimeMs) * 1000n);
    const at = (nowMs: number, ttl = 60) => decoder({ ttl, now: () => nowMs })(record(fixture, { headers: { 'tandem-ts-us': writtenUs } }));
    expect(at(recordTimeMs + 20_000)).toMatchObject({ kind: 'upsert', ttlSeconds: 40 });
    // Whole seconds, as Cassandra counts them; a write time ahead of the clock gives no extra life.
    expect(at(recordTimeMs + 20_999)).toMatchObject({ kind: 'upsert', ttlSeconds: 40 });
    expect(at(recordTimeMs - 30_000)).toMatchObject({ kind: 'upsert', ttlSeconds: 60 });
    // Expired on the way: its columns are deleted at its timestamp (as its expired cells are elsewhere), its row marker left alone.
    expect(at(recordTimeMs + 60_000)).toEqual({
      kind: 'expire',
      key: new Map<string, unknown>([['user_id', 'user123'], ['activity_time', new Date('2023-05-10T12:00:00Z')]]),
      columns: ['activity_details', 'activity_type'],
      timestampUs: BigInt(writtenUs),
    });
    expect(decoder({ ttl: 60, deletesEnabled: false, now: () => recordTimeMs + 3_600_000 })(record({ user_id: 'u', activity_time: 0 }, { headers: { 'tandem-ts-us': writtenUs } }))).toMatchObject({ kind: 'expire', columns: [] });
  });

  it('takes a key column from the record key when the value lacks it', () => {
    const op = decoder()(record({ activity_time: 0, activity_type: 'x' }, { key: { user_id: 'from-key' } }));
    expect(op.kind === 'upsert' && op.values.get('user_id')).toBe('from-key');
  });

  it.each([
    ['malformed JSON', record('{"user_id": '), 'malformed-json', 'the value is not valid JSON'],
    ['a value that is not an object', record('[1,2]'), 'not-an-object', 'the value is JSON but not an object (got an array)'],
    ['a missing primary-key field', record({ activity_time: 0, activity_type: 'x' }), 'missing-key-column', 'primary key column "user_id" of msk_ks_cass_blog.user_activity is missing or null'],
    ['a null primary-key field', record({ user_id: null, activity_time: 0 }), 'missing-key-column', '"user_id"'],
    ['a wrong type', record({ ...fixture, activity_time: '2023-13-45' }), 'bad-value', 'field "activity_time": expected an ISO-8601 timestamp'],
    ['a tombstone whose key lacks a clustering column', record(null, { key: { user_id: 'u' } }), 'missing-key-column', '"activity_time"'],
    ['a bad timestamp header', record(fixture, { headers: { 'tandem-ts-us': 'soon' } }), 'bad-timestamp', 'header tandem-ts-us is not a write time'],
  ])('rejects %s with a reason naming the field', (_what, input, reason, message) => {
    const result = rejection(() => decoder()(input));
    expect(result.reason).toBe(reason);
    expect(result.message).toContain(message);
  });

  it('rejects unknown fields only when told to', () => {
    expect(decoder()(record({ ...fixture, extra: 1 })).kind).toBe('upsert');
    expect(rejection(() => decoder({ unknownFields: 'reject' })(record({ ...fixture, extra: 1 })))).toEqual({
      reason: 'unknown-field',
      message: 'field "extra" maps to no column of msk_ks_cass_blog.user_activity',
    });
    expect(decoder({ unknownFields: 'reject', timestamp: 'field:ts' })(record({ ...fixture, ts: 5 })).kind).toBe('upsert');
  });

  it('names the first field it ignored, so the sink can tell a column added since it read the table', () => {
    expect(decoder()(record({ ...fixture, extra: 1, more: 2 }))).toMatchObject({ kind: 'upsert', unmappedField: 'extra' });
    expect(decoder()(record(fixture))).toMatchObject({ kind: 'upsert', unmappedField: undefined });
    // A field the timestamp is read from is taken, though no column is.
    expect(decoder({ timestamp: 'field:ts' })(record({ ...fixture, ts: 5 }))).toMatchObject({ unmappedField: undefined });
  });

  it('refuses counter tables: their updates cannot be replayed', () => {
    const counters = buildTableSchema('ks', 'hits', [
      { column_name: 'k', kind: 'partition_key', position: 0, type: 'text', clustering_order: 'none' },
      { column_name: 'n', kind: 'regular', position: -1, type: 'counter', clustering_order: 'none' },
    ], []);
    const decode = createRecordDecoder(counters, defaultMapping(counters), options);
    expect(rejection(() => decode(record({ k: 'a', n: 1 }))).reason).toBe('unsupported-table');
  });
});

describe('record decoder with column names every JavaScript object inherits', () => {
  const table = buildTableSchema('ks', 't', [
    { column_name: 'id', kind: 'partition_key', position: 0, type: 'text', clustering_order: 'none' },
    { column_name: 'constructor', kind: 'regular', position: -1, type: 'text', clustering_order: 'none' },
    { column_name: 'toString', kind: 'regular', position: -1, type: 'text', clustering_order: 'none' },
  ], []);
  const decode = createRecordDecoder(table, defaultMapping(table), options);

  it('leaves such a column unset when the record does not carry it', () => {
    const op = decode(record({ id: 'a', toString: 'given' }, { headers: { 'tandem-ts-us': '1' } }));
    expect(op).toMatchObject({ kind: 'upsert' });
    if (op.kind !== 'upsert') throw new Error('not an upsert');
    expect(op.values).toEqual(new Map([['id', 'a'], ['toString', 'given']]));
  });
});
