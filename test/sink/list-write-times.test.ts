import { describe, expect, it } from 'vitest';
import { buildTableSchema } from '../../src/cql/index.js';
import { column } from '../helpers/tables.js';
import { listAlreadyWritten, listKeyColumns, listWriteTimesCql, listWriteTimesOf, nonFrozenLists, rowIdentity, writesListElements } from '../../src/sink/index.js';

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
});
