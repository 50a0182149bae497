import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { TopicConfig } from '../../src/config/index.js';
import { buildTableSchema, type TableSchema } from '../../src/cql/index.js';
import { RecordRejectedError } from '../../src/errors.js';
import type { KafkaRecordView } from '../../src/records/index.js';
import type { Destination } from '../../src/sink/index.js';
import { schemaRecheckIntervalMs, TopicRoute } from '../../src/sink/topic-routes.js';
import { column } from '../helpers/tables.js';

const base = [column('user_id', 'partition_key', 'text', 0), column('activity_type', 'regular', 'text')];
const before = buildTableSchema('ks', 'activity', base, []);
const withPage = buildTableSchema('ks', 'activity', [...base, column('page', 'regular', 'text')], []);
const withoutType = buildTableSchema('ks', 'activity', [base[0]!], []);

const topic = (overrides: Partial<TopicConfig> = {}): TopicConfig => ({
  topic: 'activity',
  table: 'ks.activity',
  timestamp: 'record',
  ttl: 'none',
  unknownFields: 'ignore',
  nullToUnset: true,
  deletesEnabled: true,
  ...overrides,
});

/** A destination whose table is whatever `live` holds now, counting how often it is read. */
function liveTable(initial: TableSchema) {
  const state = { live: initial, reads: 0 };
  const destination = {
    name: 'target',
    tableSchema: async () => {
      state.reads += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return state.live;
    },
  } as unknown as Destination;
  return { state, destination };
}

function clock() {
  const time = { now: 0 };
  return { time, now: () => time.now };
}

const record = (value: Record<string, unknown>): KafkaRecordView => ({
  key: null,
  value: Buffer.from(JSON.stringify(value)),
  headers: new Map(),
  timestampMs: 1_700_000_000_000n,
});

const silent = pino({ level: 'silent' });

describe('a topic route', () => {
  it('re-reads its table when a record carries a field no column takes, and writes the added column', async () => {
    const { state, destination } = liveTable(before);
    const { time, now } = clock();
    const route = new TopicRoute(topic(), 0, before, destination, silent, now);
    state.live = withPage;
    time.now = schemaRecheckIntervalMs;

    const { op, table } = await route.decode(record({ user_id: 'u', activity_type: 'click', page: '/home' }));
    expect(op.kind === 'upsert' && op.values.get('page')).toBe('/home');
    // The operation is written with the table it was decoded for, which has the new column.
    expect(table).toBe(withPage);
    expect(route.table).toBe(withPage);
    expect(state.reads).toBe(1);
  });

  it('reads a table found unchanged at most once per interval, and once for records that arrive together', async () => {
    const { state, destination } = liveTable(before);
    const { time, now } = clock();
    const route = new TopicRoute(topic(), 0, before, destination, silent, now);
    const stray = record({ user_id: 'u', activity_type: 'click', stray: 1 });

    // Just built from a fresh read: nothing to re-read yet.
    await route.decode(stray);
    expect(state.reads).toBe(0);

    time.now = schemaRecheckIntervalMs;
    const ops = (await Promise.all(Array.from({ length: 20 }, () => route.decode(stray)))).map((decoded) => decoded.op);
    expect(state.reads).toBe(1);
    expect(ops.every((op) => op.kind === 'upsert' && op.unmappedField === 'stray')).toBe(true);

    time.now += schemaRecheckIntervalMs / 2;
    await route.decode(stray);
    expect(state.reads).toBe(1);
    time.now += schemaRecheckIntervalMs;
    await route.decode(stray);
    expect(state.reads).toBe(2);
  });

  it('with unknownFields: reject, dead-letters a field only after the table is re-read without it', async () => {
    const { state, destination } = liveTable(before);
    const { time, now } = clock();
    const route = new TopicRoute(topic({ unknownFields: 'reject' }), 0, before, destination, silent, now);
    time.now = schemaRecheckIntervalMs;

    await expect(route.decode(record({ user_id: 'u', page: '/home' }))).rejects.toThrow(RecordRejectedError);
    expect(state.reads).toBe(1);

    state.live = withPage;
    time.now += schemaRecheckIntervalMs;
    const { op } = await route.decode(record({ user_id: 'u', page: '/home' }));
    expect(op.kind === 'upsert' && op.values.get('page')).toBe('/home');
  });

  it('keeps an explicit mapping as configured: its fields name their columns', async () => {
    const { state, destination } = liveTable(before);
    const { time, now } = clock();
    const route = new TopicRoute(topic({ mapping: 'user_id=value.user_id, activity_type=value.kind' }), 0, before, destination, silent, now);
    state.live = withPage;
    time.now = schemaRecheckIntervalMs;

    await route.decode(record({ user_id: 'u', kind: 'click', page: '/home' }));
    expect(state.reads).toBe(0);
  });

  it('after a write fails on a dropped column, reports whether the table moved on, reading it once for every waiting write', async () => {
    const { state, destination } = liveTable(before);
    const { time, now } = clock();
    const route = new TopicRoute(topic(), 0, before, destination, silent, now);
    time.now = schemaRecheckIntervalMs;
    state.live = withoutType;

    expect(await Promise.all([route.schemaMovedOn(before), route.schemaMovedOn(before)])).toEqual([true, true]);
    expect(state.reads).toBe(1);
    expect(route.table).toBe(withoutType);
    const { op } = await route.decode(record({ user_id: 'u', activity_type: 'click' }));
    expect(op.kind === 'upsert' && [...op.values.keys()]).toEqual(['user_id']);

    // Nothing changed since: the write's failure is its own.
    time.now += schemaRecheckIntervalMs;
    expect(await route.schemaMovedOn(withoutType)).toBe(false);
  });

  it('goes on with the table it has when the re-read fails', async () => {
    const { destination } = liveTable(before);
    (destination as { tableSchema: unknown }).tableSchema = () => Promise.reject(new Error('no host'));
    const { time, now } = clock();
    const route = new TopicRoute(topic(), 0, before, destination, silent, now);
    time.now = schemaRecheckIntervalMs;

    const { op } = await route.decode(record({ user_id: 'u', activity_type: 'click', page: '/home' }));
    expect(op.kind === 'upsert' && op.unmappedField).toBe('page');
    expect(route.table).toBe(before);
  });
});
