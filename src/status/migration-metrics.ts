import { Gauge, type Registry } from 'prom-client';
import { gateIds, migrationPhases } from './migration-status.js';
import type { MigrationStatusReport } from './status-collector.js';

/**
 * Prometheus gauges of the migration as a whole, read from a status report when scraped (the
 * collector reuses a fresh report, so one scrape reads Kafka once). `sinkLag` adds each
 * destination's lag and throughput, for a process that runs no sinks and so lacks the sink metrics.
 */
export function registerMigrationMetrics(registry: Registry, report: () => Promise<MigrationStatusReport>, options: { sinkLag: boolean }): void {
  const gauge = (name: string, help: string, labelNames: readonly string[], fill: (g: Gauge, r: MigrationStatusReport) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const r = await report();
        this.reset();
        fill(this, r);
      },
    });
  gauge('tandem_migration_ready', '1 when every cutover gate passes', [], (g, r) => g.set(r.ready ? 1 : 0));
  gauge('tandem_migration_phase', '1 for the phase the migration is in', ['phase'], (g, r) => {
    for (const phase of migrationPhases) g.set({ phase }, r.phase === phase ? 1 : 0);
  });
  gauge('tandem_migration_gate_passing', '1 for each cutover gate that passes, 0 for each that fails', ['gate'], (g, r) => {
    for (const gate of gateIds) g.set({ gate }, r.gates.find((x) => x.id === gate)?.pass ? 1 : 0);
  });
  gauge('tandem_kafka_reachable', '1 when status could read Kafka', [], (g, r) => g.set(r.kafka.reachable ? 1 : 0));
  gauge('tandem_dead_letters_undrained', 'Dead letters the replay group has not consumed, per dead-letter topic', ['topic'], (g, r) => {
    for (const d of r.deadLetters ?? []) g.set({ topic: d.topic }, d.undrained);
  });
  gauge('tandem_dead_letters_expired', 'Dead letters the broker deleted before the replay group read them (records never written), per dead-letter topic', ['topic'], (g, r) => {
    for (const d of r.deadLetters ?? []) g.set({ topic: d.topic }, d.expired ?? 0);
  });
  gauge('tandem_backfill_ranges_planned', 'Token ranges in a backfill job\'s plan', ['job', 'table'], (g, r) => {
    for (const j of r.backfill) g.set({ job: j.job, table: j.table }, j.rangesTotal);
  });
  gauge('tandem_backfill_ranges_done', 'Token ranges a backfill job has copied', ['job', 'table'], (g, r) => {
    for (const j of r.backfill) g.set({ job: j.job, table: j.table }, j.rangesDone);
  });
  gauge('tandem_backfill_rows_written', 'Rows a backfill job has written to the target', ['job', 'table'], (g, r) => {
    for (const j of r.backfill) g.set({ job: j.job, table: j.table }, j.rowsWritten);
  });
  gauge('tandem_validation_clean', '1 when a finished validation job found both sides equal, 0 when it found differences', ['job', 'table'], (g, r) => {
    for (const j of r.validation) if (j.result) g.set({ job: j.job, table: j.table }, j.result.clean ? 1 : 0);
  });
  if (options.sinkLag) {
    gauge('tandem_sink_lag_records', 'Records in Kafka the destination has not committed yet', ['destination'], (g, r) => {
      for (const s of r.sinks) if (s.lag !== undefined) g.set({ destination: s.destination }, s.lag);
    });
    gauge('tandem_sink_throughput_records_per_second', 'Records the destination committed per second, between the last two samples', ['destination'], (g, r) => {
      for (const s of r.sinks) if (s.throughput !== undefined) g.set({ destination: s.destination }, s.throughput);
    });
  }
}
