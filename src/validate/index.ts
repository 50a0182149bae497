export type { ScannedRow } from './scanned-row.js';
export { primaryKeyOf, partitionKeyValues, isStaticOnlyRow } from './scanned-row.js';
export { compareCqlValues, compareRowKeys, comparePartitions, compareClustering } from './cql-order.js';
export { partitionKeyBytes, cqlValueBytes } from './partition-key-bytes.js';
export { diffRow, compareModes, type CompareMode, type ColumnDifference, type RowDiffOptions } from './row-diff.js';
export {
  mergeCompare,
  ScanOrderError,
  type RowDifference,
  type MergeTotals,
  type MergeCompareOptions,
} from './merge-compare.js';
export { formatPrimaryKey, formatCqlValue } from './format-primary-key.js';
export { runValidation, newValidationJobName, type ValidateOptions, type ValidateProgress } from './validate-run.js';
export type { SourceWinsExample, ValidationReport } from './validation-report.js';
export type { DifferenceExample, DifferenceKind, DifferenceCounts, RangeComparison, ValidationPlan, ValidationResult } from './validation-records.js';
