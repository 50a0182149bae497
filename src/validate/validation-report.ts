import type { CompareMode } from './row-diff.js';
import {
  type DifferenceCounts,
  type DifferenceExample,
  type DifferenceKind,
  noDifferences,
  type RangeComparison,
  type ValidationPlan,
} from './validation-records.js';

export interface ValidationReport {
  readonly job: string;
  readonly table: string;
  readonly compare: CompareMode;
  readonly rangesTotal: number;
  readonly rangesCompared: number;
  readonly sourceRows: number;
  readonly targetRows: number;
  readonly matched: number;
  /** Differences still there when read again; rows that changed meanwhile are not counted. */
  readonly differences: Readonly<Record<DifferenceKind, number>>;
  /** What is left after repair: the differences less the rows repair fixed (equal to them without --repair). */
  readonly remaining: Readonly<Record<DifferenceKind, number>>;
  /** Rows that differed in the scan but matched when read again (the sinks wrote them meanwhile). */
  readonly changedWhileCompared: number;
  /**
   * Rows that still differed while the sinks had not written what Kafka held when the difference
   * was seen: not judged, not reported as differences, never repaired (see SinkProgressWatch).
   */
  readonly unsettled: number;
  readonly unsettledExamples: readonly DifferenceExample[];
  readonly examples: readonly DifferenceExample[];
  readonly repair?: {
    readonly attempted: number;
    readonly fixed: number;
    readonly notFixed: readonly DifferenceExample[];
    /** Rows written with --source-wins, each with the timestamp used (the first few; all are counted in sourceWon); present with that option. */
    readonly sourceWins?: readonly SourceWinsExample[];
    readonly sourceWon?: number;
  };
  readonly seconds: number;
  /** Rows this process compared per second. */
  readonly rowsPerSecond: number;
  /** What this process compared (a job shared by workers splits the work). */
  readonly thisProcess: { readonly ranges: number; readonly rowsCompared: number };
  /** No row differs (after repair, when repairing) and none was left unsettled. */
  readonly clean: boolean;
}

/** A row written by --source-wins: its key and the timestamp (µs) every cell of it now carries on the target. */
export interface SourceWinsExample {
  readonly kind: DifferenceKind;
  readonly key: string;
  readonly timestampUs: string;
}


export function sumOf<T>(items: Iterable<T>, of: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += of(item);
  return total;
}

function addCounts(into: Record<DifferenceKind, number>, counts: DifferenceCounts): void {
  for (const kind of Object.keys(into) as DifferenceKind[]) into[kind] += counts[kind];
}

/** The job's report from every range's done record, whoever compared it. */
export function assembleReport(
  job: string,
  plan: ValidationPlan,
  done: readonly RangeComparison[],
  maxExamples: number,
  began: number,
  local: { ranges: number; rows: number },
): ValidationReport {
  const ordered = [...done].sort((a, b) => a.index - b.index);
  const differences = noDifferences();
  const fixed = noDifferences();
  for (const d of ordered) {
    addCounts(differences, d.differences);
    addCounts(fixed, d.fixed);
  }
  const remaining = { missing: differences.missing - fixed.missing, extra: differences.extra - fixed.extra, mismatched: differences.mismatched - fixed.mismatched };
  const seconds = (Date.now() - began) / 1000;
  const sourceRows = sumOf(ordered, (d) => d.sourceRows);
  const targetRows = sumOf(ordered, (d) => d.targetRows);
  const repairs = plan.repair || plan.repairExtra;
  return {
    job,
    table: plan.table,
    compare: plan.compare,
    rangesTotal: plan.ringRanges,
    rangesCompared: ordered.length,
    sourceRows,
    targetRows,
    matched: sumOf(ordered, (d) => d.matched),
    differences,
    remaining,
    changedWhileCompared: sumOf(ordered, (d) => d.changed),
    // Done records written before unsettled rows existed hold none.
    unsettled: sumOf(ordered, (d) => d.unsettled ?? 0),
    unsettledExamples: ordered.flatMap((d) => d.unsettledExamples ?? []).slice(0, maxExamples),
    examples: ordered.flatMap((d) => d.examples).slice(0, maxExamples),
    ...(repairs
      ? {
          repair: {
            attempted: sumOf(ordered, (d) => d.repairAttempted),
            fixed: fixed.missing + fixed.extra + fixed.mismatched,
            notFixed: ordered.flatMap((d) => d.notFixed).slice(0, maxExamples),
            ...(plan.sourceWins ? { sourceWins: ordered.flatMap((d) => d.sourceWins ?? []).slice(0, maxExamples), sourceWon: sumOf(ordered, (d) => d.sourceWon ?? 0) } : {}),
          },
        }
      : {}),
    seconds,
    rowsPerSecond: seconds > 0 ? local.rows / seconds : 0,
    thisProcess: { ranges: local.ranges, rowsCompared: local.rows },
    clean: remaining.missing + remaining.extra + remaining.mismatched === 0 && sumOf(ordered, (d) => d.unsettled ?? 0) === 0,
  };
}
