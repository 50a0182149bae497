import type { DoneRecord, PlanRecord, ResultRecord } from '../jobs/index.js';
import type { RowRejection } from '../cells/index.js';
import type { PartitionerName } from '../cql/index.js';

/** A backfill job's plan: the table, every range to copy, and the write time of key-only rows. */
export interface JobPlan extends PlanRecord {
  readonly partitioner: PartitionerName;
  /** Write time of rows with no live regular cell (see CellWriteOptions.keyOnlyRowTimestampUs), decimal µs. */
  readonly keyOnlyRowTimestampUs: string;
}

/** One copied range. */
export interface RangeDone extends DoneRecord {
  readonly rowsRead: number;
  readonly rowsWritten: number;
  readonly rowsRejected: number;
  /** The first few rows the target refused, with why. */
  readonly rejections: readonly RowRejection[];
}

/** A backfill has no outcome beyond its done ranges. */
export type BackfillResult = ResultRecord;
