export { createCqlClient, namedHost, type CqlClientOptions } from './cql-client.js';
export { SigV4AuthProvider, type AwsCredentials, type AwsCredentialsProvider } from './sigv4-auth.js';
export { quoteIdentifier, quoteString } from './quote.js';
export { positionalSelectors, positionalValues } from './positional-select.js';
export { parseCqlType, formatCqlType, CqlTypeError, nativeTypeNames, type CqlType, type NativeTypeName, type UdtField } from './cql-type.js';
export { buildTableSchema, readTableSchema, columnKinds, type TableSchema, type ColumnSchema, type ColumnKind, type ColumnRow, type TypeRow } from './table-schema.js';
export { connectCluster } from './connect-cluster.js';
export { cqlValueKey, cqlValuesEqual } from './cql-equal.js';
