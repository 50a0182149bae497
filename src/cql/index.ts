export { createCqlClient, namedHost, nativePort, type ClusterAddress, type CqlClientOptions } from './cql-client.js';
export { SigV4AuthProvider, type AwsCredentials, type AwsCredentialsProvider } from './sigv4-auth.js';
export { quoteIdentifier, quoteString, splitTable } from './quote.js';
export { positionalSelectors, positionalValues } from './positional-select.js';
export { parseCqlType, formatCqlType, isMultiCell, CqlTypeError, nativeTypeNames, type CqlType, type NativeTypeName, type UdtField } from './cql-type.js';
export { buildTableSchema, readTableSchema, columnKinds, type TableSchema, type ColumnSchema, type ColumnKind, type ColumnRow, type TypeRow } from './table-schema.js';
export { connectCluster } from './connect-cluster.js';
export { cqlValueKey, cqlValuesEqual } from './cql-equal.js';
export { TokenRangePlanner, partitionerFromClassName, partitionerNames, type PartitionerName, type TokenRange, type TokenRangeWhere } from './token-range-planner.js';
export { readPartitionerClass, readRingTokens } from './ring-reader.js';
export { classifyCqlError, cqlRetryable, mayBeStaleStatement, replicasDown, retryTransient, type CqlErrorVerdict } from './cql-errors.js';
// Amazon Keyspaces' facts live beside errors.ts: the config schema reads its limits too, and cql/ reads the config.
export { keyspacesDocs, keyspacesLimits, keyspacesNamePattern, keyspacesNameRule } from '../keyspaces-facts.js';
export { estimateValueSize, measureRow, type RowMeasure } from './row-size.js';
export { deletionDataSize, mutationDataSize } from './mutation-size.js';
export { keyIdentity } from './key-identity.js';
export { rangeReadOptions, scanConsistency } from './range-reads.js';
