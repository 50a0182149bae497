import cassandra from 'cassandra-driver';
import { createCqlClient, quoteIdentifier, quoteString, type ClusterAddress } from '../cql/index.js';
import { ServerTimeoutError } from '../errors.js';
import { sleep } from './server-process.js';
import type { StackSpec } from './stack-spec.js';

/** Keyspaces Cassandra creates with one replica (system_auth) or SimpleStrategy; a ring of several nodes wants them in its data center. */
const replicatedSystemKeyspaces = ['system_auth', 'system_distributed', 'system_traces'] as const;

/**
 * Makes a source of several nodes (reached through node 1 as `asSuperuser`) what an operator runs: the system keyspaces replicated to every
 * node of the data center (up to 3), so logins survive a node going down, and returns once every
 * node sees every other UP. The proof of both is the same read: every system_auth table read at
 * consistency ALL through each node in turn. ALL fails at once while its coordinator counts a
 * replica down, and it repairs the rows a replica lacks, which after the replication change are all
 * of them (nodes given their tokens never stream).
 */
export async function joinSourceRing(spec: StackSpec, asSuperuser: ClusterAddress, timeoutMs: number): Promise<void> {
  const node = spec.source.node;
  const nodes = 1 + spec.sourcePeers.length;
  const client = createCqlClient(asSuperuser);
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  try {
    for (;;) {
      try {
        await client.connect();
        await replicateSystemKeyspaces(client, node.dataCenter, Math.min(3, nodes));
        await readEverywhereAtAll(client, nodes);
        return;
      } catch (error) {
        lastError = error;
      }
      if (Date.now() > deadline) {
        throw new ServerTimeoutError(
          `The source's ${nodes} nodes did not all see each other up within ${Math.round(timeoutMs / 1000)} s (last error: ${(lastError as Error)?.message ?? 'none'})`,
          { cause: lastError, hint: `See ${spec.dataDir}/source*/logs/system.log` },
        );
      }
      await sleep(1_000);
    }
  } finally {
    await client.shutdown();
  }
}

async function replicateSystemKeyspaces(client: cassandra.Client, dataCenter: string, factor: number): Promise<void> {
  const rows = await client.execute('SELECT keyspace_name, replication FROM system_schema.keyspaces');
  for (const row of rows.rows) {
    const name = String(row['keyspace_name']);
    if (!(replicatedSystemKeyspaces as readonly string[]).includes(name)) continue;
    const replication = row['replication'] as Map<string, string> | Record<string, string>;
    const get = (key: string) => (replication instanceof Map ? replication.get(key) : replication[key]);
    if (get('class')?.endsWith('NetworkTopologyStrategy') && get(dataCenter) === String(factor)) continue;
    await client.execute(`ALTER KEYSPACE ${quoteIdentifier(name)} WITH replication = {'class': 'NetworkTopologyStrategy', ${quoteString(dataCenter)}: '${factor}'}`);
  }
}

async function readEverywhereAtAll(client: cassandra.Client, nodes: number): Promise<void> {
  const hosts = client.hosts.values();
  const up = hosts.filter((host) => host.isUp());
  if (up.length < nodes) throw new Error(`the driver sees ${up.length} of ${nodes} nodes up`);
  const tables = await client.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'system_auth'");
  for (const host of up) {
    for (const row of tables.rows) {
      await client.execute(`SELECT * FROM system_auth.${quoteIdentifier(String(row['table_name']))}`, [], {
        host,
        consistency: cassandra.types.consistencies.all,
        prepare: false,
      });
    }
  }
}
