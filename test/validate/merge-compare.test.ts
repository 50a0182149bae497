import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { formatPrimaryKey, mergeCompare, ScanOrderError, type MergeCompareOptions, type MergeTotals, type RowDifference, type ScannedRow } from '../../src/validate/index.js';
import { collect, column, row, stream, table } from './fixtures.js';

/** Partition key `user`, clustering `at` DESC, a static `plan` and a regular `kind`. */
const activity = table([
  column('user', 'partition_key', 'text', 0),
  column('at', 'clustering', 'int', 0, 'desc'),
  column('plan', 'static', 'text'),
  column('kind', 'regular', 'text'),
]);

const r = (token: bigint, user: string, at: number | null, kind: string | null, plan: string | null = null, writetime = 10n) =>
  row(token, { user, at, kind, plan }, { kind: kind === null ? null : writetime, plan: plan === null ? null : writetime });

const values: MergeCompareOptions = { compare: 'values' };

async function compare(source: readonly ScannedRow[], target: readonly ScannedRow[], options: MergeCompareOptions = values) {
  return collect(mergeCompare(activity, stream(source), stream(target), options));
}

/** Each difference as kind and readable key, for short assertions. */
const summary = (differences: readonly RowDifference[]) => differences.map((d) => `${d.kind} ${formatPrimaryKey(activity, d.key)}`);

/** Runs to the end by hand, to read the generator's return value. */
async function totalsOf(source: readonly ScannedRow[], target: readonly ScannedRow[], options: MergeCompareOptions = values): Promise<MergeTotals> {
  const run = mergeCompare(activity, stream(source), stream(target), options);
  for (;;) {
    const step = await run.next();
    if (step.done) return step.value;
  }
}

describe('mergeCompare', () => {
  const rows = [r(-9n, 'b', 3, 'x'), r(-9n, 'b', 1, 'y'), r(4n, 'a', 2, 'z'), r(7n, 'c', 5, 'w')];

  it('finds nothing when both sides hold the same rows, and counts them', async () => {
    expect(await compare(rows, rows)).toEqual([]);
    expect(await totalsOf(rows, rows)).toEqual({ sourceRows: 4, targetRows: 4, matched: 4, missing: 0, extra: 0, mismatched: 0 });
  });

  it('handles empty streams', async () => {
    expect(await compare([], [])).toEqual([]);
    expect(await totalsOf([], [])).toEqual({ sourceRows: 0, targetRows: 0, matched: 0, missing: 0, extra: 0, mismatched: 0 });
  });

  it('reports every row missing when the target is empty, and extra when the source is', async () => {
    expect(summary(await compare(rows, []))).toEqual(["missing user='b', at=3", "missing user='b', at=1", "missing user='a', at=2", "missing user='c', at=5"]);
    const extra = await compare([], rows);
    expect(summary(extra)).toEqual(["extra user='b', at=3", "extra user='b', at=1", "extra user='a', at=2", "extra user='c', at=5"]);
    expect(extra[0]).toMatchObject({ kind: 'extra', token: -9n, columns: [], target: rows[0] });
    expect(extra[0]!.source).toBeUndefined();
  });

  it('finds missing, extra and mismatched rows in interleaved streams', async () => {
    const source = [r(-9n, 'b', 3, 'x'), r(-9n, 'b', 1, 'y'), r(4n, 'a', 2, 'z'), r(7n, 'c', 5, 'w')];
    const target = [r(-20n, 'e', 1, 'q'), r(-9n, 'b', 3, 'x'), r(-9n, 'b', 2, 'new'), r(4n, 'a', 2, 'CHANGED'), r(9n, 'd', 1, 'v')];
    const differences = await compare(source, target);
    expect(summary(differences)).toEqual([
      "extra user='e', at=1",
      "extra user='b', at=2",
      "missing user='b', at=1",
      "mismatched user='a', at=2",
      "missing user='c', at=5",
      "extra user='d', at=1",
    ]);
    expect(differences[3]).toEqual({
      kind: 'mismatched',
      key: new Map<string, unknown>([['user', 'a'], ['at', 2]]),
      token: 4n,
      columns: [{ column: 'kind', kind: 'value', source: 'z', target: 'CHANGED' }],
      source: source[2],
      target: target[3],
    });
    expect(await totalsOf(source, target)).toEqual({ sourceRows: 4, targetRows: 5, matched: 1, missing: 2, extra: 3, mismatched: 1 });
  });

  it('tells apart partitions that share a token, in key byte order', async () => {
    const ints = table([column('k', 'partition_key', 'int', 0), column('v', 'regular', 'text')]);
    // Token 5 is shared by k = 1, 300 and -1; their bytes order them 1, 300, -1.
    const one = row(5n, { k: 1, v: 'a' });
    const big = row(5n, { k: 300, v: 'b' });
    const minus = row(5n, { k: -1, v: 'c' });
    const differences = await collect(mergeCompare(ints, stream([one, big, minus]), stream([one, minus]), values));
    expect(differences.map((d) => `${d.kind} ${formatPrimaryKey(ints, d.key)}`)).toEqual(['missing k=300']);
    const swapped = await collect(mergeCompare(ints, stream([one, minus]), stream([one, row(5n, { k: -1, v: 'd' })]), values));
    expect(swapped.map((d) => `${d.kind} ${formatPrimaryKey(ints, d.key)}`)).toEqual(['mismatched k=-1']);
  });

  it('follows DESC clustering order within a partition', async () => {
    const source = [r(1n, 'u', 30, 'a'), r(1n, 'u', 20, 'b'), r(1n, 'u', 10, 'c')];
    const target = [r(1n, 'u', 30, 'a'), r(1n, 'u', 25, 'x'), r(1n, 'u', 10, 'c')];
    expect(summary(await compare(source, target))).toEqual(["extra user='u', at=25", "missing user='u', at=20"]);
  });

  it('accepts rows in Cassandra\'s order where JS would see them out of order (UTF-8 text, timeuuid)', async () => {
    const events = table([column('k', 'partition_key', 'int', 0), column('name', 'clustering', 'text', 0), column('id', 'clustering', 'timeuuid', 1, 'desc'), column('v', 'regular', 'int')]);
    const { TimeUuid } = cassandra.types;
    const [older, newer] = [TimeUuid.fromDate(new Date(1_000)), TimeUuid.fromDate(new Date(2_000_000))];
    const source = [
      row(1n, { k: 1, name: '\uFFFD', id: newer, v: 1 }),
      row(1n, { k: 1, name: '\uFFFD', id: older, v: 2 }),
      row(1n, { k: 1, name: '\u{1F600}', id: older, v: 3 }),
    ];
    const target = [source[0]!, source[2]!];
    const differences = await collect(mergeCompare(events, stream(source), stream(target), values));
    expect(differences.map((d) => `${d.kind} ${formatPrimaryKey(events, d.key)}`)).toEqual([`missing k=1, name='\uFFFD', id=${older.toString()}`]);
  });

  it('reports write-time-only differences when comparing write times', async () => {
    const source = [r(1n, 'u', 2, 'a', null, 10n), r(1n, 'u', 1, 'b', null, 10n)];
    const target = [r(1n, 'u', 2, 'a', null, 10n), r(1n, 'u', 1, 'b', null, 99n)];
    expect(await compare(source, target)).toEqual([]);
    const differences = await compare(source, target, { compare: 'values+writetime' });
    expect(differences).toHaveLength(1);
    expect(differences[0]!.columns).toEqual([{ column: 'kind', kind: 'writetime', source: 10n, target: 99n }]);
  });

  it('passes the Keyspaces floor on to the row comparison', async () => {
    const source = [r(1n, 'u', 2, 'a', null, 5n)];
    const target = [r(1n, 'u', 2, 'a', null, 1_000n)];
    expect(await compare(source, target, { compare: 'values+writetime' })).toHaveLength(1);
    expect(await compare(source, target, { compare: 'values+writetime', minTimestampUs: 1_000n })).toEqual([]);
  });
});

describe('mergeCompare on static columns', () => {
  it('compares a partition\'s statics once, with its first pair of rows', async () => {
    const source = [r(1n, 'u', 3, 'a', 'gold'), r(1n, 'u', 2, 'b', 'gold'), r(1n, 'u', 1, 'c', 'gold')];
    const target = [r(1n, 'u', 3, 'a', 'free'), r(1n, 'u', 2, 'b', 'free'), r(1n, 'u', 1, 'c', 'free')];
    const differences = await compare(source, target);
    expect(summary(differences)).toEqual(["mismatched user='u', at=3"]);
    expect(differences[0]!.columns).toEqual([{ column: 'plan', kind: 'value', source: 'gold', target: 'free' }]);
  });

  it('compares them again in the next partition', async () => {
    const source = [r(1n, 'u', 1, 'a', 'gold'), r(2n, 'v', 1, 'a', 'gold')];
    const target = [r(1n, 'u', 1, 'a', 'gold'), r(2n, 'v', 1, 'a', 'free')];
    expect(summary(await compare(source, target))).toEqual(["mismatched user='v', at=1"]);
  });

  it('compares them between the first rows met when those rows differ, keyed by partition', async () => {
    const source = [r(1n, 'u', 3, 'a', 'gold'), r(1n, 'u', 1, 'c', 'gold')];
    const target = [r(1n, 'u', 2, 'b', 'free')];
    const differences = await compare(source, target);
    expect(summary(differences)).toEqual(["mismatched user='u'", "missing user='u', at=3", "extra user='u', at=2", "missing user='u', at=1"]);
    expect(differences[0]!.columns).toEqual([{ column: 'plan', kind: 'value', source: 'gold', target: 'free' }]);
  });

  it('does not report the target\'s static-only row as extra when the source has rows in that partition', async () => {
    const source = [r(1n, 'u', 2, 'a', 'gold'), r(1n, 'u', 1, 'b', 'gold')];
    const target = [r(1n, 'u', null, null, 'gold')];
    expect(summary(await compare(source, target))).toEqual(["missing user='u', at=2", "missing user='u', at=1"]);
    expect(summary(await compare(target, source))).toEqual(["extra user='u', at=2", "extra user='u', at=1"]);
  });

  it('matches static-only rows on both sides, and reports one missing when its partition is', async () => {
    const lone = r(1n, 'u', null, null, 'gold');
    expect(await compare([lone], [lone])).toEqual([]);
    expect(summary(await compare([lone], [r(1n, 'u', null, null, 'free')]))).toEqual(["mismatched user='u', at=null"]);
    expect(summary(await compare([lone, r(2n, 'v', 1, 'a')], [r(2n, 'v', 1, 'a')]))).toEqual(["missing user='u', at=null"]);
  });
});

describe('mergeCompare as a stream', () => {
  const rows = Array.from({ length: 10 }, (_, i) => r(BigInt(i), `u${i}`, 1, 'x'));

  it('reports running totals after each step', async () => {
    const seen: MergeTotals[] = [];
    await compare(rows, rows.slice(0, 8), { ...values, onProgress: (totals) => seen.push(totals) });
    expect(seen).toHaveLength(10);
    expect(seen[4]).toEqual({ sourceRows: 5, targetRows: 5, matched: 5, missing: 0, extra: 0, mismatched: 0 });
    expect(seen.at(-1)).toEqual({ sourceRows: 10, targetRows: 8, matched: 8, missing: 2, extra: 0, mismatched: 0 });
  });

  it('reads each stream one row ahead at most, and closes both when stopped early', async () => {
    const source = stream(rows);
    const target = stream([]);
    for await (const difference of mergeCompare(activity, source, target, values)) {
      expect(difference.kind).toBe('missing');
      break;
    }
    expect(source.read).toBeLessThanOrEqual(2);
    expect(source.closed).toBe(true);
    expect(target.closed).toBe(true);
  });

  it('throws ScanOrderError when a stream goes backwards or repeats a row, as with another partitioner', async () => {
    await expect(compare([rows[2]!, rows[1]!], [])).rejects.toThrow(ScanOrderError);
    await expect(compare([], [rows[1]!, rows[1]!])).rejects.toThrow(/target rows of ks\.t are out of scan order: user='u1', at=1 \(token 1\)/);
  });

  it('stops with the abort reason when its signal fires', async () => {
    const controller = new AbortController();
    const run = mergeCompare(activity, stream(rows), stream([]), { ...values, signal: controller.signal });
    await run.next();
    controller.abort(new Error('stop'));
    await expect(run.next()).rejects.toThrow('stop');
  });
});
