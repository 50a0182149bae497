import type { PartitionerName } from '../cql/index.js';
import type { DoneRecord, PlanRecord, ResultRecord } from '../jobs/index.js';
import type { RowDifference } from './merge-compare.js';
import type { CompareMode } from './row-diff.js';

export type DifferenceKind = RowDifference['kind'];
export type DifferenceCounts = Readonly<Record<DifferenceKind, number>>;

export interface DifferenceExample {
  readonly kind: DifferenceKind;
  readonly key: string;
  /** Why repair left it as it is. */
  readonly reason?: string;
  readonly columns: readonly { column: string; kind: 'value' | 'writetime' | 'ttl'; source: string; target: string }[];
}

/**
 * A validation job's plan. What is compared and whether it is repaired are part of the plan, so
 * every worker of the job does the same.
 */
export interface ValidationPlan extends PlanRecord {
  readonly partitioner: PartitionerName;
  readonly compare: CompareMode;
  readonly repair: boolean;
  readonly repairExtra: boolean;
  /** --source-wins (absent in plans made before it existed). */
  readonly sourceWins?: boolean;
  /** Percent of the ring's ranges in the plan (100: all). */
  readonly samplePercent: number;
  /** Ranges of the whole ring before sampling. */
  readonly ringRanges: number;
  /** Write time given by repair to rows with only key columns (ms); null: such rows are reported, not repaired. */
  readonly dualWritesSinceMs: number | null;
}

/** One range compared (and repaired). */
export interface RangeComparison extends DoneRecord {
  readonly sourceRows: number;
  readonly targetRows: number;
  readonly matched: number;
  /** Rows that differed in the scan but matched when read again. */
  readonly changed: number;
  /** Differences still there when read again. */
  readonly differences: DifferenceCounts;
  /** Rows that still differed while the sinks were behind: not judged (absent in records made before it existed). */
  readonly unsettled?: number;
  readonly unsettledExamples?: readonly DifferenceExample[];
  readonly repairAttempted: number;
  /** Differences repair fixed, by kind. */
  readonly fixed: DifferenceCounts;
  /** The first few differences of the range, and the rows repair could not fix. */
  readonly examples: readonly DifferenceExample[];
  readonly notFixed: readonly DifferenceExample[];
  /** Rows --source-wins wrote, with the timestamp used (the first few), and how many. */
  readonly sourceWins?: readonly { readonly kind: DifferenceKind; readonly key: string; readonly timestampUs: string }[];
  readonly sourceWon?: number;
}

/** A finished validation's outcome, published once every range is compared: what `tandem status` reads. */
export interface ValidationResult extends ResultRecord {
  readonly job: string;
  readonly table: string;
  readonly compare: CompareMode;
  readonly finishedAtMs: number;
  readonly rangesCompared: number;
  readonly rowsCompared: number;
  readonly differences: DifferenceCounts;
  /** Left after repair. */
  readonly remaining: DifferenceCounts;
  /** Rows not judged because the sinks were behind; the result is not clean while any are. */
  readonly unsettled?: number;
  readonly clean: boolean;
}

export function noDifferences(): Record<DifferenceKind, number> {
  return { missing: 0, extra: 0, mismatched: 0 };
}
