import { describe, expect, it } from 'vitest';
import { assessMigration, type BackfillJobStatus, type MigrationInputs, type ValidationJobStatus } from '../../src/status/index.js';

const backfill = (over: Partial<BackfillJobStatus> = {}): BackfillJobStatus => ({
  job: 'b1',
  table: 'ks.t',
  planId: 'p',
  plannedAtMs: 1_000,
  rangesTotal: 4,
  rangesDone: 4,
  cells: [1, 1, 1, 1],
  rowsRead: 100,
  rowsWritten: 100,
  rowsRejected: 0,
  complete: true,
  completedAtMs: 2_000,
  ...over,
});

const noDifferences = { missing: 0, extra: 0, mismatched: 0, writetime: 0 };
const validation = (over: Partial<ValidationJobStatus> = {}, finishedAtMs = 3_000, clean = true): ValidationJobStatus => ({
  job: 'v1',
  table: 'ks.t',
  rangesTotal: 4,
  rangesDone: 4,
  cells: [1, 1, 1, 1],
  rowsCompared: 100,
  differences: noDifferences,
  result: { finishedAtMs, clean, rowsCompared: 100, differences: clean ? noDifferences : { ...noDifferences, missing: 2 }, remaining: clean ? 0 : 2 },
  ...over,
});

const ready: MigrationInputs = {
  kafkaReachable: true,
  tables: ['ks.t'],
  sinks: [
    { destination: 'source', lag: 0, committed: 500 },
    { destination: 'target', lag: 0, committed: 500 },
  ],
  deadLetters: [{ topic: 't.dlq', undrained: 0 }],
  backfill: [backfill()],
  validation: [validation()],
};

const gateOf = (inputs: MigrationInputs, id: string) => assessMigration(inputs).gates.find((g) => g.id === id)!;

describe('migration phase and gates', () => {
  it('is ready to cut over when every gate passes, each with its reason', () => {
    const result = assessMigration(ready);
    expect(result.phase).toBe('ready-to-cut-over');
    expect(result.ready).toBe(true);
    expect(result.gates.map((g) => [g.name, g.pass, g.reason])).toEqual([
      ['both sinks at zero lag', true, 'source 0 behind, target 0 behind'],
      ['backfill complete', true, 'ks.t: complete, 4/4 ranges, 100 rows (job b1)'],
      ['last validation clean', true, 'ks.t: clean, 100 rows compared (job v1)'],
      ['no undrained dead letters', true, 'none waiting'],
    ]);
  });

  it('has not started before any sink committed and any job began, then dual-writes', () => {
    const fresh: MigrationInputs = { ...ready, sinks: ready.sinks.map((s) => ({ ...s, lag: 40, committed: 0 })), backfill: [], validation: [] };
    expect(assessMigration(fresh).phase).toBe('not-started');
    expect(gateOf(fresh, 'sinks-caught-up')).toMatchObject({ pass: false, reason: 'source 40 behind, target 40 behind' });
    const consuming = { ...fresh, sinks: [{ destination: 'source', lag: 0, committed: 40 }, { destination: 'target', lag: 3, committed: 37 }] };
    expect(assessMigration(consuming).phase).toBe('dual-writing');
    expect(gateOf(consuming, 'backfill-complete')).toMatchObject({ pass: false, reason: 'ks.t: no backfill job' });
    expect(gateOf(consuming, 'validation-clean')).toMatchObject({ pass: false, reason: 'ks.t: no finished validation' });
  });

  it('backfills while the newest job of any table is incomplete, even when an older one completed', () => {
    const inputs = { ...ready, backfill: [backfill(), backfill({ job: 'b2', plannedAtMs: 5_000, rangesDone: 1, complete: false, completedAtMs: undefined })], validation: [] };
    const result = assessMigration(inputs);
    expect(result.phase).toBe('backfilling');
    expect(gateOf(inputs, 'backfill-complete')).toMatchObject({ pass: false, reason: 'ks.t: 1/4 ranges (job b2)' });
    // Two tables, one not begun: still backfilling.
    const twoTables = { ...ready, tables: ['ks.t', 'ks.u'], validation: [] };
    expect(assessMigration(twoTables).phase).toBe('backfilling');
    expect(gateOf(twoTables, 'backfill-complete').reason).toBe('ks.t: complete, 4/4 ranges, 100 rows (job b1); ks.u: no backfill job');
  });

  it('validates once every table is backfilled, until the last validation is clean and newer than the backfill', () => {
    expect(assessMigration({ ...ready, validation: [] }).phase).toBe('validating');
    const stale = { ...ready, validation: [validation({}, 1_500)] };
    expect(assessMigration(stale).phase).toBe('validating');
    expect(gateOf(stale, 'validation-clean')).toMatchObject({ pass: false, reason: 'ks.t: clean, but finished before the backfill b1 completed: validate again' });
    const dirty = { ...ready, validation: [validation({}, 3_000, false)] };
    expect(gateOf(dirty, 'validation-clean')).toMatchObject({ pass: false, reason: 'ks.t: 2 missing, 0 extra, 0 mismatched, 2 remaining (job v1)' });
    // Rows not judged while the sinks were behind keep the gate shut, and it says why.
    const unsettled = validation({ result: { finishedAtMs: 3_000, clean: false, rowsCompared: 100, differences: noDifferences, remaining: 0, unsettled: 3 } });
    expect(gateOf({ ...ready, validation: [unsettled] }, 'validation-clean')).toMatchObject({
      pass: false,
      reason: 'ks.t: 0 missing, 0 extra, 0 mismatched, 0 remaining, 3 rows unsettled (the sinks were behind) (job v1)',
    });
    // The last one to finish counts: a clean run after a dirty one passes, a dirty one after a clean one fails.
    expect(gateOf({ ...ready, validation: [validation({}, 3_000, false), validation({ job: 'v2' }, 4_000, true)] }, 'validation-clean').pass).toBe(true);
    expect(gateOf({ ...ready, validation: [validation({}, 4_000, false), validation({ job: 'v2' }, 3_000, true)] }, 'validation-clean').pass).toBe(false);
    const running = { ...ready, validation: [validation({ job: 'v9', rangesDone: 1, result: undefined })] };
    expect(gateOf(running, 'validation-clean').reason).toBe('ks.t: no finished validation; job v9 running, 1/4 ranges');
  });

  it('takes a clean sampled validation as a spot check: the gate rests on the last validation of every range', () => {
    const spot = validation({ job: 's1', samplePercent: 5 }, 5_000);
    expect(gateOf({ ...ready, validation: [spot] }, 'validation-clean')).toMatchObject({
      pass: false,
      reason: 'ks.t: clean on a 5% sample of the ranges (job s1), but no validation of every range: validate without --sample',
    });
    // A clean full validation after the backfill, then a clean sample: passes, on the full one.
    expect(gateOf({ ...ready, validation: [validation(), spot] }, 'validation-clean')).toMatchObject({ pass: true, reason: 'ks.t: clean, 100 rows compared (job v1)' });
    expect(gateOf({ ...ready, validation: [validation({}, 3_000, false), spot] }, 'validation-clean')).toMatchObject({
      pass: false,
      reason: 'ks.t: clean on a 5% sample of the ranges (job s1), but the last validation of every range (job v1) was not clean: validate again',
    });
    // The full one must still be newer than the backfill.
    expect(gateOf({ ...ready, validation: [validation({}, 1_500), spot] }, 'validation-clean').pass).toBe(false);
    // A sample that finds differences fails the gate whatever came before.
    expect(gateOf({ ...ready, validation: [validation(), validation({ job: 's2', samplePercent: 5 }, 5_000, false)] }, 'validation-clean').pass).toBe(false);
  });

  it('holds the backfill gate for rows the target refused', () => {
    expect(gateOf({ ...ready, backfill: [backfill({ rowsRejected: 3 })] }, 'backfill-complete')).toMatchObject({ pass: false, reason: 'ks.t: 3 rows refused by the target (job b1)' });
  });

  it('fails on dead letters not yet replayed and on lag', () => {
    const inputs = { ...ready, deadLetters: [{ topic: 'a.dlq', undrained: 2 }, { topic: 'b.dlq', undrained: 0 }], sinks: [{ destination: 'source', lag: 0 }, { destination: 'target', lag: 7 }] };
    const result = assessMigration(inputs);
    expect(result.ready).toBe(false);
    expect(result.phase).toBe('validating');
    expect(gateOf(inputs, 'dead-letters-drained')).toMatchObject({ pass: false, reason: 'a.dlq: 2 records not replayed' });
    expect(gateOf(inputs, 'sinks-caught-up')).toMatchObject({ pass: false, reason: 'source 0 behind, target 7 behind' });
  });

  it('holds the dead-letter gate for letters the broker deleted before a replay read them, and says what to do', () => {
    const inputs = { ...ready, deadLetters: [{ topic: 'a.dlq', undrained: 3, expired: 3 }] };
    expect(gateOf(inputs, 'dead-letters-drained')).toMatchObject({
      pass: false,
      reason: 'a.dlq: 3 records not replayed, 3 of them deleted by the broker before a replay read them (never written: repair their tables with tandem validate --repair, then tandem dlq replay --skip-expired)',
    });
  });

  it('knows nothing and passes nothing while Kafka is unreachable', () => {
    const down: MigrationInputs = { ...ready, kafkaReachable: false, sinks: ready.sinks.map((s) => ({ destination: s.destination })), deadLetters: undefined, backfill: undefined, validation: undefined };
    const result = assessMigration(down);
    expect(result.phase).toBe('unknown');
    expect(result.gates.map((g) => [g.pass, g.reason])).toEqual([
      [false, 'unknown: Kafka unreachable'],
      [false, 'unknown: Kafka unreachable'],
      [false, 'unknown: Kafka unreachable'],
      [false, 'unknown: Kafka unreachable'],
    ]);
    // Kafka answers, but the job logs could not be read: those gates say so.
    const noJobs = { ...ready, backfill: undefined, validation: undefined };
    expect(assessMigration(noJobs).phase).toBe('unknown');
    expect(gateOf(noJobs, 'backfill-complete').reason).toBe("unknown: the jobs' progress logs could not be read");
    expect(gateOf({ ...ready, deadLetters: undefined }, 'dead-letters-drained')).toMatchObject({ pass: false, reason: 'unknown: the dead-letter topics could not be read' });
  });

  it('judges the tables the jobs name when no topic is configured', () => {
    const inputs = { ...ready, tables: [], sinks: [] };
    const result = assessMigration(inputs);
    expect(gateOf(inputs, 'backfill-complete').pass).toBe(true);
    expect(gateOf(inputs, 'sinks-caught-up')).toMatchObject({ pass: false, reason: 'no topics configured, so no sinks to watch' });
    expect(result.phase).toBe('validating');
    expect(gateOf({ ...inputs, backfill: [], validation: [] }, 'backfill-complete').reason).toBe('no tables configured and no backfill jobs');
  });
});
