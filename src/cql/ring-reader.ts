import type cassandra from 'cassandra-driver';

/** The partitioner class a cluster reports in system.local. */
export async function readPartitionerClass(client: cassandra.Client): Promise<string> {
  return String((await client.execute('SELECT partitioner FROM system.local')).first()?.['partitioner']);
}

/** Every node token of a cluster's ring, from system.local and system.peers. */
export async function readRingTokens(client: cassandra.Client): Promise<bigint[]> {
  const local = (await client.execute('SELECT tokens FROM system.local')).first();
  const peers = await client.execute('SELECT tokens FROM system.peers');
  return [local, ...peers.rows].flatMap((row) => [...((row?.['tokens'] as Set<string> | string[] | null) ?? [])]).map((t) => BigInt(t));
}
