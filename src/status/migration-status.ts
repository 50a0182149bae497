import type { BackfillJobStatus, ValidationJobStatus } from './job-progress.js';

/**
 * Where a migration stands, from what Kafka holds: `unknown` while Kafka cannot be read,
 * `not-started` before any sink committed a record or any job began, then the design's
 * `dual-writing` → `backfilling` → `validating` → `ready-to-cut-over`.
 */
export const migrationPhases = ['unknown', 'not-started', 'dual-writing', 'backfilling', 'validating', 'ready-to-cut-over'] as const;
export type MigrationPhase = (typeof migrationPhases)[number];

/** The cutover gates, in the order an operator clears them. */
export const gateIds = ['sinks-caught-up', 'backfill-complete', 'validation-clean', 'dead-letters-drained'] as const;
export type GateId = (typeof gateIds)[number];

export const gateNames: Readonly<Record<GateId, string>> = {
  'sinks-caught-up': 'both sinks at zero lag',
  'backfill-complete': 'backfill complete',
  'validation-clean': 'last validation clean',
  'dead-letters-drained': 'no undrained dead letters',
};

export interface Gate {
  readonly id: GateId;
  readonly name: string;
  readonly pass: boolean;
  /** Why it passes or fails, per destination, table or topic. */
  readonly reason: string;
}

export interface SinkObservation {
  readonly destination: string;
  /** Records its consumer group trails its topics by; undefined when Kafka could not say. */
  readonly lag?: number | undefined;
  /** Offsets the group has committed, summed over partitions: 0 before its first commit. */
  readonly committed?: number | undefined;
}

/** Records of one dead-letter topic the replay group has not consumed yet, counted from the first ever dead-lettered. */
export interface DeadLetterBacklog {
  readonly topic: string;
  readonly undrained: number;
  /** Of those, letters the broker deleted (retention) before a replay read them: records never written. */
  readonly expired?: number;
}

export interface MigrationInputs {
  readonly kafkaReachable: boolean;
  /** `ks.table` of every configured topic; when empty, the tables the jobs name. */
  readonly tables: readonly string[];
  /** One per destination; empty when no topic is configured. */
  readonly sinks: readonly SinkObservation[];
  /** Undefined when Kafka could not say. */
  readonly deadLetters: readonly DeadLetterBacklog[] | undefined;
  /** Undefined when the jobs' progress logs could not be read. */
  readonly backfill: readonly BackfillJobStatus[] | undefined;
  readonly validation: readonly ValidationJobStatus[] | undefined;
}

export interface MigrationAssessment {
  readonly phase: MigrationPhase;
  readonly gates: readonly Gate[];
  /** Every gate passes: safe to cut over. */
  readonly ready: boolean;
}

/**
 * The phase and the cutover gates. A gate fails when its answer is unknown: cutting over on a
 * guess is what the gates are there to prevent.
 *
 * @example
 *   const { phase, gates, ready } = assessMigration({ kafkaReachable: true, tables: ['ks.t'], sinks, deadLetters: [], backfill, validation });
 */
export function assessMigration(inputs: MigrationInputs): MigrationAssessment {
  const tables = tablesOf(inputs);
  const gates: Gate[] = [sinksGate(inputs), backfillGate(inputs, tables), validationGate(inputs, tables), deadLettersGate(inputs)];
  const ready = gates.every((g) => g.pass);
  return { phase: phaseOf(inputs, tables, ready), gates, ready };
}

function tablesOf(inputs: MigrationInputs): string[] {
  if (inputs.tables.length > 0) return [...new Set(inputs.tables)];
  return [...new Set([...(inputs.backfill ?? []), ...(inputs.validation ?? [])].map((j) => j.table).filter(Boolean))].sort();
}

function phaseOf(inputs: MigrationInputs, tables: readonly string[], ready: boolean): MigrationPhase {
  const { backfill, validation } = inputs;
  if (!inputs.kafkaReachable || !backfill || !validation) return 'unknown';
  if (ready) return 'ready-to-cut-over';
  const backfills = tables.map((t) => latestBackfill(backfill, t));
  if (tables.length > 0 && backfills.every((b) => b?.complete)) return 'validating';
  if (backfills.some(Boolean)) return 'backfilling';
  const consumed = inputs.sinks.some((s) => (s.committed ?? 0) > 0);
  return consumed || validation.length > 0 ? 'dual-writing' : 'not-started';
}

/** The most recently planned backfill of `table`: an older, finished job says nothing about a newer one. */
export function latestBackfill(jobs: readonly BackfillJobStatus[], table: string): BackfillJobStatus | undefined {
  return jobs.filter((j) => j.table === table).reduce<BackfillJobStatus | undefined>((latest, j) => (!latest || j.plannedAtMs > latest.plannedAtMs ? j : latest), undefined);
}

/** The validation of `table` that finished last. */
export function latestValidationResult(jobs: readonly ValidationJobStatus[], table: string): ValidationJobStatus | undefined {
  return jobs
    .filter((j) => j.table === table && j.result)
    .reduce<ValidationJobStatus | undefined>((latest, j) => (!latest || j.result!.finishedAtMs > latest.result!.finishedAtMs ? j : latest), undefined);
}

const gate = (id: GateId, pass: boolean, reason: string): Gate => ({ id, name: gateNames[id], pass, reason });
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function sinksGate(inputs: MigrationInputs): Gate {
  if (inputs.sinks.length === 0) return gate('sinks-caught-up', false, 'no topics configured, so no sinks to watch');
  const parts = inputs.sinks.map((s) => (s.lag === undefined ? `${s.destination} lag unknown` : `${s.destination} ${s.lag} behind`));
  const pass = inputs.sinks.every((s) => s.lag === 0);
  return gate('sinks-caught-up', pass, inputs.kafkaReachable ? parts.join(', ') : 'unknown: Kafka unreachable');
}

const unknownJobs = (inputs: MigrationInputs) => (inputs.kafkaReachable ? 'unknown: the jobs\' progress logs could not be read' : 'unknown: Kafka unreachable');

function backfillGate(inputs: MigrationInputs, tables: readonly string[]): Gate {
  const jobs = inputs.backfill;
  if (!inputs.kafkaReachable || !jobs) return gate('backfill-complete', false, unknownJobs(inputs));
  if (tables.length === 0) return gate('backfill-complete', false, 'no tables configured and no backfill jobs');
  const verdicts = tables.map((table) => {
    const job = latestBackfill(jobs, table);
    if (!job) return { pass: false, reason: `${table}: no backfill job` };
    const ranges = `${job.rangesDone}/${job.rangesTotal} ranges`;
    if (!job.complete) return { pass: false, reason: `${table}: ${ranges} (job ${job.job})` };
    if (job.rowsRejected > 0) return { pass: false, reason: `${table}: ${plural(job.rowsRejected, 'row')} refused by the target (job ${job.job})` };
    return { pass: true, reason: `${table}: complete, ${ranges}, ${plural(job.rowsWritten, 'row')} (job ${job.job})` };
  });
  return gate('backfill-complete', verdicts.every((v) => v.pass), verdicts.map((v) => v.reason).join('; '));
}

function validationGate(inputs: MigrationInputs, tables: readonly string[]): Gate {
  const jobs = inputs.validation;
  const backfills = inputs.backfill;
  if (!inputs.kafkaReachable || !jobs || !backfills) return gate('validation-clean', false, unknownJobs(inputs));
  if (tables.length === 0) return gate('validation-clean', false, 'no tables configured and no validation jobs');
  const verdicts = tables.map((table) => {
    const latest = latestValidationResult(jobs, table);
    const running = jobs.find((j) => j.table === table && !j.result);
    const runningNote = running ? `; job ${running.job} running, ${running.rangesDone}/${running.rangesTotal} ranges` : '';
    if (!latest) return { pass: false, reason: `${table}: no finished validation${runningNote}` };
    if (!latest.result!.clean) {
      const { differences: d, remaining, unsettled } = latest.result!;
      const notJudged = unsettled ?  `, ${plural(unsettled, 'row')} unsettled (the sinks were behind)` : '';
      return { pass: false, reason: `${table}: ${d.missing} missing, ${d.extra} extra, ${d.mismatched} mismatched, ${remaining} remaining${notJudged} (job ${latest.job})${runningNote}` };
    }
    let job = latest;
    if (latest.samplePercent !== undefined) {
      // A clean sample is a spot check, not proof: the gate rests on the last validation of every range.
      const sampled = `clean on a ${latest.samplePercent}% sample of the ranges (job ${latest.job})`;
      const whole = latestValidationResult(jobs.filter((j) => j.samplePercent === undefined), table);
      if (!whole) return { pass: false, reason: `${table}: ${sampled}, but no validation of every range: validate without --sample${runningNote}` };
      if (!whole.result!.clean) return { pass: false, reason: `${table}: ${sampled}, but the last validation of every range (job ${whole.job}) was not clean: validate again${runningNote}` };
      job = whole;
    }
    const result = job.result!;
    const backfill = latestBackfill(backfills, table);
    if (backfill?.completedAtMs === undefined) return { pass: false, reason: `${table}: clean, but no completed backfill before it (job ${job.job})` };
    if (result.finishedAtMs < backfill.completedAtMs) {
      return { pass: false, reason: `${table}: clean, but finished before the backfill ${backfill.job} completed: validate again${runningNote}` };
    }
    return { pass: true, reason: `${table}: clean, ${plural(result.rowsCompared, 'row')} compared (job ${job.job})` };
  });
  return gate('validation-clean', verdicts.every((v) => v.pass), verdicts.map((v) => v.reason).join('; '));
}

function deadLettersGate(inputs: MigrationInputs): Gate {
  if (!inputs.kafkaReachable) return gate('dead-letters-drained', false, 'unknown: Kafka unreachable');
  if (!inputs.deadLetters) return gate('dead-letters-drained', false, 'unknown: the dead-letter topics could not be read');
  const waiting = inputs.deadLetters.filter((d) => d.undrained > 0);
  if (waiting.length === 0) return gate('dead-letters-drained', true, 'none waiting');
  return gate('dead-letters-drained', false, waiting.map(describeBacklog).join(', '));
}

function describeBacklog(d: DeadLetterBacklog): string {
  const expired = d.expired ?? 0;
  if (expired === 0) return `${d.topic}: ${plural(d.undrained, 'record')} not replayed`;
  return (
    `${d.topic}: ${plural(d.undrained, 'record')} not replayed, ${expired} of them deleted by the broker before a replay read them ` +
    `(never written: repair their tables with tandem validate --repair, then tandem dlq replay --skip-expired)`
  );
}
