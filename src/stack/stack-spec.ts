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
  /** The source's first node: the contact point, the seed, and the one the stack sets up through. */
  readonly source: CassandraServerSpec;
  /** The source's other nodes (stack.sourceNodes > 1), on the next loopback addresses at the same ports. */
  readonly sourcePeers: readonly CassandraServerSpec[];
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
  const sourceNodes = config.stack.sourceNodes;
  const cassandra = (
    name: string,
    clusterName: string,
    address: { host: string; port: number },
    ring: { dataCenter: string; rack: string; tokens: readonly string[]; seed: string; jmxPort: number },
    guardrails: boolean,
  ): CassandraNodeSpec => ({
    name,
    clusterName,
    host: address.host,
    ...ring,
    nativePort: address.port,
    storagePort: address.port + 1,
    heapMb: config.stack.cassandraHeapMb,
    extraJvmArgs: config.stack.jvmArgs.cassandra,
    commitlogSync: config.stack.commitlogSync,
    dir: join(dataDir, name),
    keyspacesGuardrails: guardrails,
  });
  const sourceTokens = sourceNodes === 1 ? [['0']] : balancedVnodeTokens(sourceNodes, vnodesPerNode);
  const sourceNode = (index: number) =>
    cassandra(
      index === 0 ? 'source' : `source${index + 1}`,
      'tandem-source',
      { host: index === 0 ? source.host : nthLoopback(source.host, index), port: source.port },
      {
        dataCenter: config.source.localDataCenter,
        rack: `rack${index + 1}`,
        tokens: sourceTokens[index]!,
        seed: `${source.host}:${source.port + 1}`,
        // JMX listens on 127.0.0.1 whatever the node's address, so each node needs a port of its own.
        jmxPort: source.port + 2 + 3 * index,
      },
      false,
    );
  const sourceUser = userOf(config.source, 'source');
  const targetRing = { dataCenter: config.target.localDataCenter, rack: 'rack1', tokens: ['0'], seed: `${target.host}:${target.port + 1}`, jmxPort: target.port + 2 };
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
    source: { node: sourceNode(0), user: sourceUser },
    sourcePeers: Array.from({ length: sourceNodes - 1 }, (_, i) => ({ node: sourceNode(i + 1), user: sourceUser })),
    target: {
      node: { ...cassandra('target', 'tandem-target', target, targetRing, true), tlsKeystore: join(dataDir, 'target', 'tls', 'server-keystore.pem') },
      user: userOf(config.target, 'target'),
    },
  };
  assertDistinctPorts(spec);
  return spec;
}

/** Cassandra 4+'s default `num_tokens`. */
export const vnodesPerNode = 16;

/**
 * Tokens for `nodes` nodes of `perNode` vnodes each, spread evenly round the Murmur3 ring and dealt
 * out in turn, as a cluster of equal nodes whose tokens were allocated for balance holds them. Half
 * a step off the minimum token, so the range that wraps round the ring's end is a real one.
 *
 * @example
 *   balancedVnodeTokens(3, 16)[0]!.length // 16: node 1's tokens; every third of the 48, from the first
 */
export function balancedVnodeTokens(nodes: number, perNode: number): string[][] {
  const count = BigInt(nodes * perNode);
  const step = 2n ** 64n / count;
  const first = -(2n ** 63n) + step / 2n;
  return Array.from({ length: nodes }, (_, node) =>
    Array.from({ length: perNode }, (_, k) => String(first + BigInt(k * nodes + node) * step)),
  );
}

/** The loopback address `index` after `host` (127.0.0.1 → 127.0.0.2…): Linux routes all of 127/8 to lo. */
function nthLoopback(host: string, index: number): string {
  const octets = host.split('.').map(Number);
  if (octets.length !== 4 || octets[0] !== 127 || octets[3]! + index > 254) {
    throw new ConfigError(`stack.sourceNodes needs source.contactPoints[0] on an IPv4 loopback address with room above it, not ${host}`, {
      hint: 'Use 127.0.0.1: the other nodes listen on 127.0.0.2, 127.0.0.3…',
    });
  }
  return [...octets.slice(0, 3), octets[3]! + index].join('.');
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
  const seen = new Map<string, string>();
  for (const claim of claims) {
    // The source's nodes share ports, each on its own address.
    const address = `${claim.host}:${claim.port}`;
    const other = seen.get(address);
    if (other) throw new ConfigError(`Port ${claim.port} would serve both ${other} and ${claim.purpose}`, { hint: 'Space the configured ports at least 3 apart' });
    seen.set(address, claim.purpose);
  }
}

export type ServerName = 'kafka' | 'source' | 'source2' | 'source3' | 'source4' | 'source5' | 'target';
export const serverNames: readonly ServerName[] = ['kafka', 'source', 'source2', 'source3', 'source4', 'source5', 'target'];

/** The Cassandra servers of a stack, source nodes first. */
export function cassandraServers(spec: StackSpec): CassandraServerSpec[] {
  return [spec.source, ...spec.sourcePeers, spec.target];
}

/** The servers a stack has, in start order. */
export function stackServerNames(spec: StackSpec): ServerName[] {
  return ['kafka', ...cassandraServers(spec).map((server) => server.node.name as ServerName)];
}

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
  for (const { node } of cassandraServers(spec)) {
    const name = node.name as ServerName;
    claims.push(
      { server: name, host: node.host, port: node.nativePort, purpose: `${name} CQL` },
      { server: name, host: node.host, port: node.storagePort, purpose: `${name} storage` },
      { server: name, host: '127.0.0.1', port: node.jmxPort, purpose: `${name} JMX` },
    );
  }
  return claims.filter((claim) => only.includes(claim.server));
}
