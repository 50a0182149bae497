export {
  cellWrites,
  columnsBelowFloor,
  describeFloorConflicts,
  floorConflicts,
  keyspacesTimestampFloorUs,
  type CellWrite,
  type CellWriteOptions,
  type FloorConflict,
  type SourceRow,
  type TargetCells,
  type Ttls,
  type WriteTimes,
} from './cell-writes.js';
export { Aborted, batchesOf, CellWriter, type CellWriterOptions, type RowRejection, type RowWrites } from './cell-writer.js';
export {
  deleteListElementCql,
  extraCopyIndexes,
  heldListCql,
  holdsExtraCopies,
  listAlreadyWritten,
  listKeyColumns,
  listWriteTimesCql,
  listWriteTimesOf,
  ListWriteTimesReader,
  nonFrozenLists,
  rowIdentity,
  warnExtraListCopiesKept,
  warnListGuardUnavailable,
  writesListElements,
  type HeldList,
  type ListWrite,
  type ListWriteTimes,
} from './list-write-times.js';
export { cellColumns, partitionIdentity, rowFromValues, scanCql, scanWidth } from './scan-query.js';
export { readCells, type Assignment, type Cell } from './source-cells.js';
export { TargetCellReader } from './target-cell-reader.js';
