import type cassandra from 'cassandra-driver';
import { qualifiedName } from './schema-model.js';

export interface DdlWaitOptions {
  readonly profile: 'keyspaces' | 'cassandra';
  readonly timeoutMs?: number;
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface CreatedObject {
  readonly kind: 'keyspace' | 'type' | 'table';
  readonly keyspace: string;
  readonly name: string;
}

/**
 * Waits until a created object can be used. Amazon Keyspaces creates asynchronously: a keyspace is
 * ready once `system_schema_mcs.keyspaces` lists it, a type or table once its `status` is ACTIVE
 * (https://docs.aws.amazon.com/keyspaces/latest/devguide/tables-create.html,
 * https://docs.aws.amazon.com/keyspaces/latest/devguide/keyspaces-create.html,
 * https://docs.aws.amazon.com/keyspaces/latest/devguide/keyspaces-view-udt.html). Cassandra is ready
 * once every node that is up agrees on the schema version.
 *
 * @example
 *   await client.execute(cql, [], { prepare: false });
 *   await waitUntilReady(client, { kind: 'table', keyspace: 'shop', name: 'orders' }, { profile: 'keyspaces' });
 */
export async function waitUntilReady(client: cassandra.Client, object: CreatedObject, options: DdlWaitOptions): Promise<void> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const timeoutMs = options.timeoutMs ?? 300_000;
  const deadline = Date.now() + timeoutMs;
  let state = 'not visible';
  for (;;) {
    state = options.profile === 'keyspaces' ? await keyspacesState(client, object) : (await schemaInAgreement(client)) ? 'ACTIVE' : 'without schema agreement';
    if (state === 'ACTIVE') return;
    if (Date.now() >= deadline) break;
    await sleep(options.pollMs ?? 1_000);
  }
  const name = object.kind === 'keyspace' ? qualifiedName(object.keyspace) : qualifiedName(object.keyspace, object.name);
  throw new Error(`${object.kind} ${name} was created but is still ${state} after ${Math.round(timeoutMs / 1000)} s`);
}

/**
 * Whether the nodes that are up share one schema version. Both reads go to the same node (a node
 * the driver sees up), so its own version and its view of its peers' are compared; a peer the
 * driver knows to be down is left out, since it cannot agree until it is back. The driver's own
 * `checkSchemaAgreement` counts every peer, down ones included, so it would wait out the timeout.
 */
async function schemaInAgreement(client: cassandra.Client): Promise<boolean> {
  const hosts = client.hosts.values();
  const coordinator = hosts.find((host) => host.isUp());
  if (!coordinator) return false;
  const down = new Set(hosts.filter((host) => !host.isUp()).map((host) => ipOf(host.address)));
  const onCoordinator = { prepare: false, host: coordinator };
  const local = (await client.execute('SELECT schema_version FROM system.local', [], onCoordinator)).first()?.get('schema_version');
  if (local == null) return false;
  const peers = await client.execute('SELECT peer, rpc_address, schema_version FROM system.peers', [], onCoordinator);
  return peers.rows.every((row) => {
    const version = row.get('schema_version');
    if (version == null || String(version) === String(local)) return true;
    const rpc = row.get('rpc_address') == null ? '' : String(row.get('rpc_address'));
    const address = rpc && rpc !== '0.0.0.0' && rpc !== '::' ? rpc : String(row.get('peer'));
    return down.has(address);
  });
}

/** The driver's `10.0.0.1:9042` (`::1:9042`, `[::1]:9042`) → the address alone, as system.peers holds it. */
function ipOf(address: string): string {
  return address.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
}

async function keyspacesState(client: cassandra.Client, object: CreatedObject): Promise<string> {
  const [cql, params] =
    object.kind === 'keyspace'
      ? ['SELECT keyspace_name FROM system_schema_mcs.keyspaces WHERE keyspace_name = ?', [object.keyspace]]
      : object.kind === 'type'
        ? ['SELECT status FROM system_schema_mcs.types WHERE keyspace_name = ? AND type_name = ?', [object.keyspace, object.name]]
        : ['SELECT status FROM system_schema_mcs.tables WHERE keyspace_name = ? AND table_name = ?', [object.keyspace, object.name]];
  // Not prepared, like the DDL it follows: a status poll runs a handful of times per object.
  const row = (await client.execute(cql, params, { prepare: false })).first();
  if (!row) return 'not visible';
  if (object.kind === 'keyspace') return 'ACTIVE';
  return String(row.get('status') ?? 'ACTIVE').toUpperCase();
}
