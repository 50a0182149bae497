import { describe, expect, it } from 'vitest';
import { buildTableSchema } from '../../src/cql/index.js';
import { bindValues, deleteCql, expireCql, insertCql } from '../../src/sink/statements.js';
import { column, userActivity } from '../helpers/tables.js';

const withStatic = buildTableSchema('ks', 't', [
  column('pk', 'partition_key', 'text', 0),
  column('ck', 'clustering', 'int', 0),
  column('a', 'regular', 'text'),
  column('b', 'regular', 'text'),
  column('s', 'static', 'text'),
], []);

describe('sink statements', () => {
  it('insert every column with USING TIMESTAMP, and TTL only when asked', () => {
    expect(insertCql(userActivity, false)).toBe(
      'INSERT INTO "msk_ks_cass_blog"."user_activity" ("user_id", "activity_time", "activity_details", "activity_type") VALUES (?, ?, ?, ?) USING TIMESTAMP ?',
    );
    expect(insertCql(userActivity, true)).toMatch(/USING TIMESTAMP \? AND TTL \?$/);
  });

  it('delete a row by its full primary key with USING TIMESTAMP', () => {
    expect(deleteCql(userActivity)).toBe('DELETE FROM "msk_ks_cass_blog"."user_activity" USING TIMESTAMP ? WHERE "user_id" = ? AND "activity_time" = ?');
  });

  it('delete an expired record\'s columns at its timestamp, by the partition key alone for static columns', () => {
    const expire = (columns: string[]) => ({ kind: 'expire' as const, key: new Map<string, unknown>([['pk', 'p'], ['ck', 1]]), columns, timestampUs: 5n });
    expect(expireCql(withStatic, ['a', 'b'])).toBe('DELETE "a", "b" FROM "ks"."t" USING TIMESTAMP ? WHERE "pk" = ? AND "ck" = ?');
    expect(bindValues(withStatic, expire(['a', 'b']))).toEqual([5n, 'p', 1]);
    expect(expireCql(withStatic, ['s'])).toBe('DELETE "s" FROM "ks"."t" USING TIMESTAMP ? WHERE "pk" = ?');
    expect(bindValues(withStatic, expire(['s']))).toEqual([5n, 'p']);
  });

  it('quote names that need it', () => {
    const hostile = buildTableSchema('My KS', 'order', [
      { column_name: 'Key "1"', kind: 'partition_key', position: 0, type: 'text', clustering_order: 'none' },
      { column_name: 'select', kind: 'regular', position: -1, type: 'text', clustering_order: 'none' },
    ], []);
    expect(insertCql(hostile, false)).toBe('INSERT INTO "My KS"."order" ("Key ""1""", "select") VALUES (?, ?) USING TIMESTAMP ?');
  });

  it('bind absent columns as unset (undefined), then the timestamp and TTL', () => {
    const at = new Date(0);
    expect(
      bindValues(userActivity, { kind: 'upsert', values: new Map<string, unknown>([['user_id', 'u'], ['activity_time', at], ['activity_type', 'x']]), timestampUs: 5n, ttlSeconds: 60, estimatedBytes: 1 }),
    ).toEqual(['u', at, undefined, 'x', 5n, 60]);
    expect(bindValues(userActivity, { kind: 'delete', key: new Map<string, unknown>([['user_id', 'u'], ['activity_time', at]]), timestampUs: 9n })).toEqual([9n, 'u', at]);
  });
});
