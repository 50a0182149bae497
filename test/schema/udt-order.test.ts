import { describe, expect, it } from 'vitest';
import { orderTypes } from '../../src/schema/udt-order.js';

const udt = (name: string, ...fields: string[]) => ({ keyspace: 'ks', name, fields: fields.map((f) => ({ name: f.split(':')[0]!, type: f.split(':')[1]! })) });

describe('orderTypes', () => {
  it('puts every type after the types it uses, through collections, tuples and quoted names', () => {
    const ordered = orderTypes([
      udt('a', 'x:frozen<map<text, frozen<"B">>>'),
      udt('B', 'y:frozen<tuple<int, frozen<c>>>'),
      udt('c', 'z:int'),
      udt('d', 'w:list<frozen<a>>', 'v:frozen<c>'),
    ]);
    expect(ordered.map((t) => t.name)).toEqual(['c', 'B', 'a', 'd']);
  });

  it('keeps independent types in name order', () => {
    expect(orderTypes([udt('zeta', 'a:int'), udt('alpha', 'b:int'), udt('mid', 'c:text')]).map((t) => t.name)).toEqual(['alpha', 'mid', 'zeta']);
  });
});
