import type { AssessmentReport, Finding, SchemaItemResult, SchemaReport } from '../schema/index.js';
import { describeItem } from '../schema/index.js';

const profileNames = { keyspaces: 'an Amazon Keyspaces target', cassandra: 'a Cassandra target' } as const;

/**
 * `tandem assess` for a person: findings grouped by keyspace, blockers first, each with its fix,
 * then one summary line.
 */
export function formatAssessment(report: AssessmentReport): string[] {
  const versions = `source Cassandra ${report.source.releaseVersion}${report.target ? `, target Cassandra ${report.target.releaseVersion}` : ''}`;
  const sampled = report.profile === 'keyspaces' ? `; ${report.sampledRows} rows sampled` : '';
  const lines = [`Assessment for ${profileNames[report.profile]}: ${plural(report.keyspaces.length, 'keyspace')}, ${plural(report.tables, 'table')} (${versions}${sampled})`];
  if (report.excludedKeyspaces.length > 0) lines.push(excludedLine(report.excludedKeyspaces));
  let group: string | undefined;
  for (const finding of report.findings) {
    const heading = finding.keyspace ?? 'migration';
    if (heading !== group) {
      lines.push('', heading);
      group = heading;
    }
    lines.push(...formatFinding(finding));
  }
  const { blocker, change, note } = report.summary;
  const verdict = blocker > 0 ? 'Resolve the blockers before migrating the objects they name.' : 'No blockers.';
  lines.push('', `Summary: ${plural(blocker, 'blocker')}, ${plural(change, 'change')}, ${plural(note, 'note')}. ${verdict}`);
  return lines;
}

function formatFinding(finding: Finding): string[] {
  const label = finding.severity === 'blocker' ? 'BLOCKER' : finding.severity;
  const indent = ' '.repeat(11);
  const about = finding.object === 'migration' ? '' : `${finding.object}: `;
  const lines = [`  ${label.padEnd(7)}  ${about}${finding.message}`, `${indent}fix: ${finding.fix}`];
  if (finding.source) lines.push(`${indent}see: ${finding.source}`);
  return lines;
}

/**
 * `tandem schema` for a person: one line per object (created, unchanged, conflict, skipped) and a
 * summary. A dry run is a CQL script: the statements it would run, everything else as comments.
 */
export function formatSchemaReport(report: SchemaReport): string[] {
  const lines: string[] = [];
  const prefix = report.dryRun ? '-- ' : '';
  if (report.dryRun) {
    lines.push(`-- tandem schema --dry-run for the ${report.profile} profile: nothing was run`);
    if (report.profile === 'cassandra') {
      lines.push(
        "-- A Cassandra target takes neither SingleRegionStrategy nor CUSTOM_PROPERTIES: it gets NetworkTopologyStrategy in its data center and",
        '-- no custom properties instead; --profile keyspaces prints the same translation as Amazon Keyspaces CQL',
      );
    }
  }
  if (report.excludedKeyspaces.length > 0) lines.push(`${prefix}${excludedLine(report.excludedKeyspaces)}`);
  if (report.dryRun) {
    for (const item of report.items.filter((i) => i.status === 'planned')) {
      lines.push('');
      // Notes on a statement (why TTL is enabled) stay with it, as comments.
      for (const detail of item.details ?? []) lines.push(`-- ${describeItem(item)}: ${detail}`);
      lines.push(`${item.cql};`);
    }
    lines.push('');
  }
  for (const item of report.items) {
    if (report.dryRun && item.status === 'planned') continue;
    lines.push(`${prefix}${formatSchemaItem(item)}`);
  }
  const s = report.summary;
  const made = report.dryRun ? `${s.planned} to create` : `${s.created} created`;
  lines.push(`${prefix}Summary: ${made}, ${s.unchanged} unchanged, ${plural(s.conflict, 'conflict')}, ${s.skipped} skipped (profile ${report.profile})`);
  return lines;
}

/**
 * What `tandem schema` is about to do, printed before it creates anything: the counts, and each
 * object it will not create (conflicts and skips) with why, so they are known even if a CREATE fails.
 */
export function formatSchemaPlan(items: readonly SchemaItemResult[]): string[] {
  const count = (status: SchemaItemResult['status']) => items.filter((i) => i.status === status).length;
  const lines = [`Plan: ${count('planned')} to create, ${count('unchanged')} unchanged, ${plural(count('conflict'), 'conflict')}, ${count('skipped')} skipped`];
  for (const item of items) if (item.status === 'conflict' || item.status === 'skipped') lines.push(formatSchemaItem(item));
  return lines;
}

/** `created    table shop.orders`, `conflict   table shop.carts: column a is int on the target, text on the source`. */
export function formatSchemaItem(item: SchemaItemResult): string {
  const details = item.details && item.details.length > 0 ? `: ${item.details.join('; ')}` : '';
  return `${item.status.padEnd(9)}  ${describeItem(item)}${details}`;
}

function excludedLine(excluded: readonly string[]): string {
  return `Left out: ${excluded.join(', ')} (system, DSE and OpsCenter keyspaces; name a DSE or OpsCenter keyspace with --keyspace to include it)`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
