import { describe, expect, it } from 'vitest';
import {
  type CellWriteOptions,
  cellWrites,
  columnsBelowFloor,
  floorConflicts,
  keyspacesTimestampFloorUs,
  type SourceRow,
  type Ttls,
  type WriteTimes,
} from '../../src/cells/index.js';
import { buildTableSchema } from '../../src/cql/index.js';
import { RecordRejectedError } from '../../src/errors.js';
import { column, userActivity } from '../helpers/tables.js';


/** Every column shape the backfill meets; columns order as pk, ck, then a, b, fl, fu, l, m, s, st, tp, u. */
const rich = buildTableSchema(
  'ks',
  't',
  [
    column('pk', 'partition_key', 'text', 0),
    column('ck', 'clustering', 'int', 0),
    column('a', 'regular', 'text'),
    column('b', 'regular', 'int'),
    column('s', 'static', 'text'),
    column('l', 'regular', 'list<int>'),
    column('st', 'regular', 'set<text>'),
    column('m', 'regular', 'map<text, int>'),
    column('u', 'regular', 'addr'),
    column('fu', 'regular', 'frozen<addr>'),
    column('fl', 'regular', 'frozen<list<int>>'),
    column('tp', 'regular', 'tuple<int, text>'),
  ],
  [{ type_name: 'addr', field_names: ['street', 'zip'], field_types: ['text', 'int'] }],
);

type CellRead = [value: unknown, writetime: WriteTimes, ttl: Ttls];

/** A scan row: key values, then each non-key column as [value, WRITETIME, TTL]. */
function sourceRow(keys: Record<string, unknown>, cells: Record<string, CellRead>): SourceRow {
  return {
    values: new Map([...Object.entries(keys), ...Object.entries(cells).map(([name, [value]]): [string, unknown] => [name, value])]),
    writetimes: new Map(Object.entries(cells).map(([name, [, writetime]]) => [name, writetime])),
    ttls: new Map(Object.entries(cells).map(([name, [, , ttl]]) => [name, ttl])),
  };
}

const at = new Date(1_700_000_000_000);
const options: CellWriteOptions = { readAtMs: 1_000_500, nowMs: 1_000_900, includeStatic: true, keyOnlyRowTimestampUs: 42n };
const ua = '"msk_ks_cass_blog"."user_activity"';

describe('cellWrites on simple columns', () => {
  it('writes a row whose cells share a write time as one INSERT, like the sink', () => {
    const row = sourceRow({ user_id: 'u1', activity_time: at }, { activity_details: ['d', 10n, null], activity_type: ['click', 10n, null] });
    expect(cellWrites(userActivity, row, options)).toEqual([
      {
        cql: `INSERT INTO ${ua} ("user_id", "activity_time", "activity_details", "activity_type") VALUES (?, ?, ?, ?) USING TIMESTAMP ?`,
        params: ['u1', at, 'd', 'click', 10n],
      },
    ]);
  });

  it('splits the row only where write times or TTLs differ, oldest first', () => {
    const row = sourceRow({ user_id: 'u1', activity_time: at }, { activity_details: ['d', 20n, 600], activity_type: ['click', 10n, null] });
    expect(cellWrites(userActivity, row, options)).toEqual([
      { cql: `INSERT INTO ${ua} ("user_id", "activity_time", "activity_type") VALUES (?, ?, ?) USING TIMESTAMP ?`, params: ['u1', at, 'click', 10n] },
      { cql: `INSERT INTO ${ua} ("user_id", "activity_time", "activity_details") VALUES (?, ?, ?) USING TIMESTAMP ? AND TTL ?`, params: ['u1', at, 'd', 20n, 600] },
    ]);
  });

  it('subtracts the whole seconds elapsed since the read from each TTL, and skips cells that expired meanwhile', () => {
    // Read at second 1000 (1_000_500 ms), written at second 1003: 3 seconds have passed.
    const later = { ...options, nowMs: 1_003_200 };
    const row = sourceRow({ user_id: 'u1', activity_time: at }, { activity_details: ['d', 10n, 100], activity_type: ['gone', 10n, 3] });
    expect(cellWrites(userActivity, row, later)).toEqual([
      { cql: `INSERT INTO ${ua} ("user_id", "activity_time", "activity_details") VALUES (?, ?, ?) USING TIMESTAMP ? AND TTL ?`, params: ['u1', at, 'd', 10n, 97] },
    ]);
  });

  it('writes no null cell (it would be a tombstone), and TTL 0 for cells without TTL when asked', () => {
    const row = sourceRow({ user_id: 'u1', activity_time: at }, { activity_details: [null, null, null], activity_type: ['click', 10n, null] });
    expect(cellWrites(userActivity, row, { ...options, explicitZeroTtl: true })).toEqual([
      { cql: `INSERT INTO ${ua} ("user_id", "activity_time", "activity_type") VALUES (?, ?, ?) USING TIMESTAMP ? AND TTL ?`, params: ['u1', at, 'click', 10n, 0] },
    ]);
  });

  it('writes a row with only its primary key at keyOnlyRowTimestampUs, without TTL', () => {
    const row = sourceRow({ user_id: 'u1', activity_time: at }, { activity_details: [null, null, null], activity_type: [null, null, null] });
    expect(cellWrites(userActivity, row, options)).toEqual([
      { cql: `INSERT INTO ${ua} ("user_id", "activity_time") VALUES (?, ?) USING TIMESTAMP ?`, params: ['u1', at, 42n] },
    ]);
  });

  it('writes nothing for a row whose every cell expired between the read and the write', () => {
    const row = sourceRow({ user_id: 'u1', activity_time: at }, { activity_details: ['d', 10n, 1], activity_type: [null, null, null] });
    expect(cellWrites(userActivity, row, { ...options, nowMs: 1_001_000 })).toEqual([]);
  });

  it('writes frozen collections, frozen UDTs and tuples as single cells', () => {
    const address = { street: 'Main', zip: null };
    const row = sourceRow({ pk: 'p', ck: 1 }, { fu: [address, 5n, null], fl: [[3, 1, 3], 5n, null], tp: [[1, 'x'], 5n, null] });
    expect(cellWrites(rich, row, options)).toEqual([
      { cql: 'INSERT INTO "ks"."t" ("pk", "ck", "fl", "fu", "tp") VALUES (?, ?, ?, ?, ?) USING TIMESTAMP ?', params: ['p', 1, [3, 1, 3], address, [1, 'x'], 5n] },
    ]);
  });

  it('refuses counter tables with a coded error', () => {
    const counters = buildTableSchema('ks', 'c', [column('k', 'partition_key', 'text', 0), column('n', 'regular', 'counter')], []);
    const error = (() => {
      try {
        cellWrites(counters, sourceRow({ k: 'a' }, { n: [1n, 1n, null] }), options);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(RecordRejectedError);
    expect(error).toMatchObject({ code: 'TANDEM_RECORD_REJECTED', reason: 'unsupported-table' });
  });

  it('rejects a row read without WRITETIME and TTL in the expected shape', () => {
    expect(() => cellWrites(rich, sourceRow({ pk: 'p', ck: 1 }, { a: ['x', null, null] }), options)).toThrow(/expected WRITETIME\/TTL as one bigint/);
    expect(() => cellWrites(rich, sourceRow({ pk: 'p', ck: 1 }, { st: [new Set(['x', 'y']), [1n], null] }), options)).toThrow(/2 write times/);
    expect(() => cellWrites(rich, sourceRow({ pk: 'p', ck: 1 }, { m: [{ x: 1 }, [1n], null] }), options)).toThrow(RecordRejectedError);
  });
});

describe('cellWrites on static columns', () => {
  const row = sourceRow({ pk: 'p', ck: 1 }, { s: ['shared', 3n, null], a: ['x', 5n, null] });

  it('writes statics once per partition, keyed by the partition key only, before the row', () => {
    expect(cellWrites(rich, row, options)).toEqual([
      { cql: 'INSERT INTO "ks"."t" ("pk", "s") VALUES (?, ?) USING TIMESTAMP ?', params: ['p', 'shared', 3n] },
      { cql: 'INSERT INTO "ks"."t" ("pk", "ck", "a") VALUES (?, ?, ?) USING TIMESTAMP ?', params: ['p', 1, 'x', 5n] },
    ]);
  });

  it('leaves statics out for the partition\'s later rows', () => {
    expect(cellWrites(rich, row, { ...options, includeStatic: false })).toEqual([
      { cql: 'INSERT INTO "ks"."t" ("pk", "ck", "a") VALUES (?, ?, ?) USING TIMESTAMP ?', params: ['p', 1, 'x', 5n] },
    ]);
  });

  it('writes only the statics of a partition that has no rows (clustering columns read as null)', () => {
    const staticOnly = sourceRow({ pk: 'p', ck: null }, { s: ['shared', 3n, 50], a: [null, null, null] });
    expect(cellWrites(rich, staticOnly, options)).toEqual([
      { cql: 'INSERT INTO "ks"."t" ("pk", "s") VALUES (?, ?) USING TIMESTAMP ? AND TTL ?', params: ['p', 'shared', 3n, 50] },
    ]);
  });
});

describe('cellWrites on non-frozen collections and UDTs', () => {
  it('writes a set or map whose elements share a write time whole, inside the row\'s INSERT', () => {
    const row = sourceRow({ pk: 'p', ck: 1 }, { a: ['x', 5n, null], m: [new Map([['k1', 1], ['k2', 2]]), [5n, 5n], [null, null]] });
    expect(cellWrites(rich, row, options)).toEqual([
      { cql: 'INSERT INTO "ks"."t" ("pk", "ck", "a", "m") VALUES (?, ?, ?, ?) USING TIMESTAMP ?', params: ['p', 1, 'x', new Map([['k1', 1], ['k2', 2]]), 5n] },
    ]);
  });

  it('sets the oldest elements whole and adds newer ones with their own write time and TTL', () => {
    const row = sourceRow({ pk: 'p', ck: 1 }, { a: ['x', 7n, null], st: [new Set(['s1', 's2', 's3']), [5n, 7n, 9n], [null, null, 100]] });
    expect(cellWrites(rich, row, options)).toEqual([
      { cql: 'INSERT INTO "ks"."t" ("pk", "ck", "st") VALUES (?, ?, ?) USING TIMESTAMP ?', params: ['p', 1, new Set(['s1']), 5n] },
      { cql: 'UPDATE "ks"."t" USING TIMESTAMP ? SET "a" = ?, "st" = "st" + ? WHERE "pk" = ? AND "ck" = ?', params: [7n, 'x', new Set(['s2']), 'p', 1] },
      { cql: 'UPDATE "ks"."t" USING TIMESTAMP ? AND TTL ? SET "st" = "st" + ? WHERE "pk" = ? AND "ck" = ?', params: [9n, 100, new Set(['s3']), 'p', 1] },
    ]);
  });

  it('writes a list whole at its newest write time and longest TTL left, without expired elements', () => {
    const later = { ...options, nowMs: 1_002_000 }; // 2 seconds after the read
    const row = sourceRow({ pk: 'p', ck: 1 }, { l: [[10, 20, 30], [5n, 8n, 6n], [2, 50, 30]] });
    expect(cellWrites(rich, row, later)).toEqual([
      { cql: 'INSERT INTO "ks"."t" ("pk", "ck", "l") VALUES (?, ?, ?) USING TIMESTAMP ? AND TTL ?', params: ['p', 1, [20, 30], 8n, 48] },
    ]);
    const forever = sourceRow({ pk: 'p', ck: 1 }, { l: [[10, 20], [5n, 8n], [null, 50]] });
    expect(cellWrites(rich, forever, later)[0]).toMatchObject({ cql: expect.stringMatching(/USING TIMESTAMP \?$/), params: ['p', 1, [10, 20], 8n] });
  });

  it('leaves out a list the target holds at the same write time (writing it again would double its elements), and only that', () => {
    const row = sourceRow({ pk: 'p', ck: 1 }, { a: ['x', 8n, null], l: [[10, 20], [5n, 8n], [null, null]], fl: [[1, 2], 8n, null] });
    const onTarget = (times: bigint[]) => ({ ...options, targetListWriteTimes: new Map([['l', times]]) });
    const insert = (columns: string, params: unknown[]) => ({ cql: `INSERT INTO "ks"."t" ("pk", "ck", ${columns}) VALUES (?, ?, ${columns.split(', ').map(() => '?').join(', ')}) USING TIMESTAMP ?`, params: ['p', 1, ...params, 8n] });
    // Landed already at 8: the list is left out, the other cells (a frozen list among them) still go.
    expect(cellWrites(rich, row, onTarget([8n, 8n]))).toEqual([insert('"a", "fl"', ['x', [1, 2]])]);
    // Older or newer elements on the target are another write: the list is written (and converges as
    // usual), and named for the writer to check for a racing writer's copies once it has landed.
    const listWrite = { table: rich, column: rich.columns.find((c) => c.name === 'l'), keyValues: ['p', 1], timestampUs: 8n, elements: [10, 20] };
    expect(cellWrites(rich, row, onTarget([7n]))).toEqual([{ ...insert('"a", "fl", "l"', ['x', [1, 2], [10, 20]]), lists: [listWrite] }]);
    expect(cellWrites(rich, row, onTarget([9n]))).toEqual([{ ...cellWrites(rich, row, options)[0], lists: [listWrite] }]);
    // Landed, but with more elements at 8 than the source has (copies a racer left, its remover gone):
    // still left out, and checked once the row's other cells have landed.
    expect(cellWrites(rich, row, onTarget([8n, 8n, 8n, 8n]))).toEqual([{ ...insert('"a", "fl"', ['x', [1, 2]]), lists: [listWrite] }]);
    // Without the target's list write times (no guard on this cluster) there is nothing to check.
    expect(cellWrites(rich, row, options)[0]!.lists).toBeUndefined();
    // A row whose one cell is a landed list needs nothing more, not a key-only INSERT.
    const listOnly = sourceRow({ pk: 'p', ck: 1 }, { l: [[10], [8n], [null]] });
    expect(cellWrites(rich, listOnly, onTarget([8n]))).toEqual([]);
  });

  it('sets a UDT\'s oldest fields whole (others null, which writes nothing) and newer fields one by one', () => {
    const row = sourceRow({ pk: 'p', ck: 1 }, { u: [{ street: 'Main', zip: 75001 }, [5n, 9n], [null, 60]] });
    expect(cellWrites(rich, row, options)).toEqual([
      { cql: 'INSERT INTO "ks"."t" ("pk", "ck", "u") VALUES (?, ?, ?) USING TIMESTAMP ?', params: ['p', 1, { street: 'Main', zip: null }, 5n] },
      { cql: 'UPDATE "ks"."t" USING TIMESTAMP ? AND TTL ? SET "u"."zip" = ? WHERE "pk" = ? AND "ck" = ?', params: [9n, 60, 75001, 'p', 1] },
    ]);
  });

  it('skips unset UDT fields, whose WRITETIME entry is null', () => {
    const row = sourceRow({ pk: 'p', ck: 1 }, { u: [{ street: null, zip: 75001 }, [null, 9n], [null, null]] });
    expect(cellWrites(rich, row, options)).toEqual([
      { cql: 'INSERT INTO "ks"."t" ("pk", "ck", "u") VALUES (?, ?, ?) USING TIMESTAMP ?', params: ['p', 1, { street: null, zip: 75001 }, 9n] },
    ]);
  });
});

describe('cellWrites with a minimum timestamp (Amazon Keyspaces)', () => {
  it('raises older cells to the floor, merging their statements, and leaves newer ones and TTLs alone', () => {
    const row = sourceRow({ pk: 'p', ck: 1 }, { a: ['x', 5n, 30], b: [1, 6n, 30], m: [new Map([['k', 1], ['n', 2]]), [4n, 200n], [30, null]] });
    expect(cellWrites(rich, row, { ...options, minTimestampUs: 100n })).toEqual([
      { cql: 'INSERT INTO "ks"."t" ("pk", "ck", "a", "b", "m") VALUES (?, ?, ?, ?, ?) USING TIMESTAMP ? AND TTL ?', params: ['p', 1, 'x', 1, new Map([['k', 1]]), 100n, 30] },
      { cql: 'UPDATE "ks"."t" USING TIMESTAMP ? SET "m" = "m" + ? WHERE "pk" = ? AND "ck" = ?', params: [200n, new Map([['n', 2]]), 'p', 1] },
    ]);
  });

  it('raises a key-only row\'s timestamp to the floor too', () => {
    const row = sourceRow({ user_id: 'u1', activity_time: at }, {});
    expect(cellWrites(userActivity, row, { ...options, minTimestampUs: 100n })[0]!.params).toEqual(['u1', at, 100n]);
  });

  it('finds the columns with a cell below the floor, and those the target holds newer than it, which it then leaves out', () => {
    const row = sourceRow({ pk: 'p', ck: 1 }, { a: ['x', 5n, null], b: [1, 500n, null], st: [new Set(['q', 'r']), [4n, 600n], [null, null]], s: ['static', 7n, null] });
    expect(columnsBelowFloor(rich, row, 100n, true)).toEqual(['a', 's', 'st']);
    expect(columnsBelowFloor(rich, row, 100n, false)).toEqual(['a', 'st']);
    const target = {
      values: new Map<string, unknown>([['a', 'newer'], ['s', 'static'], ['st', new Set(['q'])]]),
      writetimes: new Map<string, WriteTimes>([['a', 50n], ['s', 7n], ['st', [3n]]]),
    };
    // a: the target's 50 is newer than the source's 5; s: the same write; st: older than the oldest raised element.
    expect(floorConflicts(row, ['a', 's', 'st'], target)).toEqual([{ column: 'a', sourceUs: 5n, targetUs: 50n }]);
    // A collection whose write times the target cannot tell counts as newer when its value differs.
    const unreadable = { values: target.values, writetimes: new Map([['a', 1n], ['s', 7n]]) };
    expect(floorConflicts(row, ['a', 's', 'st'], unreadable)).toEqual([{ column: 'st', sourceUs: 4n, targetUs: undefined }]);
    // Nothing on the target: nothing to keep.
    expect(floorConflicts(row, ['a'], { values: new Map(), writetimes: new Map() })).toEqual([]);
    const writes = cellWrites(rich, row, { ...options, minTimestampUs: 100n, skipColumns: new Set(['a']) });
    expect(writes.map((w) => w.cql).join('\n')).not.toContain('"a"');
    expect(writes.map((w) => w.cql).join('\n')).toContain('"b"');
  });

  it('computes the floor as 2 days before now plus a margin, in microseconds', () => {
    const now = Date.UTC(2026, 10, 20);
    expect(keyspacesTimestampFloorUs(now)).toBe(BigInt(now - 2 * 86_400_000 + 600_000) * 1000n);
    expect(keyspacesTimestampFloorUs(now, 0)).toBe(BigInt(Date.UTC(2026, 10, 18)) * 1000n);
  });
});
