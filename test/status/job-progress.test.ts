import { describe, expect, it } from 'vitest';
import { jobOfTopic, jobTopics } from '../../src/jobs/index.js';
import { BackfillProgressFold, rangeCells, ValidationProgressFold } from '../../src/status/index.js';

const plan = (planId: string, ranges: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'plan', planId, job: 'j', table: 'ks.t', partitioner: 'murmur3', ranges: Array.from({ length: ranges }, (_, i) => [String(i), String(i + 1)]), plannedAtMs: 1_000, ...extra });
const done = (planId: string, index: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'done', planId, index, rowsRead: 10, rowsWritten: 9, rowsRejected: 1, rejections: [], worker: 'w', ms: 5, ...extra });

describe('job progress topics', () => {
  it('name the kind and the job, and nothing else', () => {
    expect(jobOfTopic('tandem-backfill.ua-2026.1.progress')).toEqual({ kind: 'backfill', job: 'ua-2026.1' });
    expect(jobOfTopic(jobTopics('v.1', 'validate').progress)).toEqual({ kind: 'validate', job: 'v.1' });
    expect(jobOfTopic('tandem-backfill.ua.ranges')).toBeUndefined();
    expect(jobOfTopic('user_activity')).toBeUndefined();
  });
});

describe('range cells', () => {
  it('give one cell per range while they fit, and the share done per cell beyond', () => {
    expect(rangeCells(new Set([0, 2]), 4)).toEqual([1, 0, 1, 0]);
    expect(rangeCells(new Set([0, 1, 2]), 8, 4)).toEqual([1, 0.5, 0, 0]);
    expect(rangeCells(new Set(), 0)).toEqual([]);
    expect(rangeCells(new Set([0]), 1000)).toHaveLength(200);
  });
});

describe('backfill progress', () => {
  it('counts each range of the first plan once and knows when the last one completed it', () => {
    const fold = new BackfillProgressFold('j');
    expect(fold.status()).toBeUndefined();
    fold.apply(plan('p1', 3), 500);
    fold.apply(plan('p2', 5), 501); // a planner that lost the race
    fold.apply(done('p1', 0), 600);
    fold.apply(done('p2', 1), 601);
    fold.apply(done('p1', 0), 602); // redelivered range
    fold.apply(done('p1', 1), 700);
    expect(fold.status()).toMatchObject({ job: 'j', table: 'ks.t', planId: 'p1', plannedAtMs: 1_000, rangesTotal: 3, rangesDone: 2, cells: [1, 1, 0], complete: false, rowsWritten: 18, rowsRejected: 2 });
    expect(fold.status()!.completedAtMs).toBeUndefined();
    fold.apply(done('p1', 2), 800);
    expect(fold.status()).toMatchObject({ rangesDone: 3, complete: true, completedAtMs: 800, rowsRead: 30 });
  });

  it('skips what it cannot read and ignores fields it does not know', () => {
    const fold = new BackfillProgressFold('j');
    fold.apply('not json', 1);
    fold.apply(null, 2);
    fold.apply(JSON.stringify({ type: 'done', planId: 'p', index: 0 }), 3); // before any plan
    fold.apply(plan('p', 2, { futureField: { x: 1 } }), 4);
    fold.apply(JSON.stringify({ type: 'checkpoint', planId: 'p' }), 5);
    fold.apply(done('p', 7), 6); // out of the plan
    fold.apply(done('p', 1, { rowsWritten: 'many', shard: 3 }), 7);
    expect(fold.status()).toMatchObject({ rangesDone: 1, rowsWritten: 0, complete: false });
  });
});

describe('validation progress', () => {
  const differences = { missing: 1, extra: 0, mismatched: 2, writetime: 0 };

  it('knows a plan that sampled the ranges', () => {
    const sampled = new ValidationProgressFold('v');
    sampled.apply(plan('p', 2, { compare: 'values', samplePercent: 10 }), 10);
    expect(sampled.status()).toMatchObject({ samplePercent: 10 });
    const whole = new ValidationProgressFold('w');
    whole.apply(plan('p', 2, { compare: 'values', samplePercent: 100 }), 10);
    expect(whole.status()!.samplePercent).toBeUndefined();
  });

  it('sums the ranges compared, then takes the result of its plan', () => {
    const fold = new ValidationProgressFold('v');
    fold.apply(plan('p', 2, { compare: 'values' }), 10);
    fold.apply(done('p', 0, { rowsCompared: 50, differences }), 11);
    expect(fold.status()).toMatchObject({ job: 'v', table: 'ks.t', compare: 'values', rangesTotal: 2, rangesDone: 1, rowsCompared: 50, differences });
    expect(fold.status()!.result).toBeUndefined();
    expect(fold.status()!.samplePercent).toBeUndefined();
    fold.apply(done('p', 1, { rowsCompared: 50, differences: { missing: 0 } }), 12);
    fold.apply(JSON.stringify({ type: 'result', planId: 'other', job: 'v', table: 'ks.t', finishedAtMs: 5, clean: true, rowsCompared: 1, differences: {}, remaining: 0 }), 13);
    expect(fold.status()!.result).toBeUndefined();
    fold.apply(JSON.stringify({ type: 'result', planId: 'p', job: 'v', table: 'ks.t', finishedAtMs: 2_000, clean: false, rowsCompared: 100, differences, remaining: 3 }), 14);
    expect(fold.status()).toMatchObject({ rangesDone: 2, rowsCompared: 100, result: { finishedAtMs: 2_000, clean: false, rowsCompared: 100, differences, remaining: 3 } });
    // `tandem validate` counts what remains per kind.
    fold.apply(JSON.stringify({ type: 'result', planId: 'p', finishedAtMs: 2_500, clean: false, differences, remaining: { missing: 1, extra: 0, mismatched: 1 } }), 15);
    expect(fold.status()!.result).toMatchObject({ finishedAtMs: 2_500, remaining: 2 });
    expect(fold.status()!.result!.unsettled).toBeUndefined();
    // Rows not judged while the sinks were behind travel in the result too.
    fold.apply(JSON.stringify({ type: 'result', planId: 'p', finishedAtMs: 3_000, clean: false, differences, remaining: 0, unsettled: 4 }), 16);
    expect(fold.status()!.result).toMatchObject({ finishedAtMs: 3_000, clean: false, remaining: 0, unsettled: 4 });
  });

  it('takes a result without a plan as it is, with the Kafka time when it has none', () => {
    const fold = new ValidationProgressFold('v');
    fold.apply(JSON.stringify({ type: 'result', planId: 'p', job: 'v', table: 'ks.t', clean: true, rowsCompared: 7 }), 3_000);
    expect(fold.status()).toEqual({
      job: 'v',
      table: 'ks.t',
      rangesTotal: 0,
      rangesDone: 0,
      cells: [],
      rowsCompared: 0,
      differences: { missing: 0, extra: 0, mismatched: 0, writetime: 0 },
      result: { finishedAtMs: 3_000, clean: true, rowsCompared: 7, differences: { missing: 0, extra: 0, mismatched: 0, writetime: 0 }, remaining: 0 },
    });
  });
});
