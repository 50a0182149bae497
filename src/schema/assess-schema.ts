import { severities, type Finding } from './finding.js';
import { keyspaceFindings, migrationFindings } from './keyspaces-rules.js';
import { sampleKey } from './sample-key.js';
import { sampleFindings } from './sample-rules.js';
import type { ClusterSchema } from './schema-model.js';
import { columnTypeFindings, counterFinding, keyspacesTableFindings, udtTypeFindings, unreadableTableFinding } from './table-rules.js';
import type { TableSample } from './table-sampler.js';
import type { TargetDescription } from './type-support.js';

export interface AssessmentInput {
  readonly source: ClusterSchema;
  readonly target: TargetDescription;
  /** Samples by `sampleKey(keyspace, table)`; tables without one are judged by their definition alone. */
  readonly samples?: ReadonlyMap<string, TableSample>;
}

/**
 * Lists what blocks or changes moving the source's keyspaces to the target, each finding with its
 * fix. For Amazon Keyspaces: every functional difference that shows in a schema or a data sample.
 * For a Cassandra target: only what its release cannot hold. Counter tables are reported for both,
 * since Tandem's pipeline cannot carry them. Pure: no I/O.
 *
 * @example
 *   const findings = assessSchema({ source, target: { profile: 'keyspaces' }, samples });
 *   findings.filter((f) => f.severity === 'blocker');
 */
export function assessSchema(input: AssessmentInput): Finding[] {
  const keyspaces = input.target.profile === 'keyspaces';
  const findings: Finding[] = keyspaces ? migrationFindings(input.source) : [];
  for (const keyspace of input.source.keyspaces) {
    const own: Finding[] = keyspaces ? keyspaceFindings(keyspace) : [];
    own.push(...udtTypeFindings(keyspace, input.target));
    for (const table of keyspace.tables) {
      own.push(...columnTypeFindings(table, input.target));
      const counter = counterFinding(table);
      if (counter) own.push(counter);
      if (!keyspaces) continue;
      const sample = input.samples?.get(sampleKey(keyspace.name, table.schema.table));
      own.push(...keyspacesTableFindings(table, (sample?.rowsWithTtl ?? 0) > 0));
      if (sample) own.push(...sampleFindings(table, sample));
    }
    own.push(...keyspace.unreadableTables.map(unreadableTableFinding));
    // Stable sort: within a keyspace, blockers first, then changes, then notes, each in schema order.
    findings.push(...own.sort((a, b) => severities.indexOf(a.severity) - severities.indexOf(b.severity)));
  }
  return findings;
}
