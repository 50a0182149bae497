import { describe, expect, it } from 'vitest';
import { buildTableSchema, CqlTypeError, formatCqlType, parseCqlType } from '../../src/cql/index.js';

const udts = new Map([
  ['address', [{ name: 'street', type: 'text' }, { name: 'zip', type: 'int' }]],
  ['Person Name', [{ name: 'first', type: 'text' }, { name: 'home', type: 'frozen<address>' }]],
  ['loop', [{ name: 'self', type: 'frozen<loop>' }]],
]);

describe('parseCqlType', () => {
  it.each([
    'int',
    'text',
    'list<int>',
    'frozen<list<int>>',
    'set<frozen<list<text>>>',
    'map<text, frozen<map<int, boolean>>>',
    'tuple<int, text, frozen<list<uuid>>>',
    'vector<float, 3>',
    'frozen<address>',
    'map<timeuuid, frozen<address>>',
  ])('round-trips %s', (text) => {
    expect(formatCqlType(parseCqlType(text, 'ks', udts))).toBe(text);
  });

  it('reads varchar as text and ignores case and spacing', () => {
    expect(formatCqlType(parseCqlType(' MAP < VARCHAR ,  BigInt > ', 'ks', udts))).toBe('map<text, bigint>');
  });

  it('resolves user-defined types with their fields, quoted names included', () => {
    const type = parseCqlType('frozen<"Person Name">', 'ks', udts);
    expect(type).toMatchObject({ kind: 'udt', name: 'Person Name', frozen: true, keyspace: 'ks' });
    expect(formatCqlType(type)).toBe('frozen<"Person Name">');
    if (type.kind !== 'udt') throw new Error('not a udt');
    expect(type.fields.map((f) => [f.name, formatCqlType(f.type)])).toEqual([
      ['first', 'text'],
      ['home', 'frozen<address>'],
    ]);
  });

  it.each([
    ['an unknown type', 'frozen<nope>', /unknown type nope/],
    ['a type containing itself', 'frozen<loop>', /contains itself/],
    ['trailing text', 'int>', /unexpected/],
    ['a bad vector dimension', 'vector<float, 0>', /dimension/],
    ['an unclosed type', 'list<int', /expected ">"/],
  ])('refuses %s', (_what, text, message) => {
    expect(() => parseCqlType(text, 'ks', udts)).toThrow(CqlTypeError);
    expect(() => parseCqlType(text, 'ks', udts)).toThrow(message);
  });
});

describe('buildTableSchema', () => {
  it('orders partition key, clustering columns, then the rest by name, and spots counter tables', () => {
    const schema = buildTableSchema(
      'ks',
      't',
      [
        { column_name: 'v', kind: 'regular', position: -1, type: 'text', clustering_order: 'none' },
        { column_name: 'c2', kind: 'clustering', position: 1, type: 'int', clustering_order: 'asc' },
        { column_name: 'p2', kind: 'partition_key', position: 1, type: 'int', clustering_order: 'none' },
        { column_name: 'a', kind: 'static', position: -1, type: 'frozen<address>', clustering_order: 'none' },
        { column_name: 'c1', kind: 'clustering', position: 0, type: 'timestamp', clustering_order: 'desc' },
        { column_name: 'p1', kind: 'partition_key', position: 0, type: 'text', clustering_order: 'none' },
      ],
      [{ type_name: 'address', field_names: ['street', 'zip'], field_types: ['text', 'int'] }],
    );
    expect(schema.columns.map((c) => c.name)).toEqual(['p1', 'p2', 'c1', 'c2', 'a', 'v']);
    expect(schema.partitionKey.map((c) => c.name)).toEqual(['p1', 'p2']);
    expect(schema.clustering.map((c) => [c.name, c.clusteringOrder])).toEqual([['c1', 'desc'], ['c2', 'asc']]);
    expect(schema.isCounterTable).toBe(false);
    const counters = buildTableSchema('ks', 'c', [
      { column_name: 'k', kind: 'partition_key', position: 0, type: 'text', clustering_order: 'none' },
      { column_name: 'n', kind: 'regular', position: -1, type: 'counter', clustering_order: 'none' },
    ], []);
    expect(counters.isCounterTable).toBe(true);
  });
});
