import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { diffRow, type RowDiffOptions } from '../../src/validate/index.js';
import { column, row, table } from './fixtures.js';

const { Uuid } = cassandra.types;

/** Every column shape a diff meets; WRITETIMEs are one per cell, as Cassandra 5 returns them. */
const profiles = table(
  [
    column('id', 'partition_key', 'text', 0),
    column('seq', 'clustering', 'int', 0),
    column('plan', 'static', 'text'),
    column('name', 'regular', 'text'),
    column('score', 'regular', 'bigint'),
    column('tags', 'regular', 'set<text>'),
    column('friends', 'regular', 'map<uuid, text>'),
    column('history', 'regular', 'list<int>'),
    column('home', 'regular', 'addr'),
    column('frozen_list', 'regular', 'frozen<list<int>>'),
  ],
  [{ type_name: 'addr', field_names: ['street', 'zip'], field_types: ['text', 'int'] }],
);

const values: RowDiffOptions = { compare: 'values', includeStatic: true };
const withTimes: RowDiffOptions = { compare: 'values+writetime', includeStatic: true };
const key = { id: 'p1', seq: 1 };

describe('diffRow on values', () => {
  it('finds nothing in identical rows, null and absent alike', () => {
    const source = row(1n, { ...key, name: 'Ann', score: 5n, tags: null }, { name: 10n, score: 10n });
    const target = row(1n, { ...key, name: 'Ann', score: 5n }, { name: 10n, score: 10n });
    expect(diffRow(profiles, source, target, values)).toEqual([]);
  });

  it('reports each differing column with both values, in column order', () => {
    const source = row(1n, { ...key, name: 'Ann', score: 5n, tags: new Set(['a']) });
    const target = row(1n, { ...key, name: 'Anne', score: null, tags: new Set(['a']) });
    expect(diffRow(profiles, source, target, values)).toEqual([
      { column: 'name', kind: 'value', source: 'Ann', target: 'Anne' },
      { column: 'score', kind: 'value', source: 5n, target: null },
    ]);
  });

  it('compares static columns only when asked, and never the primary key', () => {
    const source = row(1n, { id: 'p1', seq: 1, plan: 'gold' });
    const target = row(1n, { id: 'other', seq: 2, plan: 'free' });
    expect(diffRow(profiles, source, target, { ...values, includeStatic: false })).toEqual([]);
    expect(diffRow(profiles, source, target, values)).toEqual([{ column: 'plan', kind: 'value', source: 'gold', target: 'free' }]);
  });

  it('compares maps with Uuid keys by content', () => {
    const friend = '9b2f7f9c-2c3e-4a55-9d8e-1a2b3c4d5e6f';
    const source = row(1n, { ...key, friends: new Map([[Uuid.fromString(friend), 'Bo']]) });
    const target = row(1n, { ...key, friends: new Map([[Uuid.fromString(friend), 'Bo']]) });
    expect(diffRow(profiles, source, target, values)).toEqual([]);
  });

  it('ignores write times unless asked', () => {
    const source = row(1n, { ...key, name: 'Ann' }, { name: 10n });
    const target = row(1n, { ...key, name: 'Ann' }, { name: 11n });
    expect(diffRow(profiles, source, target, values)).toEqual([]);
  });
});

describe('diffRow on write times', () => {
  it('reports a column whose value matches but whose WRITETIME does not', () => {
    const source = row(1n, { ...key, name: 'Ann', score: 5n }, { name: 10n, score: 10n });
    const target = row(1n, { ...key, name: 'Ann', score: 5n }, { name: 12n, score: 10n });
    expect(diffRow(profiles, source, target, withTimes)).toEqual([{ column: 'name', kind: 'writetime', source: 10n, target: 12n }]);
  });

  it('reports a value difference once, not also its write time', () => {
    const source = row(1n, { ...key, name: 'Ann' }, { name: 10n });
    const target = row(1n, { ...key, name: 'Bo' }, { name: 12n });
    expect(diffRow(profiles, source, target, withTimes)).toEqual([{ column: 'name', kind: 'value', source: 'Ann', target: 'Bo' }]);
  });

  it('does not compare write times of columns without a value', () => {
    const source = row(1n, { ...key, name: null }, { name: null });
    const target = row(1n, { ...key }, {});
    expect(diffRow(profiles, source, target, withTimes)).toEqual([]);
  });

  it('compares a non-frozen set, map or UDT element by element', () => {
    const friends = new Map([[Uuid.fromString('00000000-0000-4000-8000-000000000001'), 'A'], [Uuid.fromString('00000000-0000-4000-8000-000000000002'), 'B']]);
    const source = row(1n, { ...key, tags: new Set(['a', 'b']), friends, home: { street: 'Main', zip: null } }, { tags: [10n, 20n], friends: [5n, 6n], home: [7n, null] });
    const same = row(1n, { ...key, tags: new Set(['a', 'b']), friends, home: { street: 'Main' } }, { tags: [10n, 20n], friends: [5n, 6n], home: [7n, null] });
    expect(diffRow(profiles, source, same, withTimes)).toEqual([]);
    const target = row(1n, { ...key, tags: new Set(['a', 'b']), friends, home: { street: 'Main' } }, { tags: [10n, 21n], friends: [5n, 6n], home: [7n, 9n] });
    expect(diffRow(profiles, source, target, withTimes)).toEqual([
      { column: 'home', kind: 'writetime', source: [7n, null], target: [7n, 9n] },
      { column: 'tags', kind: 'writetime', source: [10n, 20n], target: [10n, 21n] },
    ]);
  });

  it('compares a non-frozen list by its newest element, as the backfill writes it whole at that time', () => {
    const source = row(1n, { ...key, history: [1, 2, 3] }, { history: [10n, 30n, 20n] });
    const backfilled = row(1n, { ...key, history: [1, 2, 3] }, { history: [30n, 30n, 30n] });
    expect(diffRow(profiles, source, backfilled, withTimes)).toEqual([]);
    const stale = row(1n, { ...key, history: [1, 2, 3] }, { history: [20n, 20n, 20n] });
    expect(diffRow(profiles, source, stale, withTimes)).toEqual([{ column: 'history', kind: 'writetime', source: [10n, 30n, 20n], target: [20n, 20n, 20n] }]);
  });

  it('compares a frozen collection by its single write time', () => {
    const source = row(1n, { ...key, frozen_list: [1, 2] }, { frozen_list: 10n });
    expect(diffRow(profiles, source, row(1n, { ...key, frozen_list: [1, 2] }, { frozen_list: 10n }), withTimes)).toEqual([]);
    expect(diffRow(profiles, source, row(1n, { ...key, frozen_list: [1, 2] }, { frozen_list: 11n }), withTimes)).toHaveLength(1);
  });

  it('reports a per-element list against a single write time, or a missing one, as different', () => {
    const source = row(1n, { ...key, tags: new Set(['a']) }, { tags: [10n] });
    expect(diffRow(profiles, source, row(1n, { ...key, tags: new Set(['a']) }, { tags: 10n }), withTimes)).toHaveLength(1);
    expect(diffRow(profiles, source, row(1n, { ...key, tags: new Set(['a']) }, {}), withTimes)).toHaveLength(1);
  });
});

describe('diffRow with the Keyspaces timestamp floor (minTimestampUs)', () => {
  const floor = 1_000n;
  const options: RowDiffOptions = { ...withTimes, minTimestampUs: floor };
  const at = (source: bigint, target: bigint) =>
    diffRow(profiles, row(1n, { ...key, name: 'Ann' }, { name: source }), row(1n, { ...key, name: 'Ann' }, { name: target }), options);

  it('accepts an old source write time raised to the floor on the target', () => {
    expect(at(100n, floor)).toEqual([]);
  });

  it('accepts one raised to an earlier floor: the backfill wrote before this floor was computed', () => {
    expect(at(100n, 900n)).toEqual([]);
  });

  it('still reports a target write time above the floor, below the source, or a source above the floor', () => {
    expect(at(100n, floor + 1n)).toHaveLength(1);
    expect(at(100n, 50n)).toHaveLength(1);
    expect(at(1_500n, floor)).toHaveLength(1);
    expect(at(floor, 900n)).toHaveLength(1);
  });

  it('applies per element', () => {
    const source = row(1n, { ...key, tags: new Set(['a', 'b']) }, { tags: [100n, 2_000n] });
    const target = row(1n, { ...key, tags: new Set(['a', 'b']) }, { tags: [floor, 2_000n] });
    expect(diffRow(profiles, source, target, options)).toEqual([]);
    expect(diffRow(profiles, source, target, withTimes)).toHaveLength(1);
  });
});

describe('diffRow on remaining TTLs (values+writetime)', () => {
  /** A row read at `readAtMs` whose cells carry these TTLs (seconds left then; null: none). */
  const read = (readAtMs: number, cells: Record<string, unknown>, ttls: Record<string, number | null | (number | null)[]>) => ({
    ...row(1n, { ...key, ...cells }, Object.fromEntries(Object.keys(cells).map((name) => [name, Array.isArray(ttls[name]) ? (ttls[name] as unknown[]).map(() => 10n) : 10n]))),
    ttls: new Map(Object.entries(ttls)),
    readAtMs,
  });

  it('matches cells that expire at the same moment, read at different moments', () => {
    const source = read(1_000_000, { name: 'Ann' }, { name: 100 });
    expect(diffRow(profiles, source, read(1_030_000, { name: 'Ann' }, { name: 70 }), withTimes)).toEqual([]);
    // Whole seconds on each side: within the stated tolerance.
    expect(diffRow(profiles, source, read(1_000_500, { name: 'Ann' }, { name: 98 }), withTimes)).toEqual([]);
  });

  it('reports a TTL counted from the wrong moment, and a cell that expires on one side only', () => {
    const source = read(1_000_000, { name: 'Ann', score: 5n }, { name: 100, score: null });
    const target = read(1_000_000, { name: 'Ann', score: 5n }, { name: 160, score: 30 });
    expect(diffRow(profiles, source, target, withTimes)).toEqual([
      { column: 'name', kind: 'ttl', source: 1_100, target: 1_160 },
      { column: 'score', kind: 'ttl', source: null, target: 1_030 },
    ]);
  });

  it('allows for a read the server answered seconds after it was sent, and no more', () => {
    // The source's TTL was counted down somewhere between 1,000 s and 1,005 s: it expires in [1,100, 1,105].
    const slow = { ...read(1_000_000, { name: 'Ann' }, { name: 100 }), answeredAtMs: 1_004_200 };
    const prompt = read(1_004_000, { name: 'Ann' }, { name: 100 });
    expect(diffRow(profiles, slow, prompt, withTimes)).toEqual([]);
    // Without the answer's time the same pair is 4 s apart, beyond the tolerance.
    expect(diffRow(profiles, read(1_000_000, { name: 'Ann' }, { name: 100 }), prompt, withTimes)).toHaveLength(1);
    // A cell that expires 10 s later than the slow read's window allows is still a difference.
    expect(diffRow(profiles, slow, read(1_004_000, { name: 'Ann' }, { name: 111 }), withTimes)).toEqual([{ column: 'name', kind: 'ttl', source: 1_100, target: 1_115 }]);
  });

  it('compares TTLs per element, a non-frozen list by its longest, and not at all without write times', () => {
    const source = read(0, { tags: new Set(['a', 'b']), history: [1, 2] }, { tags: [50, null], history: [20, 40] });
    expect(diffRow(profiles, source, read(0, { tags: new Set(['a', 'b']), history: [1, 2] }, { tags: [50, null], history: [40, 40] }), withTimes)).toEqual([]);
    const other = read(0, { tags: new Set(['a', 'b']), history: [1, 2] }, { tags: [50, 50], history: [40, null] });
    expect(diffRow(profiles, source, other, withTimes).map((d) => [d.column, d.kind])).toEqual([
      ['history', 'ttl'],
      ['tags', 'ttl'],
    ]);
    expect(diffRow(profiles, source, other, values)).toEqual([]);
  });
});
