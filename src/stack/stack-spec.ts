import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ClusterConfig, TandemConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import type { CassandraNodeSpec } from './cassandra-config.js';
import { kafkaSecuredListeners, type KafkaNodeSpec } from './kafka-config.js';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface CassandraServerSpec {
  readonly node: CassandraNodeSpec;
  /** The user the config connects as; created at start when it is not the superuser. */
  readonly user: Credentials;
}

/** Everything `up` needs, derived from the config: where, which ports, which users. */
export interface StackSpec {
  readonly dataDir: string;
  readonly cacheDir: string;
  readonly kafka: KafkaNodeSpec;
  readonly source: CassandraServerSpec;
  readonly target: CassandraServerSpec;
}

/** Cassandra's built-in superuser, which the stack uses for its own setup. */
export const superuser: Credentials = { username: 'cassandra', password: 'cassandra' };

const loopback = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  return env.TANDEM_HOME ? resolve(env.TANDEM_HOME) : join(homedir(), '.cache', 'tandem');
}

/**
 * Reads the local stack's layout off a config: each server listens where the config points, its
 * auxiliary ports (Kafka controller; Cassandra storage and JMX) are the next ones up.
 */
export function stackSpecFromConfig(
  config: TandemConfig,
  options: { dataDir?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): StackSpec {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const dataDir = resolve(cwd, options.dataDir ?? config.stack.dataDir ?? '.tandem');
  const kafkaAddress = localAddress(config.kafka.brokers[0]!, 'kafka.brokers[0]');
  const source = localAddress(config.source.contactPoints[0]!, 'source.contactPoints[0]');
  const target = localAddress(config.target.contactPoints[0]!, 'target.contactPoints[0]');
  const cassandra = (name: string, clusterName: string, address: { host: string; port: number }, guardrails: boolean): CassandraNodeSpec => ({
    name,
    clusterName,
    host: address.host,
    nativePort: address.port,
    storagePort: address.port + 1,
    jmxPort: address.port + 2,
    heapMb: config.stack.cassandraHeapMb,
    extraJvmArgs: config.stack.jvmArgs.cassandra,
    commitlogSync: config.stack.commitlogSync,
    dir: join(dataDir, name),
    keyspacesGuardrails: guardrails,
  });
  const spec: StackSpec = {
    dataDir,
    cacheDir: defaultCacheDir(env),
    kafka: {
      host: kafkaAddress.host,
      port: kafkaAddress.port,
      controllerPort: kafkaAddress.port + 1,
      heapMb: config.stack.kafkaHeapMb,
      extraJvmArgs: config.stack.jvmArgs.kafka,
      dir: join(dataDir, 'kafka'),
      // In a fixed order whatever the config's, so the listeners and their ports read the same every time.
      secured: (Object.keys(kafkaSecuredListeners) as (keyof typeof kafkaSecuredListeners)[])
        .filter((security) => config.stack.kafkaSecurity.includes(security))
        .map((security) => ({ security, port: kafkaAddress.port + kafkaSecuredListeners[security].portOffset })),
      sessionLifetimeMs: config.stack.kafkaSessionLifetimeMs,
    },
    source: { node: cassandra('source', 'tandem-source', source, false), user: userOf(config.source, 'source') },
    target: {
      node: { ...cassandra('target', 'tandem-target', target, true), tlsKeystore: join(dataDir, 'target', 'tls', 'server-keystore.pem') },
      user: userOf(config.target, 'target'),
    },
  };
  assertDistinctPorts(spec);
  return spec;
}

function localAddress(address: string, setting: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon);
  if (!loopback.has(host)) {
    throw new ConfigError(`${setting} is ${address}, but the local stack only runs on this machine`, {
      hint: 'Point it at 127.0.0.1 for `tandem up`, or use a config without the local stack',
    });
  }
  return { host: host === 'localhost' ? '127.0.0.1' : host.replace(/^\[|\]$/g, ''), port: Number(address.slice(colon + 1)) };
}

function userOf(cluster: ClusterConfig, side: string): Credentials {
  if (!cluster.auth || !('username' in cluster.auth)) {
    throw new ConfigError(`${side}.auth must be { username, password } for the local stack`, {
      hint: 'The local servers use password authentication',
    });
  }
  const { username, password } = cluster.auth;
  if (username === superuser.username && password !== superuser.password) {
    throw new ConfigError(`${side}.auth: the local stack's superuser is cassandra with password cassandra`, {
      hint: 'Use those, or another user name, which the stack creates',
    });
  }
  return { username, password };
}

function assertDistinctPorts(spec: StackSpec): void {
  const claims = stackPortClaims(spec);
  const seen = new Map<number, string>();
  for (const claim of claims) {
    const other = seen.get(claim.port);
    if (other) throw new ConfigError(`Port ${claim.port} would serve both ${other} and ${claim.purpose}`, { hint: 'Space the configured ports at least 3 apart' });
    seen.set(claim.port, claim.purpose);
  }
}

export type ServerName = 'kafka' | 'source' | 'target';
export const serverNames: readonly ServerName[] = ['kafka', 'source', 'target'];

export function stackPortClaims(spec: StackSpec, only: readonly ServerName[] = serverNames) {
  const claims: { server: ServerName; host: string; port: number; purpose: string }[] = [
    { server: 'kafka', host: spec.kafka.host, port: spec.kafka.port, purpose: 'Kafka' },
    { server: 'kafka', host: spec.kafka.host, port: spec.kafka.controllerPort, purpose: 'Kafka controller' },
    ...spec.kafka.secured.map((listener) => ({
      server: 'kafka' as const,
      host: spec.kafka.host,
      port: listener.port,
      purpose: `Kafka ${kafkaSecuredListeners[listener.security].name} listener`,
    })),
  ];
  for (const name of ['source', 'target'] as const) {
    const node = spec[name].node;
    claims.push(
      { server: name, host: node.host, port: node.nativePort, purpose: `${name} CQL` },
      { server: name, host: node.host, port: node.storagePort, purpose: `${name} storage` },
      { server: name, host: '127.0.0.1', port: node.jmxPort, purpose: `${name} JMX` },
    );
  }
  return claims.filter((claim) => only.includes(claim.server));
}
