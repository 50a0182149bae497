import { formatCqlType, parseCqlType, type CqlType } from '../cql/index.js';
import { renderCreateKeyspace, renderCreateTable, renderCreateType, type CqlDialect } from './cql-renderer.js';
import type { KeyspaceSchema, TableDefinition, UdtSchema } from './schema-model.js';
import type { SkippedKind, TargetKeyspace, TargetTable, TargetType } from './target-model.js';
import { collectUdtNames } from './udt-order.js';

export const planStatuses = ['create', 'unchanged', 'conflict', 'skipped'] as const;
export type PlanStatus = (typeof planStatuses)[number];

export interface PlanItem {
  readonly kind: SkippedKind;
  readonly keyspace: string;
  readonly name: string;
  readonly status: PlanStatus;
  /** The DDL to run, for `create`. */
  readonly cql?: string;
  /** Why it is skipped, or how the target's definition differs, for `skipped` and `conflict`; for a table, also why TTL is enabled where that was a guess. */
  readonly details?: readonly string[];
}

/**
 * Decides per object what `tandem schema` does, by comparing the translation with what the target
 * already has (read from its system_schema): create what is missing, leave what is identical, and
 * report what differs as a conflict, which is never altered or dropped. Pure: no I/O.
 *
 * @example
 *   planKeyspace(translateKeyspace(source, options), existingOnTarget, { profile: 'keyspaces' })
 *   // [{ kind: 'keyspace', name: 'shop', status: 'unchanged' }, { kind: 'table', name: 'orders', status: 'create', cql: 'CREATE TABLE ...' }]
 */
export function planKeyspace(target: TargetKeyspace, existing: KeyspaceSchema | undefined, dialect: CqlDialect): PlanItem[] {
  const keyspace = target.name;
  const skippedKeyspace = target.skipped.find((s) => s.kind === 'keyspace');
  const items: PlanItem[] = [];
  if (skippedKeyspace) {
    items.push({ kind: 'keyspace', keyspace, name: keyspace, status: 'skipped', details: [skippedKeyspace.reason] });
  } else {
    items.push(
      existing
        ? { kind: 'keyspace', keyspace, name: keyspace, status: 'unchanged' }
        : { kind: 'keyspace', keyspace, name: keyspace, status: 'create', cql: renderCreateKeyspace(keyspace, dialect) },
    );
  }
  // Types come in dependency order, so a type's own types are decided before it. A new type or
  // table that uses a type which differs on the target (or is held back for that reason) would bind
  // to the target's definition: it waits for the operator to settle that type.
  const conflicting = new Set<string>();
  const heldBack = new Set<string>();
  for (const type of target.types) {
    const found = existing?.types.find((t) => t.name === type.name);
    const blocked = found ? [] : blockingTypes(type.fields.map((f) => f.type), conflicting, heldBack);
    if (blocked.length > 0) {
      heldBack.add(type.name);
      items.push({ kind: 'type', keyspace, name: type.name, status: 'skipped', details: blocked });
      continue;
    }
    const item = compared('type', keyspace, type.name, found ? typeDifferences(type, found, existing!) : undefined, () => renderCreateType(type));
    if (item.status === 'conflict') conflicting.add(type.name);
    items.push(item);
  }
  for (const table of target.tables) {
    const found = existing?.tables.find((t) => t.schema.table === table.name);
    const unreadable = existing?.unreadableTables.find((t) => t.name === table.name);
    if (unreadable) {
      items.push({ kind: 'table', keyspace, name: table.name, status: 'conflict', details: [`its definition on the target cannot be read: ${unreadable.reason}`] });
      continue;
    }
    const blocked = found ? [] : blockingTypes(table.columns.map((c) => c.type), conflicting, heldBack);
    if (blocked.length > 0) {
      items.push({ kind: 'table', keyspace, name: table.name, status: 'skipped', details: blocked });
      continue;
    }
    items.push(compared('table', keyspace, table.name, found ? tableDifferences(table, found, dialect) : undefined, () => renderCreateTable(table, dialect)));
  }
  for (const s of target.skipped) {
    if (s.kind !== 'keyspace') items.push({ kind: s.kind, keyspace, name: s.name, status: 'skipped', details: [s.reason] });
  }
  return items;
}

/** Why a new object that uses these types must wait, one line per reason; empty when it need not. */
function blockingTypes(types: readonly CqlType[], conflicting: ReadonlySet<string>, heldBack: ReadonlySet<string>): string[] {
  const used = new Set<string>();
  for (const type of types) collectUdtNames(type, used);
  const names = [...used].sort();
  const differing = names.filter((name) => conflicting.has(name));
  const waiting = names.filter((name) => heldBack.has(name));
  const reasons: string[] = [];
  if (differing.length > 0) reasons.push(`it uses type ${differing.join(', ')}, which ${differing.length === 1 ? 'differs' : 'differ'} on the target`);
  if (waiting.length > 0) reasons.push(`it uses type ${waiting.join(', ')}, held back because ${waiting.length === 1 ? 'it uses' : 'they use'} a type that differs on the target`);
  return reasons;
}

/** `differences` undefined: the object does not exist yet. */
function compared(kind: SkippedKind, keyspace: string, name: string, differences: string[] | undefined, cql: () => string): PlanItem {
  if (differences === undefined) return { kind, keyspace, name, status: 'create', cql: cql() };
  return differences.length === 0 ? { kind, keyspace, name, status: 'unchanged' } : { kind, keyspace, name, status: 'conflict', details: differences };
}

/** How an existing UDT differs from the wanted one, field by field, in words. */
export function typeDifferences(wanted: TargetType, existing: UdtSchema, existingKeyspace: KeyspaceSchema): string[] {
  const definitions = new Map(existingKeyspace.types.map((t) => [t.name, t.fields]));
  const have = existing.fields.map((f) => `${f.name} ${normalized(f.type, existing.keyspace, definitions)}`);
  const want = wanted.fields.map((f) => `${f.name} ${formatCqlType(f.type)}`);
  return have.join(', ') === want.join(', ') ? [] : [`fields are (${have.join(', ')}) on the target, (${want.join(', ')}) on the source`];
}

interface ColumnShape {
  kind: string;
  position: number;
  type: string;
  order: string;
}

/** How an existing table differs from the wanted one: columns, keys, clustering order, default TTL, and what the pipeline needs. */
export function tableDifferences(wanted: TargetTable, existing: TableDefinition, dialect: CqlDialect): string[] {
  const want = new Map<string, ColumnShape>();
  wanted.partitionKey.forEach((name, position) => want.set(name, { kind: 'partition key', position, type: '', order: '' }));
  wanted.clustering.forEach((c, position) => want.set(c.name, { kind: 'clustering', position, type: '', order: c.order.toLowerCase() }));
  for (const c of wanted.columns) {
    const shape = want.get(c.name) ?? { kind: c.isStatic ? 'static' : 'regular', position: -1, type: '', order: '' };
    want.set(c.name, { ...shape, type: formatCqlType(c.type) });
  }
  const have = new Map<string, ColumnShape>(
    existing.schema.columns.map((c) => [
      c.name,
      {
        kind: c.kind === 'partition_key' ? 'partition key' : c.kind,
        position: c.kind === 'partition_key' || c.kind === 'clustering' ? c.position : -1,
        type: formatCqlType(c.type),
        order: c.kind === 'clustering' ? c.clusteringOrder : '',
      },
    ]),
  );
  const differences: string[] = [];
  for (const [name, w] of want) {
    const h = have.get(name);
    if (!h) differences.push(`column ${name} is missing on the target`);
    else if (h.type !== w.type) differences.push(`column ${name} is ${h.type} on the target, ${w.type} on the source`);
    else if (h.kind !== w.kind || h.position !== w.position) differences.push(`column ${name} is ${describe(h)} on the target, ${describe(w)} on the source`);
    else if (h.order !== w.order) differences.push(`column ${name} sorts ${h.order} on the target, ${w.order} on the source`);
  }
  for (const name of have.keys()) if (!want.has(name)) differences.push(`the target has column ${name}, which the source lacks`);
  if (existing.options.defaultTimeToLive !== wanted.defaultTimeToLive) {
    differences.push(`default_time_to_live is ${existing.options.defaultTimeToLive} on the target, ${wanted.defaultTimeToLive} on the source`);
  }
  const properties = existing.keyspacesProperties;
  if (dialect.profile === 'keyspaces' && properties) {
    if (wanted.clientSideTimestamps && !properties.clientSideTimestamps) differences.push('client_side_timestamps is not enabled, so USING TIMESTAMP is refused');
    if (wanted.ttl && !properties.ttl) differences.push('ttl is not enabled, so USING TTL is refused');
  }
  return differences;
}

function describe(shape: ColumnShape): string {
  return shape.position >= 0 ? `${shape.kind} #${shape.position + 1}` : `a ${shape.kind} column`;
}

function normalized(text: string, keyspace: string, definitions: ReadonlyMap<string, readonly { name: string; type: string }[]>): string {
  try {
    return formatCqlType(parseCqlType(text, keyspace, definitions));
  } catch {
    return text;
  }
}
