import type cassandra from 'cassandra-driver';
import type { TargetProfile } from '../config/index.js';
import { ConfigError } from '../errors.js';
import type { CqlDialect } from './cql-renderer.js';
import type { DdlWaitOptions } from './ddl-waiter.js';
import { selectKeyspaces } from './keyspace-selection.js';
import { sampleKey } from './sample-key.js';
import { applyPlan } from './schema-applier.js';
import type { ClusterSchema, TableDefinition } from './schema-model.js';
import { planKeyspace, type PlanItem } from './schema-plan.js';
import { listKeyspaces, readClusterSchema } from './schema-reader.js';
import { sampleTables, type TableSample } from './table-sampler.js';
import { translateKeyspace } from './translate-keyspace.js';
import type { TargetDescription } from './type-support.js';

export interface CopySchemaOptions {
  readonly source: cassandra.Client;
  readonly target: cassandra.Client;
  /** The target's configured profile: how it is read and waited on. */
  readonly targetProfile: TargetProfile;
  /** The profile the CQL is written for; another than the target's only to preview it in a dry run. */
  readonly dialectProfile?: TargetProfile;
  readonly keyspaces?: readonly string[];
  readonly dryRun: boolean;
  /** Keyspaces only: rows read per table to see whether its data carries TTLs; 0 reads none (TTL is then enabled everywhere). */
  readonly sampleRows: number;
  /** Tables (by `sampleKey`) known to be written with TTLs, e.g. from the config's topics. */
  readonly ttlTables?: ReadonlySet<string>;
  readonly wait?: Omit<DdlWaitOptions, 'profile'>;
  /** Called with the whole plan before anything is created (not in a dry run), so it is known even if a CREATE fails. */
  readonly onPlan?: (items: readonly SchemaItemResult[]) => void;
  /** Called as each object has been created. */
  readonly onItem?: (item: SchemaItemResult) => void;
}

export const resultStatuses = ['created', 'planned', 'unchanged', 'conflict', 'skipped'] as const;
export type ResultStatus = (typeof resultStatuses)[number];

export interface SchemaItemResult extends Omit<PlanItem, 'status'> {
  readonly status: ResultStatus;
}

export interface SchemaReport {
  readonly profile: TargetProfile;
  readonly dryRun: boolean;
  /** Source keyspaces left out because none was named: system, DSE and OpsCenter ones. */
  readonly excludedKeyspaces: readonly string[];
  readonly items: readonly SchemaItemResult[];
  readonly summary: Readonly<Record<ResultStatus, number>>;
}

/**
 * Creates on the target each selected source keyspace, its types and its tables, translated for the
 * profile, leaving what already exists identical alone and reporting what differs as a conflict.
 * With `dryRun`, nothing but SELECTs is executed and the items carry the CQL that would run. CQL for
 * another profile than the target's can only be a dry run.
 *
 * @example
 *   const report = await copySchema({ source, target, targetProfile: 'keyspaces', keyspaces: ['shop'], dryRun: false, sampleRows: 300 });
 *   report.items.filter((i) => i.status === 'conflict');
 */
export async function copySchema(options: CopySchemaOptions): Promise<SchemaReport> {
  const profile = options.dialectProfile ?? options.targetProfile;
  if (profile !== options.targetProfile && !options.dryRun) {
    throw new ConfigError(`CQL for the ${profile} profile can only be printed (a dry run): the target's profile is ${options.targetProfile}`, {
      hint: `Add --dry-run, or leave --profile out to create the schema for the ${options.targetProfile} target`,
    });
  }
  const selection = selectKeyspaces(await listKeyspaces(options.source), options.keyspaces);
  const keyspaces = selection.keyspaces;
  const source = await readClusterSchema(options.source, { keyspaces });
  const existing = await readClusterSchema(options.target, { keyspaces, detail: 'definitions', flavor: options.targetProfile });
  const description: TargetDescription = profile === 'keyspaces' ? { profile } : { profile, releaseVersion: existing.releaseVersion };
  const dialect: CqlDialect =
    profile === 'keyspaces' ? { profile } : { profile, dataCenter: existing.dataCenter, replicationFactor: Math.min(3, existing.nodesInDataCenter) };
  const ttl = profile === 'keyspaces' ? await tablesWithTtl(options, source) : { tables: new Set<string>(), notes: new Map<string, string>() };

  const plan = source.keyspaces.flatMap((keyspace) => {
    const names = new Set(keyspace.tables.map((t) => t.schema.table).filter((table) => ttl.tables.has(sampleKey(keyspace.name, table))));
    const target = translateKeyspace(keyspace, { target: description, ttlTables: names });
    return planKeyspace(target, existing.keyspaces.find((k) => k.name === keyspace.name), dialect).map((item) => withTtlNote(item, ttl.notes));
  });
  const result = (item: PlanItem, created: boolean): SchemaItemResult => ({
    ...item,
    status: item.status === 'create' ? (created ? 'created' : 'planned') : item.status,
  });
  if (!options.dryRun) {
    options.onPlan?.(plan.map((item) => result(item, false)));
    await applyPlan(options.target, plan, { ...options.wait, profile: options.targetProfile, onItem: (item) => options.onItem?.(result(item, true)) });
  }

  const items = plan.map((item) => result(item, !options.dryRun));
  const summary = Object.fromEntries(resultStatuses.map((s) => [s, items.filter((i) => i.status === s).length])) as Record<ResultStatus, number>;
  return { profile, dryRun: options.dryRun, excludedKeyspaces: selection.excluded, items, summary };
}

interface TtlTables {
  /** By `sampleKey`: tables created with TTL enabled. */
  readonly tables: Set<string>;
  /** By `sampleKey`: why TTL is enabled where that was a guess, for the output. */
  readonly notes: Map<string, string>;
}

/**
 * Tables whose data uses TTL: named by the caller, or seen in a sample of their rows. Where TTL use
 * cannot be checked (no sample, a failed one, no column whose TTL can be read), TTL is enabled all
 * the same: enabling it costs nothing, while a table without it refuses every `USING TTL` write.
 */
async function tablesWithTtl(options: CopySchemaOptions, source: ClusterSchema): Promise<TtlTables> {
  const tables = new Set(options.ttlTables ?? []);
  const notes = new Map<string, string>();
  const keyOf = (table: TableDefinition) => sampleKey(table.schema.keyspace, table.schema.table);
  // A default TTL already enables TTL; counters take none.
  const unknown = (table: TableDefinition) => !tables.has(keyOf(table)) && !table.schema.isCounterTable && table.options.defaultTimeToLive === 0;
  const samples: ReadonlyMap<string, TableSample> = options.sampleRows > 0 ? await sampleTables(options.source, source, options.sampleRows, unknown) : new Map();
  for (const table of source.keyspaces.flatMap((k) => k.tables).filter(unknown)) {
    const key = keyOf(table);
    const note = uncheckedTtlNote(samples.get(key));
    if (note) notes.set(key, note);
    if (note || (samples.get(key)?.rowsWithTtl ?? 0) > 0) tables.add(key);
  }
  return { tables, notes };
}

/** Why TTL use could not be checked from a sample, or undefined when it was. */
function uncheckedTtlNote(sample: TableSample | undefined): string | undefined {
  const why = !sample
    ? 'no rows were sampled'
    : sample.error
      ? `its rows could not be sampled: ${sample.error}`
      : sample.rowsWithTtl === undefined
        ? 'no column of it shows a TTL to a sample, only key columns and non-frozen collections'
        : undefined;
  return why && `TTL use is unknown (${why}), so it needs TTL enabled in case`;
}

/** Adds the TTL note to a table that is created, or that conflicts because it lacks TTL. */
function withTtlNote(item: PlanItem, notes: ReadonlyMap<string, string>): PlanItem {
  const note = item.kind === 'table' ? notes.get(sampleKey(item.keyspace, item.name)) : undefined;
  const concerned = item.status === 'create' || (item.status === 'conflict' && item.details?.some((d) => d.startsWith('ttl is not enabled')));
  return note && concerned ? { ...item, details: [...(item.details ?? []), note] } : item;
}
