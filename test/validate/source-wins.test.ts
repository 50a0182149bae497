import { describe, expect, it } from 'vitest';
import type { SourceRow } from '../../src/cells/index.js';
import { sourceWinsTimestampUs, sourceWinsWrites } from '../../src/validate/source-wins.js';
import { column, row, table } from './fixtures.js';

const t = table([
  column('pk', 'partition_key', 'text', 0),
  column('ck', 'clustering', 'int', 0),
  column('a', 'regular', 'text'),
  column('b', 'regular', 'text'),
  column('s', 'static', 'text'),
  column('tags', 'regular', 'set<text>'),
]);
const regular = t.columns.filter((c) => c.kind !== 'partition_key' && c.kind !== 'clustering');

function sourceRow(values: Record<string, unknown>, writetimes: Record<string, bigint | bigint[] | null>, ttls: Record<string, number | null> = {}): SourceRow {
  return { values: new Map(Object.entries(values)), writetimes: new Map(Object.entries(writetimes)), ttls: new Map(Object.entries(ttls)) };
}

const nowUs = 5_000_000n;

describe('sourceWinsTimestampUs', () => {
  it('is one above the newest write time on either side when the target holds newer values it can read', () => {
    const s = sourceRow({ pk: 'p', ck: 1, a: 'x', b: 'y' }, { a: 100n, b: 100n });
    const target = row(0n, { pk: 'p', ck: 1, a: 'damaged', b: 'y' }, { a: 900n, b: 100n });
    expect(sourceWinsTimestampUs(regular, s, target, nowUs)).toBe(901n);
  });

  it('is above now when the target may hide a delete: the row missing, a cell missing, a collection that differs, or a row the source lacks', () => {
    const s = sourceRow({ pk: 'p', ck: 1, a: 'x', b: 'y', tags: new Set(['1', '2']) }, { a: 100n, b: 100n, tags: [100n, 100n] });
    expect(sourceWinsTimestampUs(regular, s, undefined, nowUs)).toBe(nowUs + 1n);
    const cellGone = row(0n, { pk: 'p', ck: 1, a: 'x', b: null, tags: new Set(['1', '2']) }, { a: 100n, b: null, tags: [100n, 100n] });
    expect(sourceWinsTimestampUs(regular, s, cellGone, nowUs)).toBe(nowUs + 1n);
    const elementGone = row(0n, { pk: 'p', ck: 1, a: 'x', b: 'y', tags: new Set(['1']) }, { a: 100n, b: 100n, tags: [100n] });
    expect(sourceWinsTimestampUs(regular, s, elementGone, nowUs)).toBe(nowUs + 1n);
    expect(sourceWinsTimestampUs(regular, undefined, row(0n, { pk: 'p', ck: 1, a: 'x' }, { a: 100n }), nowUs)).toBe(nowUs + 1n);
  });

  it('stays above a target write time from the future (a skewed clock)', () => {
    const s = sourceRow({ pk: 'p', ck: 1, a: 'x' }, { a: 100n });
    expect(sourceWinsTimestampUs(regular, s, undefined, nowUs)).toBe(nowUs + 1n);
    const ahead = row(0n, { pk: 'p', ck: 1, a: null, b: 'z' }, { b: nowUs * 2n });
    expect(sourceWinsTimestampUs(regular, s, ahead, nowUs)).toBe(nowUs * 2n + 1n);
  });
});

describe('sourceWinsWrites', () => {
  it('writes every source cell at the one timestamp, keeps its remaining TTL, and deletes what only the target holds', () => {
    const s = sourceRow({ pk: 'p', ck: 1, a: 'x', b: null, s: null, tags: null }, { a: 100n, b: null, s: null, tags: null }, { a: 50 });
    const target = row(0n, { pk: 'p', ck: 1, a: 'damaged', b: 'stray', s: null, tags: null }, { a: 900n, b: 950n });
    const planned = sourceWinsWrites({ table: t, source: { row: s, readAtMs: 1_000 }, target, staticOnly: false, nowMs: 3_500 });
    expect(planned.timestampUs).toBe(951n);
    expect(planned.writes).toEqual([
      { cql: 'INSERT INTO "ks"."t" ("pk", "ck", "a") VALUES (?, ?, ?) USING TIMESTAMP ? AND TTL ?', params: ['p', 1, 'x', 951n, 48] },
      { cql: 'DELETE "b" FROM "ks"."t" USING TIMESTAMP ? WHERE "pk" = ? AND "ck" = ?', params: [951n, 'p', 1] },
    ]);
  });

  it('deletes a row the source lacks above now, and only a partition\'s statics for a static difference', () => {
    const extra = sourceWinsWrites({ table: t, source: undefined, target: row(0n, { pk: 'p', ck: 2, a: 'x' }, { a: 100n }), staticOnly: false, nowMs: 5 });
    expect(extra).toEqual({ timestampUs: 5_001n, writes: [{ cql: 'DELETE FROM "ks"."t" USING TIMESTAMP ? WHERE "pk" = ? AND "ck" = ?', params: [5_001n, 'p', 2] }] });

    const s = sourceRow({ pk: 'p', ck: 1, a: 'x', s: 'static' }, { a: 100n, s: 200n });
    const target = row(0n, { pk: 'p', ck: 1, a: 'x', s: 'damaged' }, { a: 100n, s: 700n });
    const statics = sourceWinsWrites({ table: t, source: { row: s, readAtMs: 0 }, target, staticOnly: true, nowMs: 0 });
    expect(statics).toEqual({ timestampUs: 701n, writes: [{ cql: 'INSERT INTO "ks"."t" ("pk", "s") VALUES (?, ?) USING TIMESTAMP ?', params: ['p', 'static', 701n] }] });
  });
});
