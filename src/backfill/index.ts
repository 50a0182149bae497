export { groupRows, type GroupableRow, type RowGroupLimits } from './row-groups.js';
export { runBackfill, backfillJobName, type BackfillOptions, type BackfillProgress, type BackfillSummary } from './backfill-job.js';
export type { JobPlan, RangeDone } from './backfill-records.js';
