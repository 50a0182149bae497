import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { positionalSelectors, positionalValues } from '../../src/cql/index.js';

/** A row built the way the driver builds one: each selected column set as a property named after it. */
function driverRow(columns: readonly [string, unknown][]): cassandra.types.Row {
  // The class exists at run time; the driver's typings only declare its interface.
  const Row = (cassandra.types as unknown as { Row: new (columns: unknown[]) => cassandra.types.Row }).Row;
  const row = new Row(columns.map(([name]) => ({ name, type: { code: 0 } })));
  for (const [name, value] of columns) (row as unknown as Record<string, unknown>)[name] = value;
  return row;
}

describe('positional selects', () => {
  it('aliases every selector c0, c1, ...', () => {
    expect(positionalSelectors(['"values"', 'WRITETIME("values")', 'token("Id")'])).toBe('"values" AS c0, WRITETIME("values") AS c1, token("Id") AS c2');
  });

  it('shows why: rows keyed by real column names lose their order and their methods', () => {
    const byName = driverRow([['id', 'a'], ['2024', 1], ['keys', 'k']]);
    expect(byName.values()).toEqual([1, 'a', 'k']); // the integer-like name jumps to the front
    expect(() => driverRow([['values', 'v']]).values()).toThrow(TypeError);
  });

  it('reads aliased values in selector order', () => {
    const row = driverRow([['c0', 'a'], ['c1', 1], ['c2', null], ['c3', 'k']]);
    expect(positionalValues(row, 4)).toEqual(['a', 1, null, 'k']);
  });
});
