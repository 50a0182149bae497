import { describe, expect, it } from 'vitest';
import { buildTableSchema, deletionDataSize, mutationDataSize } from '../../src/cql/index.js';
import { column } from '../helpers/tables.js';

// Exactness against a real server is checked in mutation-size.it.test.ts; these pin the arithmetic.
const probe = buildTableSchema('ks', 'probe', [column('id', 'partition_key', 'text', 0), column('sent_ms', 'regular', 'bigint'), column('payload', 'regular', 'text')], []);
const wide = buildTableSchema(
  'ks',
  'wide',
  [
    column('pk', 'partition_key', 'text', 0),
    column('ck', 'clustering', 'int', 0),
    column('l', 'regular', 'list<int>'),
    column('s', 'regular', 'set<text>'),
    column('m', 'regular', 'map<text, bigint>'),
    column('fl', 'regular', 'frozen<list<int>>'),
  ],
  [],
);

describe('mutationDataSize', () => {
  it('gives the latency probe row the 198 bytes Cassandra logged for it (30 rows: "5.801KiB")', () => {
    const size = mutationDataSize(probe, new Map<string, unknown>([['id', 'r5000-12345'], ['sent_ms', 1n], ['payload', 'x'.repeat(100)]]), false);
    expect(size).toBe(198);
    expect((30 * size) / 1024).toBeCloseTo(5.801, 3);
  });

  it('counts neither the partition key nor unset columns; a null cell is a 20-byte tombstone; a TTL adds 12', () => {
    const keyOnly = mutationDataSize(probe, new Map([['id', 'a much longer partition key than before']]), false);
    expect(keyOnly).toBe(50);
    expect(mutationDataSize(probe, new Map<string, unknown>([['id', 'k'], ['payload', undefined]]), false)).toBe(50);
    expect(mutationDataSize(probe, new Map<string, unknown>([['id', 'k'], ['payload', null]]), false)).toBe(70);
    expect(mutationDataSize(probe, new Map<string, unknown>([['id', 'k']]), true)).toBe(62);
  });

  it('counts a non-frozen collection per element cell, and a frozen one as one serialized value', () => {
    const base = mutationDataSize(wide, new Map<string, unknown>([['pk', 'k'], ['ck', 1]]), false);
    expect(base).toBe(50 + 4);
    const size = (column: string, value: unknown) => mutationDataSize(wide, new Map<string, unknown>([['pk', 'k'], ['ck', 1], [column, value]]), false) - base;
    // A deletion of what the collection held (12), then per element: 20 + its 16-byte timeuuid path + the int.
    expect(size('l', [1, 2])).toBe(12 + 2 * (20 + 16 + 4));
    expect(size('s', new Set(['ab']))).toBe(12 + 20 + 2);
    expect(size('m', new Map([['k', 1n]]))).toBe(12 + 20 + 1 + 8);
    expect(size('l', null)).toBe(12);
    // One cell: the count (4), then per element its length (4) and its bytes.
    expect(size('fl', [1, 2])).toBe(20 + 4 + 2 * (4 + 4));
  });

  it('weighs a deletion by its clustering values', () => {
    expect(deletionDataSize(wide, new Map<string, unknown>([['pk', 'k'], ['ck', 1]]))).toBe(54);
    expect(deletionDataSize(probe, new Map([['id', 'k']]))).toBe(50);
  });
});
