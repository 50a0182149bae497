import { describe, expect, it } from 'vitest';
import { partitionIdentity, rowFromValues, scanCql } from '../../src/cells/index.js';
import { buildTableSchema, TokenRangePlanner } from '../../src/cql/index.js';
import { userActivity } from '../helpers/tables.js';

const planner = new TokenRangePlanner('Murmur3Partitioner');

describe('scanCql', () => {
  it('selects every column, then WRITETIME and TTL of each non-key column, for one token range', () => {
    const where = planner.where(['user_id'], { start: -100n, end: 100n });
    expect(scanCql(userActivity, where)).toBe(
      'SELECT "user_id" AS c0, "activity_time" AS c1, "activity_details" AS c2, "activity_type" AS c3, ' +
        'WRITETIME("activity_details") AS c4, WRITETIME("activity_type") AS c5, TTL("activity_details") AS c6, TTL("activity_type") AS c7 ' +
        'FROM "msk_ks_cass_blog"."user_activity" WHERE token("user_id") > ? AND token("user_id") <= ?',
    );
  });

  it('quotes names that need it, and reads a table with only key columns', () => {
    const table = buildTableSchema(
      'Ks',
      'order',
      [
        { column_name: 'Id', kind: 'partition_key', position: 0, type: 'int', clustering_order: 'none' },
        { column_name: 'part two', kind: 'partition_key', position: 1, type: 'text', clustering_order: 'none' },
      ],
      [],
    );
    const where = planner.where(['Id', 'part two'], { start: 0n, end: 1n });
    expect(scanCql(table, where)).toBe('SELECT "Id" AS c0, "part two" AS c1 FROM "Ks"."order" WHERE token("Id", "part two") > ? AND token("Id", "part two") <= ?');
  });
});

describe('rowFromValues', () => {
  it('reads values, write times and TTLs by position', () => {
    const row = rowFromValues(userActivity, ['u1', new Date(0), 'details', null, 10n, null, 3600, null]);
    expect(Object.fromEntries(row.values)).toEqual({ user_id: 'u1', activity_time: new Date(0), activity_details: 'details', activity_type: null });
    expect(Object.fromEntries(row.writetimes)).toEqual({ activity_details: 10n, activity_type: null });
    expect(Object.fromEntries(row.ttls)).toEqual({ activity_details: 3600, activity_type: null });
  });
});

describe('partitionIdentity', () => {
  it('is equal for rows of one partition and differs between partitions, whatever the key types', () => {
    const a1 = rowFromValues(userActivity, ['u1', new Date(1), null, null, null, null, null, null]);
    const a2 = rowFromValues(userActivity, ['u1', new Date(2), 'x', null, 5n, null, null, null]);
    const b = rowFromValues(userActivity, ['u2', new Date(1), null, null, null, null, null, null]);
    expect(partitionIdentity(userActivity, a1)).toBe(partitionIdentity(userActivity, a2));
    expect(partitionIdentity(userActivity, a1)).not.toBe(partitionIdentity(userActivity, b));
    const blobKey = buildTableSchema('ks', 't', [{ column_name: 'k', kind: 'partition_key', position: 0, type: 'blob', clustering_order: 'none' }], []);
    const key = (value: unknown) => partitionIdentity(blobKey, rowFromValues(blobKey, [value]));
    expect(key(Buffer.from([1, 2]))).not.toBe(key(Buffer.from([1, 3])));
    expect(key(Buffer.from([1, 2]))).toBe(key(Buffer.from([1, 2])));
  });
});
