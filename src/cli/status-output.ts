import type { MigrationStatusReport, SinkStatus } from '../status/index.js';
import { table } from './output.js';

/** A histogram bound in ms; null stands for beyond the top bucket once through JSON. */
function formatBound(ms: number | null): string {
  if (ms === null) return 'more than 30 min';
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}

/** The counters a sink process reports, or that none answered. */
function describeProcess(s: SinkStatus): string {
  if (s.state === undefined) return 'no sink process answering';
  const delay = s.delay && s.delay.count > 0 ? `, delay p50 ≤ ${formatBound(s.delay.p50UpToMs)}, p99 ≤ ${formatBound(s.delay.p99UpToMs)}` : '';
  const stuck = (s.stuckPartitions ?? []).map((p) => `, ${p.topic}:${p.partition} STUCK since ${p.since} on offset ${p.waitingOnOffset} (${p.held} written records held back)`).join('');
  const counts = `${s.state}: ${s.written ?? 0} written, ${s.deleted ?? 0} deleted, ${s.retried ?? 0} retries, ${s.deadLettered ?? 0} dead-lettered, ${s.inFlight ?? 0} in flight${delay}${stuck}`;
  return s.lastError ? `${counts} (last error: ${s.lastError})` : counts;
}

const rate = (perSecond: number | undefined) => (perSecond === undefined ? '-' : `${perSecond}/s`);

/** `tandem status` for a person: phase, stack, sinks, jobs, then the gates. */
export function formatStatusReport(r: MigrationStatusReport): string[] {
  const failing = r.gates.filter((g) => !g.pass).length;
  const lines = [`Migration phase: ${r.phase}${r.ready ? ' (every cutover gate passes)' : ` (${failing} of ${r.gates.length} cutover gates fail)`}`, '', 'Local stack:'];
  lines.push(...table(r.stack.map((s) => [s.name, s.running ? 'running' : 'stopped', s.address ?? '-', s.running ? `pid ${s.pid}` : ''])).map((l) => `  ${l}`));
  if (!r.kafka.reachable) lines.push('', `Kafka ${r.kafka.brokers.join(', ')} unreachable: ${r.kafka.error ?? 'no answer'}`);
  if (r.sinks.length > 0) {
    lines.push('', 'Sinks (consumer group lag, records committed per second, counters of the sink process serving on the status port):');
    const rows = r.sinks.map((s) => [s.destination, s.group, s.lag === undefined ? `lag unknown: ${s.error ?? 'no answer'}` : `${s.lag} records behind`, rate(s.throughput), describeProcess(s)]);
    lines.push(...table(rows).map((l) => `  ${l}`));
  }
  if (r.deadLetters && r.deadLetters.length > 0) {
    lines.push('', 'Dead letters (not yet consumed by the replay group):', ...r.deadLetters.map((d) => `  ${d.topic}: ${d.undrained}${d.expired ? ` (${d.expired} deleted by the broker unread)` : ''}`));
  }
  if (r.backfill.length > 0) {
    lines.push('', 'Backfill jobs (newest first):');
    const rows = r.backfill.map((j) => [
      j.job,
      j.table,
      `${j.rangesDone}/${j.rangesTotal} ranges`,
      `${j.rowsWritten} rows written`,
      j.rowsRejected > 0 ? `${j.rowsRejected} refused` : '',
      j.complete ? 'complete' : `${Math.floor((100 * j.rangesDone) / Math.max(1, j.rangesTotal))}%`,
    ]);
    lines.push(...table(rows).map((l) => `  ${l}`));
  }
  if (r.validation.length > 0) {
    lines.push('', 'Validation jobs (newest first):');
    const rows = r.validation.map((j) => {
      const verdict = !j.result
        ? `running: ${j.rangesDone}/${j.rangesTotal} ranges`
        : j.result.clean
          ? 'CLEAN'
          : `DIFFERS: ${j.result.differences.missing} missing, ${j.result.differences.extra} extra, ${j.result.differences.mismatched} mismatched, ${j.result.remaining} remaining`;
      const compared = `${j.result?.rowsCompared ?? j.rowsCompared} rows compared${j.samplePercent === undefined ? '' : ` (${j.samplePercent}% sample)`}`;
      return [j.job, j.table, compared, verdict];
    });
    lines.push(...table(rows).map((l) => `  ${l}`));
  }
  lines.push('', 'Cutover gates:', ...r.gates.map((g) => `  [${g.pass ? 'PASS' : 'FAIL'}] ${g.name}: ${g.reason}`));
  return lines;
}
