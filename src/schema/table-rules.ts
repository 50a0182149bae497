import { formatCqlType, parseCqlType } from '../cql/index.js';
import type { Finding } from './finding.js';
import { keyspacesDocs, keyspacesLimits, keyspacesNamePattern, keyspacesNameRule } from '../cql/index.js';
import { qualifiedName, type KeyspaceSchema, type TableDefinition, type UnreadableTable } from './schema-model.js';
import { tunedOptions } from './tuned-options.js';
import { nestingDepth, unsupportedTypeReason, type TargetDescription } from './type-support.js';

/** A counter table cannot go through Tandem whatever the target: its updates are not idempotent. */
export function counterFinding(table: TableDefinition): Finding | undefined {
  if (!table.schema.isCounterTable) return undefined;
  return {
    severity: 'blocker',
    rule: 'counter-table',
    keyspace: table.schema.keyspace,
    object: `table ${qualifiedName(table.schema.keyspace, table.schema.table)}`,
    message:
      "Counter table: Tandem's dual writes cannot replay counter updates idempotently (counters take no USING TIMESTAMP) and backfill " +
      'cannot copy counts with their write time, so this migration method would double or lose increments. ' +
      'tandem schema creates the table but nothing fills it',
    fix:
      'Migrate it separately (stop its writers, copy the final counts with UPDATE ... SET c = c + n, switch them over), ' +
      'or redesign it as a table of increments summed on read',
  };
}

/**
 * A table whose definition Tandem cannot model, whatever the target: `tandem schema` skips it. The
 * usual one is a Cassandra 3.x COMPACT STORAGE table, whose hidden value column has type `empty`.
 */
export function unreadableTableFinding(table: UnreadableTable): Finding {
  const compact = /\bempty\b/.test(table.reason);
  return {
    severity: 'blocker',
    rule: 'unreadable-table',
    keyspace: table.keyspace,
    object: `table ${qualifiedName(table.keyspace, table.name)}`,
    message: `Tandem cannot read its definition (${table.reason}): tandem schema skips it and nothing fills it`,
    fix: compact
      ? 'It looks like a COMPACT STORAGE table, which Amazon Keyspaces and Cassandra 4.0+ do not have: run ALTER TABLE ... DROP COMPACT STORAGE ' +
        'on the source (Cassandra 3.0.16+ or 3.11.2+), check the application still reads it, then run tandem assess again'
      : 'Create the table on the target by hand with types the target has, and migrate its data outside Tandem',
    ...(compact ? { source: keyspacesDocs.supportedApis } : {}),
  };
}

const typeFix = (target: TargetDescription) =>
  target.profile === 'keyspaces'
    ? 'Store the value in a supported type (a frozen<list<float>> or a blob for a vector)'
    : 'Upgrade the target, or store the value in a type it has';

/** UDT fields of types the target lacks (Keyspaces: vector; an older Cassandra: what came after it). */
export function udtTypeFindings(keyspace: KeyspaceSchema, target: TargetDescription): Finding[] {
  const definitions = new Map(keyspace.types.map((t) => [t.name, t.fields]));
  return keyspace.types.flatMap((udt) =>
    udt.fields.flatMap((field): Finding[] => {
      const reason = unsupportedTypeReason(parseCqlType(field.type, keyspace.name, definitions), target);
      if (!reason) return [];
      const object = `type ${qualifiedName(keyspace.name, udt.name)}`;
      const message = `Field ${field.name} ${field.type}: ${reason}`;
      return [{ severity: 'blocker', rule: 'unsupported-type', keyspace: keyspace.name, object, message, fix: typeFix(target) }];
    }),
  );
}

/** Columns of types the target lacks. */
export function columnTypeFindings(table: TableDefinition, target: TargetDescription): Finding[] {
  const { keyspace, table: name } = table.schema;
  return table.schema.columns.flatMap((column): Finding[] => {
    const reason = unsupportedTypeReason(column.type, target);
    if (!reason) return [];
    const object = `table ${qualifiedName(keyspace, name)}`;
    const message = `Column ${column.name} ${formatCqlType(column.type)}: ${reason}`;
    return [{ severity: 'blocker', rule: 'unsupported-type', keyspace, object, message, fix: typeFix(target) }];
  });
}

/** What a table's definition meets on Amazon Keyspaces; `usesTtl` says whether its data was seen carrying TTLs. */
export function keyspacesTableFindings(table: TableDefinition, usesTtl: boolean): Finding[] {
  const { schema, options } = table;
  const keyspace = schema.keyspace;
  const object = `table ${qualifiedName(keyspace, schema.table)}`;
  const findings: Finding[] = [];
  const add = (finding: Omit<Finding, 'keyspace' | 'object'>) => findings.push({ keyspace, object, ...finding });
  if (!keyspacesNamePattern.test(schema.table)) {
    add({
      severity: 'blocker',
      rule: 'table-name',
      message: `Amazon Keyspaces table names are ${keyspacesNameRule}`,
      fix: 'Rename the table on the source, or create it on the target by hand under a valid name and map its topic there',
      source: keyspacesDocs.createKeyspaceApi,
    });
  }
  const deep = schema.columns.filter((c) => nestingDepth(c.type) > keyspacesLimits.maxFrozenNesting);
  if (deep.length > 0) {
    add({
      severity: 'blocker',
      rule: 'frozen-nesting',
      message: `Columns ${deep.map((c) => c.name).join(', ')} nest collections deeper than Keyspaces' ${keyspacesLimits.maxFrozenNesting} levels`,
      fix: 'Flatten the type, or store the nested value as text (JSON) or a blob',
      source: keyspacesDocs.quotas,
    });
  }
  const tuned = tunedOptions(options);
  if (tuned.length > 0) {
    add({
      severity: 'change',
      rule: 'table-options',
      message: `Tuning options are dropped, Keyspaces manages storage itself and ignores them: ${tuned.join('; ')}`,
      fix: 'None needed; Keyspaces removes tombstones and compacts on its own (plan capacity mode and throughput instead)',
      source: keyspacesDocs.functionalDifferences,
    });
  }
  const statics = schema.columns.filter((c) => c.kind === 'static');
  if (statics.length > 0) {
    add({
      severity: 'note',
      rule: 'static-columns',
      message:
        `${statics.length === 1 ? 'Static column' : 'Static columns'} ${statics.map((c) => c.name).join(', ')}: supported; static data is limited ` +
        'to 1 MB per partition, does not count toward the 1 MB row size, and is metered separately',
      fix: 'None needed; keep each partition\'s static data under 1 MB',
      source: keyspacesDocs.quotas,
    });
  }
  if (options.defaultTimeToLive > 0 && !schema.isCounterTable) {
    add({
      severity: 'change',
      rule: 'default-ttl',
      message:
        `default_time_to_live ${options.defaultTimeToLive} s: the table is created with TTL enabled ` +
        "('ttl' custom property, which cannot be turned off) and the same default",
      fix: 'None needed',
      source: keyspacesDocs.ttl,
    });
  }
  const written = schema.columns.filter((c) => c.kind === 'regular' || c.kind === 'static').length;
  const ttl = usesTtl || options.defaultTimeToLive > 0;
  const limit = ttl ? keyspacesLimits.maxColumnsPerWriteWithTtl : keyspacesLimits.maxColumnsPerWrite;
  if (written > limit) {
    add({
      severity: 'blocker',
      rule: 'column-count',
      message:
        `${written} non-key columns: a Keyspaces INSERT or UPDATE sets at most ${limit} regular columns` +
        `${ttl ? ' when TTL is enabled' : ''}, so a full row cannot be written in one statement`,
      fix: 'Split the table, or move rarely used columns into a map or a second table',
      source: keyspacesDocs.quotas,
    });
  }
  return findings;
}
