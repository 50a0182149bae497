export {
  TokenRangePlanner,
  partitionerFromClassName,
  partitionerNames,
  type PartitionerName,
  type TokenRange,
  type TokenRangeWhere,
} from './token-range-planner.js';
export {
  cellWrites,
  keyspacesTimestampFloorUs,
  type CellWrite,
  type CellWriteOptions,
  type SourceRow,
  type Ttls,
  type WriteTimes,
} from './cell-writes.js';
