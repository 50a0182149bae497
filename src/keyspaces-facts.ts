/**
 * What Amazon Keyspaces documents about itself and Tandem relies on: the pages the findings cite,
 * the quotas they check, and the names it accepts. Kept in one place so a changed quota or moved
 * page is fixed once.
 */
export const keyspacesDocs = {
  functionalDifferences: 'https://docs.aws.amazon.com/keyspaces/latest/devguide/functional-differences.html',
  supportedApis: 'https://docs.aws.amazon.com/keyspaces/latest/devguide/cassandra-apis.html',
  quotas: 'https://docs.aws.amazon.com/keyspaces/latest/devguide/quotas.html',
  rowSize: 'https://docs.aws.amazon.com/keyspaces/latest/devguide/working-with-rows.html',
  keyspaceDdl: 'https://docs.aws.amazon.com/keyspaces/latest/devguide/cql.ddl.keyspace.html',
  clientSideTimestamps: 'https://docs.aws.amazon.com/keyspaces/latest/devguide/client-side-timestamps.html',
  timestampQueries: 'https://docs.aws.amazon.com/keyspaces/latest/devguide/client-side-timestamps-how-to-queries.html',
  ttl: 'https://docs.aws.amazon.com/keyspaces/latest/devguide/TTL-how-to-enable-custom-new.html',
  createKeyspaceApi: 'https://docs.aws.amazon.com/keyspaces/latest/APIReference/API_CreateKeyspace.html',
} as const;

/** Keyspaces' quotas: https://docs.aws.amazon.com/keyspaces/latest/devguide/quotas.html */
export const keyspacesLimits = {
  maxFrozenNesting: 8,
  maxColumnsPerWrite: 225,
  maxColumnsPerWriteWithTtl: 166,
  maxRowBytes: 1024 * 1024,
  maxStaticBytesPerPartition: 1024 * 1024,
  maxPartitionKeyBytes: 2048,
  maxClusteringBytes: 850,
  keyspacesPerRegion: 256,
  tablesPerRegion: 256,
  /** Statements in one batch. */
  maxStatementsPerBatch: 30,
  /** How far in the past a client timestamp may lie (clientSideTimestamps): 2 days. */
  maxTimestampAgeMs: 2 * 24 * 60 * 60 * 1000,
} as const;

/**
 * Keyspace, table and type names Amazon Keyspaces accepts (CreateKeyspace / CreateTable API):
 * https://docs.aws.amazon.com/keyspaces/latest/APIReference/API_CreateKeyspace.html
 */
export const keyspacesNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_]{0,47}$/;

/** Why a name fails `keyspacesNamePattern`, for findings and skipped objects alike. */
export const keyspacesNameRule = '1 to 48 letters, digits and underscores, starting with a letter or digit';
