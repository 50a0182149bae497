import type cassandra from 'cassandra-driver';

/** The partitioner class a cluster reports in system.local. */
export async function readPartitionerClass(client: cassandra.Client): Promise<string> {
  return String((await client.execute('SELECT partitioner FROM system.local')).first()?.['partitioner']);
}

/**
 * Every node token of a cluster's ring: a node's own from system.local, the others' from its
 * system.peers. Both are asked of the same node: system.local of one node and system.peers of
 * another would name the first node's tokens twice and the second's never, and a plan built on
 * that would cut ranges across the missing node's tokens.
 */
export async function readRingTokens(client: cassandra.Client): Promise<bigint[]> {
  const host = client.hosts.values().find((candidate) => candidate.isUp());
  const pinned = host ? { host } : {};
  const local = (await client.execute('SELECT tokens FROM system.local', [], pinned)).first();
  const peers = await client.execute('SELECT tokens FROM system.peers', [], pinned);
  return [local, ...peers.rows].flatMap((row) => [...((row?.['tokens'] as Set<string> | string[] | null) ?? [])]).map((t) => BigInt(t));
}
