import { describe, expect, it } from 'vitest';
import { batchesOf, type RowWrites } from '../../src/cells/index.js';

const rows = (...statements: number[]): RowWrites[] =>
  statements.map((count, i) => ({ key: () => `row ${i}`, writes: Array.from({ length: count }, () => ({ cql: 'INSERT ...', params: [] })) }));

describe('batchesOf', () => {
  it('keeps each row whole and every batch at 30 statements or fewer', () => {
    expect(batchesOf(rows(...Array<number>(30).fill(1)))).toEqual([Array.from({ length: 30 }, (_, i) => i)]);
    expect(batchesOf(rows(...Array<number>(20).fill(2)))).toEqual([Array.from({ length: 15 }, (_, i) => i), [15, 16, 17, 18, 19]]);
    expect(batchesOf(rows(1, 29, 1))).toEqual([[0, 1], [2]]);
  });

  it('sends a row of more than 30 statements alone, and a row with none along with the others', () => {
    expect(batchesOf(rows(2, 45, 0, 3))).toEqual([[0], [1], [2, 3]]);
    expect(batchesOf([])).toEqual([]);
  });
});
