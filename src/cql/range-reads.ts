import cassandra from 'cassandra-driver';
import type { ClusterConfig } from '../config/index.js';
import type { TokenRange } from './token-range-planner.js';

const consistencies = {
  LOCAL_QUORUM: cassandra.types.consistencies.localQuorum,
  LOCAL_ONE: cassandra.types.consistencies.localOne,
} as const;

/** The consistency a cluster's token-range scans read at (`readConsistency` of its config). */
export function scanConsistency(cluster: Pick<ClusterConfig, 'readConsistency'>): number {
  return consistencies[cluster.readConsistency];
}

/**
 * Query options that send a scan of `range` to a replica of it, nearest data center first: the
 * driver's token-aware policy takes a token range as a routing key and picks the replicas of its
 * end token. The planner never lets a range cross a node token, so one replica set holds all of it
 * and the coordinator reads its own copy instead of asking others. Without a token map (the driver
 * has not read the ring, or the cluster has none, like Amazon Keyspaces) the read goes as before.
 */
export function rangeReadOptions(client: cassandra.Client, keyspace: string, range: TokenRange, consistency: number): cassandra.QueryOptions {
  const options: cassandra.QueryOptions = { prepare: true, consistency, keyspace };
  try {
    const metadata = client.metadata;
    const routing = metadata.newTokenRange(metadata.newToken(String(range.start)), metadata.newToken(String(range.end)));
    // The typings say Buffer; the driver takes a Token or TokenRange too (encoder.setRoutingKeyFromUser).
    options.routingKey = routing as unknown as Buffer;
  } catch {
    // Not connected yet, or no partitioner known: unrouted.
  }
  return options;
}
