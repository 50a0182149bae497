import type { Finding } from './finding.js';
import { keyspacesDocs, keyspacesLimits } from '../cql/index.js';
import { qualifiedName, type TableDefinition } from './schema-model.js';
import type { TableSample } from './table-sampler.js';

/** What the sampled rows of a table meet on Amazon Keyspaces: size limits and TTL use. */
export function sampleFindings(table: TableDefinition, sample: TableSample): Finding[] {
  const keyspace = table.schema.keyspace;
  const object = `table ${qualifiedName(keyspace, table.schema.table)}`;
  const findings: Finding[] = [];
  const add = (finding: Omit<Finding, 'keyspace' | 'object'>) => findings.push({ keyspace, object, ...finding });
  const seen = `in ${sample.rows} sampled rows`;
  if (sample.error) {
    add({
      severity: 'note',
      rule: 'sample-failed',
      message: `Its rows could not be sampled (${sample.error}), so row sizes and TTL use are unchecked; tandem schema enables TTL on it in case`,
      fix: 'Grant the source user SELECT on the table, or run tandem assess again when the source is less busy',
    });
  }
  if (sample.maxRowBytes > keyspacesLimits.maxRowBytes) {
    add({
      severity: 'blocker',
      rule: 'row-size',
      message: `A row of ${kib(sample.maxRowBytes)} ${seen}: Keyspaces rows are at most 1 MB`,
      fix: 'Split large values across rows (chunk them under a clustering column) or store them in S3 and keep the reference',
      source: keyspacesDocs.rowSize,
    });
  }
  if (sample.maxPartitionKeyBytes > keyspacesLimits.maxPartitionKeyBytes) {
    add({
      severity: 'blocker',
      rule: 'partition-key-size',
      message: `A partition key of ${sample.maxPartitionKeyBytes} bytes ${seen}: Keyspaces allows 2048`,
      fix: 'Key by a hash or a shorter identifier of the value, and keep the value in a regular column',
      source: keyspacesDocs.rowSize,
    });
  }
  if (sample.maxClusteringBytes > keyspacesLimits.maxClusteringBytes) {
    add({
      severity: 'blocker',
      rule: 'clustering-key-size',
      message: `Clustering columns of ${sample.maxClusteringBytes} bytes ${seen}: Keyspaces allows 850`,
      fix: 'Cluster by a shorter value (a prefix or a hash) and keep the full value in a regular column',
      source: keyspacesDocs.rowSize,
    });
  }
  if (sample.maxStaticBytes > keyspacesLimits.maxStaticBytesPerPartition) {
    add({
      severity: 'blocker',
      rule: 'static-size',
      message: `Static data of ${kib(sample.maxStaticBytes)} in one partition ${seen}: Keyspaces allows 1 MB per partition`,
      fix: 'Move large static values into a table keyed by the partition key',
      source: keyspacesDocs.quotas,
    });
  }
  // A default TTL already enables TTL (and has its own finding).
  if (sample.rowsWithTtl && !table.schema.isCounterTable && table.options.defaultTimeToLive === 0) {
    add({
      severity: 'change',
      rule: 'ttl-in-data',
      message:
        `${sample.rowsWithTtl} of ${sample.rows} sampled rows carry a TTL: ` +
        "the table is created with TTL enabled ('ttl' custom property, which cannot be turned off)",
      fix: 'None needed; backfill copies each cell with its remaining TTL',
      source: keyspacesDocs.ttl,
    });
  }
  return findings;
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KiB`;
}
