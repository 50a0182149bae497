import { isIP } from 'node:net';
import cassandra from 'cassandra-driver';
import { readPemFile, type ClusterConfig, type TargetProfile } from '../config/index.js';
import { SigV4AuthProvider } from './sigv4-auth.js';

export interface CqlClientOptions {
  /** `keyspaces` only changes what the cluster accepts; both profiles write at LOCAL_QUORUM. */
  profile?: TargetProfile;
  connectTimeoutMs?: number;
  keyspace?: string;
}

/**
 * A driver client for one cluster of the config: password auth, TLS with the configured CA, and
 * LOCAL_QUORUM, which Amazon Keyspaces requires for writes and a single-DC Cassandra serves alike.
 *
 * @example
 *   const client = createCqlClient(config.target, { profile: config.target.profile });
 *   await client.execute('SELECT release_version FROM system.local');
 */
/** What a client needs of a cluster's config to connect. */
export type ClusterAddress = Pick<ClusterConfig, 'contactPoints' | 'localDataCenter' | 'auth' | 'tls'>;

export function createCqlClient(cluster: ClusterAddress, options: CqlClientOptions = {}): cassandra.Client {
  const clientOptions: cassandra.DseClientOptions = {
    contactPoints: [...cluster.contactPoints],
    localDataCenter: cluster.localDataCenter,
    queryOptions: { consistency: cassandra.types.consistencies.localQuorum, prepare: true },
    // Typed collections and exact integers both ways: map<int, text> keys stay ints, bigint stays exact.
    encoding: { map: Map, set: Set, useBigIntAsLong: true, useBigIntAsVarint: true, useUndefinedAsUnset: true },
    socketOptions: { connectTimeout: options.connectTimeoutMs ?? 5_000 },
    // The driver reaches the nodes it discovers (system.peers) on this port, not the contact point's.
    protocolOptions: { port: nativePort(cluster.contactPoints) },
    // A node that comes back is found within seconds: the driver's default waits grow to 10 minutes.
    policies: { reconnection: new cassandra.policies.reconnection.ExponentialReconnectionPolicy(500, 5_000, false) },
    // One connection per host: on small machines extra connections cost the server more than they give.
    pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 1, [cassandra.types.distance.remote]: 1 } },
  };
  if (options.keyspace) clientOptions.keyspace = options.keyspace;
  if (cluster.auth && 'username' in cluster.auth) {
    clientOptions.authProvider = new cassandra.auth.PlainTextAuthProvider(cluster.auth.username, cluster.auth.password);
  } else if (cluster.auth) {
    clientOptions.authProvider = new SigV4AuthProvider({ region: cluster.auth.sigv4.region });
  }
  if (cluster.tls || options.profile === 'keyspaces') {
    const tls = cluster.tls ?? { rejectUnauthorized: true };
    const hostName = namedHost(cluster.contactPoints);
    clientOptions.sslOptions = {
      rejectUnauthorized: tls.rejectUnauthorized,
      ...(tls.caFile ? { ca: [readPemFile(tls.caFile, 'tls.caFile', 'the CA that signed the server certificate')] } : {}),
      // The driver connects to resolved addresses, so without this the certificate is checked against
      // an IP: Amazon Keyspaces' certificates name hosts only. Every node of a service behind one
      // endpoint name presents that name.
      ...(hostName ? { servername: hostName } : {}),
    };
  }
  return new cassandra.Client(clientOptions);
}

/** The port of the first contact point that names one; 9042 (CQL's) otherwise. */
export function nativePort(contactPoints: readonly string[]): number {
  for (const point of contactPoints) {
    const port = /(?:^\[[^\]]+\]|^[^:]+):(\d+)$/.exec(point)?.[1];
    if (port) return Number(port);
  }
  return 9042;
}

/** The host name of the first contact point that is a name, not an IP: what the server's certificate is verified against. */
export function namedHost(contactPoints: readonly string[]): string | undefined {
  for (const point of contactPoints) {
    const host = point.startsWith('[') ? point.slice(1, point.indexOf(']')) : point.includes(':') && point.indexOf(':') === point.lastIndexOf(':') ? point.slice(0, point.lastIndexOf(':')) : point;
    if (isIP(host) === 0) return host;
  }
  return undefined;
}

