import { describe, expect, it } from 'vitest';
import { formatStatusReport } from '../../src/cli/status-output.js';
import { assessMigration, type MigrationStatusReport } from '../../src/status/index.js';

const noDifferences = { missing: 0, extra: 0, mismatched: 0, writetime: 0 };

function report(over: Partial<MigrationStatusReport> = {}): MigrationStatusReport {
  const base = {
    generatedAtMs: 5_000,
    kafka: { brokers: ['127.0.0.1:9092'], reachable: true },
    tables: ['ks.t'],
    stack: [
      { name: 'kafka', running: true, address: '127.0.0.1:9092', pid: 11, version: '4.1.1' },
      { name: 'source', running: false },
    ],
    sinks: [
      { destination: 'source' as const, group: 'tandem-sink-source', lag: 0, committed: 10, throughput: 12.5, state: 'running', written: 10, deleted: 0, retried: 0, deadLettered: 0, inFlight: 0 },
      { destination: 'target' as const, group: 'tandem-sink-target', lag: 4, committed: 6 },
    ],
    deadLetters: [{ topic: 't.dlq', undrained: 0 }],
    backfill: [{ job: 'b1', table: 'ks.t', planId: 'p', plannedAtMs: 1, rangesTotal: 4, rangesDone: 2, cells: [1, 1, 0, 0], rowsRead: 5, rowsWritten: 5, rowsRejected: 0, complete: false }],
    validation: [{ job: 'v1', table: 'ks.t', rangesTotal: 4, rangesDone: 4, cells: [], rowsCompared: 9, differences: noDifferences, result: { finishedAtMs: 2, clean: true, rowsCompared: 9, differences: noDifferences, remaining: 0 } }],
    ...over,
  };
  return { ...base, ...assessMigration({ kafkaReachable: base.kafka.reachable, tables: base.tables, sinks: base.sinks, deadLetters: base.deadLetters, backfill: base.backfill, validation: base.validation }) };
}

describe('tandem status output', () => {
  it('marks a validation that compared a sample of the ranges', () => {
    const sampled = { job: 's1', table: 'ks.t', samplePercent: 5, rangesTotal: 1, rangesDone: 1, cells: [], rowsCompared: 3, differences: noDifferences, result: { finishedAtMs: 3, clean: true, rowsCompared: 3, differences: noDifferences, remaining: 0 } };
    expect(formatStatusReport(report({ validation: [sampled] }))).toContain('  s1  ks.t  3 rows compared (5% sample)  CLEAN');
  });

  it('shows phase, stack, sinks with throughput and the process counters, jobs and gates', () => {
    const lines = formatStatusReport(report());
    expect(lines[0]).toBe('Migration phase: backfilling (3 of 4 cutover gates fail)');
    expect(lines).toContain('  kafka   running  127.0.0.1:9092  pid 11');
    expect(lines).toContain('  source  stopped  -');
    expect(lines.find((l) => l.startsWith('  source  tandem-sink-source'))).toMatch(/0 records behind +12\.5\/s +running: 10 written, 0 deleted, 0 retries, 0 dead-lettered, 0 in flight$/);
    expect(lines.find((l) => l.startsWith('  target  tandem-sink-target'))).toMatch(/4 records behind +- +no sink process answering$/);
    expect(lines).toContain('  b1  ks.t  2/4 ranges  5 rows written    50%');
    expect(lines).toContain('  v1  ks.t  9 rows compared  CLEAN');
    expect(lines.slice(-4)).toEqual([
      '  [FAIL] both sinks at zero lag: source 0 behind, target 4 behind',
      '  [FAIL] backfill complete: ks.t: 2/4 ranges (job b1)',
      '  [FAIL] last validation clean: ks.t: clean, but no completed backfill before it (job v1)',
      '  [PASS] no undrained dead letters: none waiting',
    ]);
  });

  it('names a stuck partition of a sink, the record holding it and since when, and dead letters deleted unread', () => {
    const stuck = { topic: 't', partition: 3, waitingOnOffset: '120', since: '2026-12-07T10:00:00.000Z', held: 20_001 };
    const lines = formatStatusReport(
      report({
        sinks: [{ destination: 'source', group: 'tandem-sink-source', lag: 9, committed: 10, state: 'running', written: 10, deleted: 0, retried: 0, deadLettered: 0, inFlight: 1, stuckPartitions: [stuck] }],
        deadLetters: [{ topic: 't.dlq', undrained: 4, expired: 3 }],
      }),
    );
    expect(lines.find((l) => l.startsWith('  source  tandem-sink-source'))).toMatch(/1 in flight, t:3 STUCK since 2026-12-07T10:00:00.000Z on offset 120 \(20001 written records held back\)$/);
    expect(lines).toContain('  t.dlq: 4 (3 deleted by the broker unread)');
  });

  it('says Kafka is unreachable and why', () => {
    const lines = formatStatusReport(report({ kafka: { brokers: ['10.0.0.9:9092'], reachable: false, error: 'connect ECONNREFUSED' } }));
    expect(lines).toContain('Kafka 10.0.0.9:9092 unreachable: connect ECONNREFUSED');
  });
});
