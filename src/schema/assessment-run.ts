import type cassandra from 'cassandra-driver';
import type { TargetProfile } from '../config/index.js';
import { assessSchema } from './assess-schema.js';
import { summarizeFindings, type Finding, type FindingSummary } from './finding.js';
import { selectKeyspaces } from './keyspace-selection.js';
import { listKeyspaces, readClusterSchema } from './schema-reader.js';
import { sampleTables, type TableSample } from './table-sampler.js';
import type { TargetDescription } from './type-support.js';

export interface AssessOptions {
  readonly source: cassandra.Client;
  /** Needed for a `cassandra` target only: its release decides which types it has. */
  readonly target?: cassandra.Client;
  readonly profile: TargetProfile;
  readonly keyspaces?: readonly string[];
  /** Rows read per table for sizes and TTL use (Keyspaces targets only); 0 reads none. */
  readonly sampleRows: number;
}

export interface AssessmentReport {
  readonly profile: TargetProfile;
  readonly source: { readonly releaseVersion: string };
  readonly target?: { readonly releaseVersion: string };
  readonly keyspaces: readonly string[];
  /** Source keyspaces left out because none was named: system, DSE and OpsCenter ones. */
  readonly excludedKeyspaces: readonly string[];
  readonly tables: number;
  readonly sampledRows: number;
  readonly findings: readonly Finding[];
  readonly summary: FindingSummary;
}

/**
 * Reads the source schema (and a sample of each table's rows when the target is Amazon Keyspaces)
 * and assesses it for the target.
 *
 * @example
 *   const report = await runAssessment({ source, profile: 'keyspaces', keyspaces: ['shop'], sampleRows: 300 });
 *   report.summary.blocker;
 */
export async function runAssessment(options: AssessOptions): Promise<AssessmentReport> {
  const selection = selectKeyspaces(await listKeyspaces(options.source), options.keyspaces);
  const source = await readClusterSchema(options.source, { keyspaces: selection.keyspaces });
  let target: TargetDescription = { profile: 'keyspaces' };
  let targetVersion: string | undefined;
  if (options.profile === 'cassandra') {
    if (!options.target) throw new Error('runAssessment: a cassandra target needs its client');
    const row = (await options.target.execute('SELECT release_version FROM system.local', [], { prepare: true })).first();
    targetVersion = String(row?.get('release_version') ?? '');
    target = { profile: 'cassandra', releaseVersion: targetVersion };
  }
  const samples: ReadonlyMap<string, TableSample> =
    target.profile === 'keyspaces' && options.sampleRows > 0 ? await sampleTables(options.source, source, options.sampleRows) : new Map();
  const findings = assessSchema({ source, target, samples });
  return {
    profile: options.profile,
    source: { releaseVersion: source.releaseVersion },
    ...(targetVersion === undefined ? {} : { target: { releaseVersion: targetVersion } }),
    keyspaces: selection.keyspaces,
    excludedKeyspaces: selection.excluded,
    tables: source.keyspaces.reduce((n, k) => n + k.tables.length + k.unreadableTables.length, 0),
    sampledRows: [...samples.values()].reduce((n, s) => n + s.rows, 0),
    findings,
    summary: summarizeFindings(findings),
  };
}
