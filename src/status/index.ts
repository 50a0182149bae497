export { registerSinkMetrics, delayBucketsSeconds, delaySummaries, quantileUpperBound, type LagReader, type DelaySummary } from './sink-metrics.js';
export { startStatusServer, isLoopback, dashboardHost, probeHeader, type StatusServer, type StatusServerOptions, type StatusRequest } from './http-server.js';
export { readRunningSinks, type RunningSink } from './running-sinks.js';
export { serveSinkStatus } from './serve-sink-status.js';
export { startMigrationStatusServer, type MigrationStatusServerOptions } from './migration-status-server.js';
export { StatusCollector, type MigrationStatusReport, type SinkStatus, type StackServerStatus, type StatusCollectorOptions } from './status-collector.js';
export {
  assessMigration,
  migrationPhases,
  gateIds,
  gateNames,
  latestBackfill,
  latestValidationResult,
  type MigrationPhase,
  type GateId,
  type Gate,
  type MigrationInputs,
  type MigrationAssessment,
  type SinkObservation,
  type DeadLetterBacklog,
} from './migration-status.js';
export {
  BackfillProgressFold,
  ValidationProgressFold,
  rangeCells,
  type BackfillJobStatus,
  type ValidationJobStatus,
  type ValidationResult,
  type ValidationDifferences,
} from './job-progress.js';
export { JobProgressReader, type JobsProgress } from './job-progress-reader.js';
export { registerMigrationMetrics } from './migration-metrics.js';
export { dashboardHtml } from './dashboard-page.js';
