import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { keyIdentity, type ColumnSchema } from '../../src/cql/index.js';

const columns = [{ name: 'k' }] as unknown as ColumnSchema[];
const of = (value: unknown) => keyIdentity(columns, new Map([['k', value]]));

describe('keyIdentity', () => {
  // One column holds values of one CQL type, so only values of one type need telling apart.
  it('is equal for equal CQL values built apart, and differs where CQL values differ', () => {
    const id = '0f8e4a2c-5b7d-4c1e-9a3b-2d6f8e0c1a4b';
    const pairs: [unknown, unknown][] = [
      [new Date(1_683_720_000_123), new Date('2023-05-10T12:00:00.123Z')],
      [Buffer.from('ab'), Buffer.from([0x61, 0x62])],
      [12n, 12n],
      [cassandra.types.Uuid.fromString(id), cassandra.types.Uuid.fromString(id)],
      [new Map([['a', 1]]), new Map([['a', 1]])],
      [{ street: 'x', zip: 1 }, { street: 'x', zip: 1 }],
      [null, undefined],
    ];
    for (const [a, b] of pairs) expect(of(a)).toBe(of(b));
    expect(of(new Date(1))).not.toBe(of(new Date(2)));
    expect(of(12n)).not.toBe(of(12));
    expect(of(['a', 'b'])).not.toBe(of(['ab']));
  });

  it('keeps the columns apart, in their order', () => {
    const two = [{ name: 'a' }, { name: 'b' }] as unknown as ColumnSchema[];
    expect(keyIdentity(two, new Map([['a', 'x'], ['b', 'y']]))).not.toBe(keyIdentity(two, new Map([['a', 'y'], ['b', 'x']])));
    expect(keyIdentity(two, new Map([['a', 'x'], ['b', 'y']]))).toBe('["x","y"]');
  });
});
