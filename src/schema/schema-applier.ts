import cassandra from 'cassandra-driver';
import { SchemaApplyError } from '../errors.js';
import { waitUntilReady, type DdlWaitOptions } from './ddl-waiter.js';
import { qualifiedName } from './schema-model.js';
import type { PlanItem } from './schema-plan.js';

export interface ApplyOptions extends DdlWaitOptions {
  /** Called once per object as soon as it is created and ready, for progress output. */
  readonly onItem?: (item: PlanItem) => void;
}

/**
 * Runs the `create` items of a plan in order (keyspaces, then types in dependency order, then
 * tables), waiting for each object to be ready before the next may use it. The first refusal stops
 * the run with one error naming the object, the server's reason and everything created before it.
 * DDL is never prepared: Amazon Keyspaces refuses to prepare it (and the client prepares by default).
 *
 * @example
 *   const created = await applyPlan(target, plan, { profile: 'keyspaces', onItem: (item) => output.progress(describeItem(item)) });
 */
export async function applyPlan(client: cassandra.Client, items: readonly PlanItem[], options: ApplyOptions): Promise<PlanItem[]> {
  const created: PlanItem[] = [];
  for (const item of items) {
    if (item.status !== 'create' || !item.cql) continue;
    if (item.kind !== 'keyspace' && item.kind !== 'type' && item.kind !== 'table') continue;
    try {
      await client.execute(item.cql, [], { prepare: false });
      await waitUntilReady(client, { kind: item.kind, keyspace: item.keyspace, name: item.name }, options);
    } catch (error) {
      throw applyError(item, error, created);
    }
    created.push(item);
    options.onItem?.(item);
  }
  return created;
}

/** `keyspace shop`, `type shop.address`, `table shop.orders`. */
export function describeItem(item: Pick<PlanItem, 'kind' | 'keyspace' | 'name'>): string {
  return `${item.kind} ${item.kind === 'keyspace' ? qualifiedName(item.keyspace) : qualifiedName(item.keyspace, item.name)}`;
}

function applyError(item: PlanItem, error: unknown, created: readonly PlanItem[]): SchemaApplyError {
  const reason = error instanceof Error ? error.message : String(error);
  const before = created.length === 0 ? 'Nothing was created before it' : `Created before it: ${created.map(describeItem).join(', ')}`;
  const unauthorized = error instanceof cassandra.errors.ResponseError && error.code === cassandra.types.responseErrorCodes.unauthorized;
  const hint = unauthorized
    ? 'Grant the target user permission to create keyspaces, types and tables (on Amazon Keyspaces: cassandra:Create in its IAM policy), then run tandem schema again'
    : 'Fix the cause and run tandem schema again: objects already created are found and left as they are';
  return new SchemaApplyError(`Creating ${describeItem(item)} on the target failed: ${reason}. ${before}`, { cause: error, hint });
}
