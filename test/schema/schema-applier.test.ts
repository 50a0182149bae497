import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { SchemaApplyError } from '../../src/errors.js';
import { applyPlan } from '../../src/schema/schema-applier.js';
import type { PlanItem } from '../../src/schema/schema-plan.js';
import { fakeClient } from './fake-client.js';

/**
 * A Keyspaces stand-in: every object is ACTIVE at once, the statements matching `refuse` are
 * refused, and a prepared DDL statement is refused as Amazon Keyspaces refuses it.
 */
function keyspacesClient(options: { refuse?: RegExp; refusal?: Error } = {}) {
  return fakeClient((cql, _params, queryOptions) => {
    if (cql.startsWith('SELECT')) return [{ keyspace_name: 'shop', status: 'ACTIVE' }];
    if (queryOptions?.prepare !== false) return new Error(`DDL must not be prepared: ${cql}`);
    if (options.refuse?.test(cql)) return options.refusal ?? new Error('refused');
    return [];
  });
}
const ddl = (client: ReturnType<typeof keyspacesClient>) => client.executed.filter((e) => !e.cql.startsWith('SELECT'));

const item = (kind: PlanItem['kind'], name: string, status: PlanItem['status'] = 'create'): PlanItem => ({ kind, keyspace: 'shop', name, status, cql: `CREATE ${kind} ${name}` });
const plan = [item('keyspace', 'shop'), item('type', 'line'), item('table', 'orders', 'unchanged'), item('table', 'carts'), item('table', 'users')];
const noWait = { profile: 'keyspaces' as const, pollMs: 0, sleep: async () => {} };

describe('applyPlan', () => {
  it('runs the create statements in order, unprepared, and nothing else, reporting each object as it is created', async () => {
    const client = keyspacesClient();
    const progress: string[] = [];
    const created = await applyPlan(client, plan, { ...noWait, onItem: (i) => progress.push(i.name) });
    expect(ddl(client).map((e) => e.cql)).toEqual(['CREATE keyspace shop', 'CREATE type line', 'CREATE table carts', 'CREATE table users']);
    expect(client.executed.every((e) => e.options?.prepare === false)).toBe(true);
    expect(created.map((i) => i.name)).toEqual(['shop', 'line', 'carts', 'users']);
    expect(progress).toEqual(['shop', 'line', 'carts', 'users']);
  });

  it('stops at the first refusal with one error naming the object, the reason and what was created before it', async () => {
    const unauthorized = new cassandra.errors.ResponseError(cassandra.types.responseErrorCodes.unauthorized, 'User app has no CREATE permission on <keyspace shop>');
    const client = keyspacesClient({ refuse: /users/, refusal: unauthorized });
    const progress: string[] = [];
    const error = (await applyPlan(client, plan, { ...noWait, onItem: (i) => progress.push(i.name) }).catch((e: unknown) => e)) as SchemaApplyError;
    expect(error).toBeInstanceOf(SchemaApplyError);
    expect(error.message).toBe(
      'Creating table shop.users on the target failed: User app has no CREATE permission on <keyspace shop>. Created before it: keyspace shop, type shop.line, table shop.carts',
    );
    expect(error.hint).toMatch(/Grant the target user permission to create/);
    expect(progress).toEqual(['shop', 'line', 'carts']);
  });

  it('says so when nothing was created before the failure', async () => {
    const error = (await applyPlan(keyspacesClient({ refuse: /keyspace/ }), plan, noWait).catch((e: unknown) => e)) as SchemaApplyError;
    expect(error.message).toBe('Creating keyspace shop on the target failed: refused. Nothing was created before it');
  });
});
