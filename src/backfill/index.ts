export {
  cellWrites,
  columnsBelowFloor,
  floorConflicts,
  keyspacesTimestampFloorUs,
  type FloorConflict,
  type TargetCells,
  type CellWrite,
  type CellWriteOptions,
  type SourceRow,
  type Ttls,
  type WriteTimes,
} from './cell-writes.js';
export { scanCql, rowFromValues, partitionKeyOf, cellColumns } from './scan-query.js';
export { groupRows, type GroupableRow, type RowGroupLimits } from './row-groups.js';
export { runBackfill, backfillJobName, type BackfillOptions, type BackfillProgress, type BackfillSummary } from './backfill-job.js';
export type { JobPlan, RangeDone } from './backfill-records.js';
