import type cassandra from 'cassandra-driver';

/**
 * A SELECT list whose results are read by position. The driver keys each row by column name, so
 * reading `row.values()` in order breaks on names it cannot keep: a column called `values` or
 * `keys` hides the row's own methods, integer-like names (`"2024"`) are enumerated before the
 * others, and two selectors of one name (a column literally named `writetime(x)`) keep only one.
 * Every selector gets the alias `c<i>` here, so the row holds names only Tandem chose.
 *
 * @example
 *   positionalSelectors(['"values"', 'WRITETIME("values")'])   // '"values" AS c0, WRITETIME("values") AS c1'
 */
export function positionalSelectors(selectors: readonly string[]): string {
  return selectors.map((selector, i) => `${selector} AS c${i}`).join(', ');
}

/** The values of a row read with `positionalSelectors`, in selector order. */
export function positionalValues(row: cassandra.types.Row, count: number): unknown[] {
  const values: unknown[] = [];
  for (let i = 0; i < count; i++) values.push(row.get(`c${i}`));
  return values;
}
