import { describe, expect, it } from 'vitest';
import { groupRows, type GroupableRow } from '../../src/backfill/index.js';

const rows = (spec: string, bytes = 10): GroupableRow<string>[] => spec.split(' ').map((name) => ({ row: name, partition: name[0]!, bytes }));
const names = (groups: GroupableRow<string>[][]) => groups.map((g) => g.map((r) => r.row).join(' '));

describe('groupRows', () => {
  it('keeps a group within one partition unless batches may mix partitions', () => {
    const input = rows('a1 a2 a3 b1 c1 c2');
    expect(names(groupRows(input, { maxRows: 30, maxBytes: 1000, acrossPartitions: false }))).toEqual(['a1 a2 a3', 'b1', 'c1 c2']);
    expect(names(groupRows(input, { maxRows: 30, maxBytes: 1000, acrossPartitions: true }))).toEqual(['a1 a2 a3 b1 c1 c2']);
  });

  it('cuts at the row and byte limits, and a row over the byte limit travels alone', () => {
    expect(names(groupRows(rows('a1 a2 a3 a4 a5'), { maxRows: 2, maxBytes: 1000, acrossPartitions: false }))).toEqual(['a1 a2', 'a3 a4', 'a5']);
    expect(names(groupRows(rows('a1 a2 a3', 40), { maxRows: 30, maxBytes: 100, acrossPartitions: false }))).toEqual(['a1 a2', 'a3']);
    const big = [...rows('a1'), { row: 'a2', partition: 'a', bytes: 500 }, ...rows('a3')];
    expect(names(groupRows(big, { maxRows: 30, maxBytes: 100, acrossPartitions: false }))).toEqual(['a1', 'a2', 'a3']);
  });

  it('keeps every row exactly once, in order', () => {
    const input = Array.from({ length: 500 }, (_, i): GroupableRow<number> => ({ row: i, partition: String(Math.floor(i / 7)), bytes: (i * 37) % 300 }));
    const groups = groupRows(input, { maxRows: 30, maxBytes: 1024, acrossPartitions: false });
    expect(groups.flat().map((r) => r.row)).toEqual(input.map((r) => r.row));
    for (const group of groups) {
      expect(group.length).toBeLessThanOrEqual(30);
      expect(new Set(group.map((r) => r.partition)).size).toBe(1);
      if (group.length > 1) expect(group.reduce((sum, r) => sum + r.bytes, 0)).toBeLessThanOrEqual(1024);
    }
    expect(groupRows([], { maxRows: 30, maxBytes: 1024, acrossPartitions: true })).toEqual([]);
  });
});
