import cassandra from 'cassandra-driver';
import type { ClusterConfig } from '../config/index.js';
import { ConnectFailedError } from '../errors.js';

/**
 * Connects a client and turns the driver's "All host(s) tried for query failed ... See innerErrors"
 * into one line naming the cluster, its address and the first host's reason.
 *
 * @example
 *   await connectCluster(client, 'source', config.source);
 */
export async function connectCluster(client: cassandra.Client, role: 'source' | 'target', cluster: ClusterConfig): Promise<void> {
  try {
    await client.connect();
  } catch (error) {
    const address = cluster.contactPoints.join(', ');
    const reason = firstReason(error);
    const auth = error instanceof cassandra.errors.AuthenticationError || /authenticat|credentials|password/i.test(reason);
    throw new ConnectFailedError(`Cannot connect to the ${role} at ${address}: ${reason}`, {
      cause: error,
      hint: auth ? `Check ${role}.auth in the config` : `Check ${role}.contactPoints, ${role}.tls and ${role}.localDataCenter in the config, and that the cluster is up`,
    });
  }
}

function firstReason(error: unknown): string {
  if (error instanceof cassandra.errors.NoHostAvailableError) {
    const inner = Object.values(error.innerErrors ?? {})[0];
    if (inner instanceof Error) return inner.message;
  }
  return error instanceof Error ? error.message : String(error);
}
