import { describe, expect, it } from 'vitest';
import { buildTableSchema } from '../../src/cql/index.js';
import { column } from '../helpers/tables.js';
import {
  deleteListElementCql,
  extraCopyIndexes,
  heldListCql,
  holdsExtraCopies,
  listAlreadyWritten,
  listKeyColumns,
  listWriteTimesCql,
  listWriteTimesOf,
  nonFrozenLists,
  rowIdentity,
  writesListElements,
} from '../../src/cells/index.js';

const table = buildTableSchema(
  'Ks',
  't',
  [
    column('pk', 'partition_key', 'text', 0),
    column('ck', 'clustering', 'int', 0),
    column('l', 'regular', 'list<int>'),
    column('Odd "list"', 'regular', 'list<text>'),
    column('sl', 'static', 'list<int>'),
    column('fl', 'regular', 'frozen<list<int>>'),
    column('st', 'regular', 'set<int>'),
  ],
  [],
);
const byName = (name: string) => table.columns.find((c) => c.name === name)!;

describe('list write times', () => {
  it('guards non-frozen lists only, static ones included', () => {
    expect(new Set(nonFrozenLists(table).map((c) => c.name))).toEqual(new Set(['l', 'Odd "list"', 'sl']));
  });

  it('reads a row by its whole key, and static lists by the partition key alone', () => {
    expect(listWriteTimesCql(table, [byName('l'), byName('Odd "list"')])).toBe('SELECT WRITETIME("l") AS c0, WRITETIME("Odd ""list""") AS c1 FROM "Ks"."t" WHERE "pk" = ? AND "ck" = ? LIMIT 1');
    expect(listWriteTimesCql(table, [byName('sl')])).toBe('SELECT WRITETIME("sl") AS c0 FROM "Ks"."t" WHERE "pk" = ? LIMIT 1');
    expect(listKeyColumns(table, [byName('sl'), byName('l')]).map((c) => c.name)).toEqual(['pk', 'ck']);
  });

  it('says a list landed when one of its elements carries the write time, and only then', () => {
    const times = listWriteTimesOf([byName('l'), byName('sl')], [[5n, 5n, 9n], null]);
    expect(listAlreadyWritten(times, 'l', 9n)).toBe(true);
    expect(listAlreadyWritten(times, 'l', 5n)).toBe(true);
    expect(listAlreadyWritten(times, 'l', 7n)).toBe(false);
    expect(listAlreadyWritten(times, 'sl', 9n)).toBe(false);
    // No row on the target, or a cluster that could not tell: nothing has landed.
    expect(listAlreadyWritten(listWriteTimesOf([byName('l')], undefined), 'l', 9n)).toBe(false);
    expect(listAlreadyWritten(undefined, 'l', 9n)).toBe(false);
  });

  it('guards only values that create element cells: null and [] write a tombstone, which repeats harmlessly', () => {
    expect(writesListElements([1])).toBe(true);
    expect(writesListElements([])).toBe(false);
    expect(writesListElements(null)).toBe(false);
    expect(writesListElements(undefined)).toBe(false);
  });

  it('tells rows apart by their whole primary key, whatever its types', () => {
    const id = (pk: unknown, ck: unknown) => rowIdentity(table, new Map([['pk', pk], ['ck', ck], ['l', [1]]]));
    expect(id('a', 1)).toBe(id('a', 1));
    expect(id('a', 1)).not.toBe(id('a', 2));
    expect(id('a', 1)).not.toBe(id('a', '1'));
    expect(id(Buffer.from('ab'), 1)).toBe(id(Buffer.from('ab'), 1));
    expect(id(Buffer.from('ab'), 1)).not.toBe(id(Buffer.from('ac'), 1));
    expect(id(new Date(1_000), 1)).not.toBe(id(new Date(1_001), 1));
    expect(id(10n, 1)).not.toBe(id(10, 1));
    expect(id(new Map([['k', 1]]), 1)).not.toBe(id(new Map([['k', 2]]), 1));
  });

  it('counts the elements at the write time, so a writer that finds its list landed still sees copies a racer left', () => {
    const times = listWriteTimesOf([byName('l')], [[5n, 9n, 9n, 9n, 9n]]);
    expect(holdsExtraCopies(times, 'l', 9n, 2)).toBe(true);
    expect(holdsExtraCopies(times, 'l', 9n, 4)).toBe(false);
    expect(holdsExtraCopies(times, 'l', 5n, 1)).toBe(false);
    expect(holdsExtraCopies(undefined, 'l', 9n, 1)).toBe(false);
  });

  it('reads a list back with its write times, and deletes one element only if the list is still as read', () => {
    expect(heldListCql(table, byName('Odd "list"'))).toBe('SELECT "Odd ""list""" AS c0, WRITETIME("Odd ""list""") AS c1 FROM "Ks"."t" WHERE "pk" = ? AND "ck" = ? LIMIT 1');
    expect(deleteListElementCql(table, byName('l'))).toBe('DELETE "l"[?] FROM "Ks"."t" WHERE "pk" = ? AND "ck" = ? IF "l" = ?');
    // A static list is the partition's: found and deleted by the partition key alone.
    expect(heldListCql(table, byName('sl'))).toBe('SELECT "sl" AS c0, WRITETIME("sl") AS c1 FROM "Ks"."t" WHERE "pk" = ? LIMIT 1');
    expect(deleteListElementCql(table, byName('sl'))).toBe('DELETE "sl"[?] FROM "Ks"."t" WHERE "pk" = ? IF "sl" = ?');
  });
});

describe('extra copies of a list written at one timestamp by racing writers', () => {
  const T = 9n;
  const at = (elements: unknown[], writeTimes: bigint[] = elements.map(() => T)) => ({ elements, writeTimes });

  it('finds none in a list that holds one copy, or fewer elements at that time', () => {
    expect(extraCopyIndexes(at([1, 2, 3]), T, [1, 2, 3])).toEqual([]);
    expect(extraCopyIndexes(at([1, 2, 1, 2], [5n, 5n, 9n, 9n]), T, [1, 2])).toEqual([]);
    expect(extraCopyIndexes(at([]), T, [1])).toEqual([]);
  });

  it('keeps the first copy and removes the later ones', () => {
    expect(extraCopyIndexes(at([1, 2, 3, 1, 2, 3]), T, [1, 2, 3])).toEqual([3, 4, 5]);
    expect(extraCopyIndexes(at([7, 7, 7]), T, [7])).toEqual([1, 2]);
  });

  it('keeps one whole copy when the copies landed interleaved (their time-UUIDs drawn element by element)', () => {
    // The first n elements at T would be [1, 2, 1]: not the value written.
    expect(extraCopyIndexes(at([1, 2, 1, 3, 2, 3]), T, [1, 2, 3])).toEqual([2, 4, 5]);
    expect(extraCopyIndexes(at([1, 1, 2, 3, 2, 3, 1, 2, 3]), T, [1, 2, 3])).toEqual([1, 4, 5, 6, 7, 8]);
  });

  it('finishes what another remover left partway: part of a copy still counts as extra', () => {
    expect(extraCopyIndexes(at([1, 2, 3, 1]), T, [1, 2, 3])).toEqual([3]);
  });

  it('looks only at elements of that write time: older or newer elements are other writes', () => {
    expect(extraCopyIndexes(at([0, 1, 2, 1, 2, 4], [5n, T, T, T, T, 12n]), T, [1, 2])).toEqual([3, 4]);
  });

  it('leaves alone elements at that time that were not written by this record (another write stamped with the same microsecond)', () => {
    expect(extraCopyIndexes(at([1, 2, 9]), T, [1, 2])).toEqual([]);
    expect(extraCopyIndexes(at([1, 2, 1, 2, 9]), T, [1, 2])).toEqual([]);
    // The value written is not there whole: nothing to keep, so nothing is removed.
    expect(extraCopyIndexes(at([1, 3, 1, 3]), T, [1, 2])).toEqual([]);
  });

  it('matches elements as the server returns them: a float comes back as its float32, a Date by its time', () => {
    const f = Math.fround(0.1);
    expect(extraCopyIndexes(at([f, f]), T, [0.1])).toEqual([1]);
    expect(extraCopyIndexes(at([new Date(5), new Date(5)]), T, [new Date(5)])).toEqual([1]);
  });
});
