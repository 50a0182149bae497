import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { buildTableSchema, estimateValueSize, measureRow, parseCqlType } from '../../src/cql/index.js';
import { SampleAccumulator, ttlColumns } from '../../src/schema/table-sampler.js';

const { types } = cassandra;
const type = (text: string) => parseCqlType(text, 'ks', new Map([['geo', [{ name: 'lat', type: 'double' }, { name: 'label', type: 'text' }]]]));

describe('estimateValueSize', () => {
  it.each([
    ['int', 7, 4],
    ['bigint', 7n, 8],
    ['boolean', true, 1],
    ['timestamp', new Date(0), 8],
    ['uuid', types.Uuid.random(), 16],
    ['text', 'héllo', 6],
    ['ascii', 'abc', 3],
    ['blob', Buffer.alloc(1000), 1000],
    ['varint', 255n, 2],
    ['varint', -128n, 1],
    ['decimal', types.BigDecimal.fromString('123.45'), 2 + 4],
    ['inet', types.InetAddress.fromString('10.0.0.1'), 4],
    ['inet', types.InetAddress.fromString('::1'), 16],
    ['list<int>', [1, 2, 3], 12],
    ['set<text>', new Set(['ab', 'cde']), 5],
    ['map<text, bigint>', new Map([['a', 1n], ['bb', 2n]]), 3 + 16],
    ['frozen<tuple<int, text>>', new types.Tuple(1, 'xyz'), 7],
    ['frozen<geo>', { lat: 1.5, label: 'home' }, 12],
    ['vector<float, 3>', new Float32Array([1, 2, 3]), 12],
    ['text', null, 0],
  ])('%s %o weighs %d bytes', (text, value, bytes) => {
    expect(estimateValueSize(value, type(text))).toBe(bytes);
  });
});

describe('measureRow', () => {
  const table = buildTableSchema(
    'ks',
    't',
    [
      { column_name: 'p', kind: 'partition_key', position: 0, type: 'text', clustering_order: 'none' },
      { column_name: 'c', kind: 'clustering', position: 0, type: 'int', clustering_order: 'asc' },
      { column_name: 's', kind: 'static', position: -1, type: 'blob', clustering_order: 'none' },
      { column_name: 'v', kind: 'regular', position: -1, type: 'text', clustering_order: 'none' },
      { column_name: 'n', kind: 'regular', position: -1, type: 'bigint', clustering_order: 'none' },
    ],
    [],
  );

  it('counts keys with their metadata bytes and leaves static data out of the row size', () => {
    // Column order: p, c, then n, s, v by name.
    expect(measureRow(table, ['key', 5, 9n, Buffer.alloc(100), 'value'])).toEqual({
      partitionKeyBytes: 3,
      clusteringBytes: 4,
      rowBytes: 3 + 4 + 8 + 5 + 3 + 4,
      staticBytes: 100,
    });
  });

  it('accumulates the largest sizes and the rows carrying a TTL', () => {
    const accumulator = new SampleAccumulator(table, 2);
    accumulator.add(['key', 5, 9n, Buffer.alloc(100), 'value', null, null]);
    accumulator.add(['a-much-longer-key', 6, null, null, 'x'.repeat(2000), null, 3600]);
    expect(accumulator.result()).toEqual({
      rows: 2,
      maxRowBytes: 17 + 4 + 2000 + 7,
      maxPartitionKeyBytes: 17,
      maxClusteringBytes: 4,
      maxStaticBytes: 100,
      rowsWithTtl: 1,
    });
    expect(new SampleAccumulator(table, 0).result().rowsWithTtl).toBeUndefined();
  });

  it('reads TTLs of single-cell columns only: no keys, counters or non-frozen collections', () => {
    const mixed = buildTableSchema(
      'ks',
      'm',
      [
        { column_name: 'id', kind: 'partition_key', position: 0, type: 'int', clustering_order: 'none' },
        { column_name: 'a', kind: 'regular', position: -1, type: 'text', clustering_order: 'none' },
        { column_name: 'b', kind: 'regular', position: -1, type: 'list<int>', clustering_order: 'none' },
        { column_name: 'c', kind: 'regular', position: -1, type: 'frozen<list<int>>', clustering_order: 'none' },
        { column_name: 'd', kind: 'static', position: -1, type: 'frozen<tuple<int, int>>', clustering_order: 'none' },
      ],
      [],
    );
    expect(ttlColumns(mixed).map((c) => c.name)).toEqual(['a', 'c', 'd']);
  });
});
