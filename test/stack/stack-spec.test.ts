import { describe, expect, it } from 'vitest';
import { localDefaults, parseConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { stackSpecFromConfig } from '../../src/stack/index.js';
import { balancedVnodeTokens, stackPortClaims } from '../../src/stack/stack-spec.js';

function config(patch: (raw: ReturnType<typeof rawDefaults>) => void = () => undefined) {
  const raw = rawDefaults();
  patch(raw);
  return parseConfig(raw, 'test', {}, '/work').config;
}
const rawDefaults = () => structuredClone(localDefaults()) as {
  kafka: { brokers: string[] };
  source: { contactPoints: string[]; auth: { username: string; password: string } };
  target: { contactPoints: string[]; auth: { username: string; password: string } };
  stack?: Record<string, unknown>;
};

describe('stackSpecFromConfig', () => {
  it('puts each server where the config points and its auxiliary ports just above', () => {
    const spec = stackSpecFromConfig(config(), { cwd: '/work/project', env: { TANDEM_HOME: '/cache/tandem' } });
    expect(spec.dataDir).toBe('/work/project/.tandem');
    expect(spec.cacheDir).toBe('/cache/tandem');
    expect(spec.kafka).toMatchObject({ host: '127.0.0.1', port: 9092, controllerPort: 9093, dir: '/work/project/.tandem/kafka' });
    expect(spec.source.node).toMatchObject({ clusterName: 'tandem-source', nativePort: 9042, storagePort: 9043, jmxPort: 9044, keyspacesGuardrails: false });
    expect(spec.source.node.tlsKeystore).toBeUndefined();
    expect(spec.target.node).toMatchObject({
      clusterName: 'tandem-target',
      nativePort: 9142,
      keyspacesGuardrails: true,
      tlsKeystore: '/work/project/.tandem/target/tls/server-keystore.pem',
    });
    expect(spec.target.user).toEqual({ username: 'ks-user', password: 'ks-password' });
  });

  it('takes the data dir from the option over the config', () => {
    const withDir = config((raw) => (raw.stack = { dataDir: '/srv/stack' }));
    expect(stackSpecFromConfig(withDir, { cwd: '/x' }).dataDir).toBe('/srv/stack');
    expect(stackSpecFromConfig(withDir, { cwd: '/x', dataDir: 'here' }).dataDir).toBe('/x/here');
  });

  it('defaults the cache to ~/.cache/tandem', () => {
    expect(stackSpecFromConfig(config(), { env: {} }).cacheDir).toMatch(/\.cache\/tandem$/);
  });

  it('refuses an address that is not on this machine', () => {
    const remote = config((raw) => (raw.target.contactPoints = ['cassandra.us-east-1.amazonaws.com:9142']));
    expect(() => stackSpecFromConfig(remote)).toThrow(ConfigError);
    expect(() => stackSpecFromConfig(remote)).toThrow('target.contactPoints[0] is cassandra.us-east-1.amazonaws.com:9142, but the local stack only runs on this machine');
  });

  it('refuses ports that would collide', () => {
    const close = config((raw) => (raw.target.contactPoints = ['127.0.0.1:9043']));
    expect(() => stackSpecFromConfig(close)).toThrow('Port 9043 would serve both source storage and target CQL');
  });

  it('has no secured Kafka listener unless stack.kafkaSecurity lists it', () => {
    const spec = stackSpecFromConfig(config(), { cwd: '/w' });
    expect(spec.kafka.secured).toEqual([]);
    expect(stackPortClaims(spec, ['kafka']).map((claim) => claim.port)).toEqual([9092, 9093]);
  });

  it('claims the ports of the secured Kafka listeners, in MSK\'s order whatever the config\'s', () => {
    const spec = stackSpecFromConfig(config((raw) => (raw.stack = { kafkaSecurity: ['iam', 'tls', 'scram'], kafkaSessionLifetimeMs: 20_000 })), { cwd: '/w' });
    expect(spec.kafka.secured).toEqual([
      { security: 'tls', port: 9094 },
      { security: 'scram', port: 9096 },
      { security: 'iam', port: 9098 },
    ]);
    expect(spec.kafka.sessionLifetimeMs).toBe(20_000);
    expect(stackPortClaims(spec, ['kafka'])).toEqual([
      { server: 'kafka', host: '127.0.0.1', port: 9092, purpose: 'Kafka' },
      { server: 'kafka', host: '127.0.0.1', port: 9093, purpose: 'Kafka controller' },
      { server: 'kafka', host: '127.0.0.1', port: 9094, purpose: 'Kafka TLS listener' },
      { server: 'kafka', host: '127.0.0.1', port: 9096, purpose: 'Kafka SCRAM listener' },
      { server: 'kafka', host: '127.0.0.1', port: 9098, purpose: 'Kafka IAM listener' },
    ]);
  });

  it('refuses a secured Kafka listener on another server\'s port', () => {
    const close = config((raw) => {
      raw.stack = { kafkaSecurity: ['iam'] };
      raw.source.contactPoints = ['127.0.0.1:9098'];
    });
    expect(() => stackSpecFromConfig(close)).toThrow('Port 9098 would serve both Kafka IAM listener and source CQL');
  });

  it('refuses a superuser password the local stack does not have', () => {
    const wrong = config((raw) => (raw.source.auth = { username: 'cassandra', password: 'other' }));
    expect(() => stackSpecFromConfig(wrong)).toThrow("source.auth: the local stack's superuser is cassandra with password cassandra");
  });

  it('lays out a three-node source on the next loopback addresses, same ports, a JMX port each', () => {
    const spec = stackSpecFromConfig(config((raw) => (raw.stack = { sourceNodes: 3 })), { cwd: '/w' });
    expect(spec.sourcePeers.map((peer) => [peer.node.name, peer.node.host, peer.node.nativePort, peer.node.storagePort, peer.node.jmxPort])).toEqual([
      ['source2', '127.0.0.2', 9042, 9043, 9047],
      ['source3', '127.0.0.3', 9042, 9043, 9050],
    ]);
    expect(spec.sourcePeers.every((peer) => peer.user.username === spec.source.user.username)).toBe(true);
    expect(stackPortClaims(spec, ['source2']).map((claim) => `${claim.host}:${claim.port}`)).toEqual(['127.0.0.2:9042', '127.0.0.2:9043', '127.0.0.1:9047']);
    expect(stackSpecFromConfig(config(), { cwd: '/w' }).sourcePeers).toEqual([]);
  });

  it('refuses several source nodes where no loopback address follows the first', () => {
    const ipv6 = config((raw) => {
      raw.source.contactPoints = ['[::1]:9042'];
      raw.stack = { sourceNodes: 3 };
    });
    expect(() => stackSpecFromConfig(ipv6)).toThrow('stack.sourceNodes needs source.contactPoints[0] on an IPv4 loopback address with room above it, not ::1');
  });
});

describe('balancedVnodeTokens', () => {
  it('deals 16 tokens to each of 3 nodes, evenly spaced round the whole ring and interleaved', () => {
    const nodes = balancedVnodeTokens(3, 16).map((tokens) => tokens.map(BigInt));
    expect(nodes.map((tokens) => tokens.length)).toEqual([16, 16, 16]);
    const ring = nodes.flat().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const step = 2n ** 64n / 48n;
    expect(ring[0]).toBe(-(2n ** 63n) + step / 2n);
    for (let i = 1; i < ring.length; i += 1) expect(ring[i]! - ring[i - 1]!).toBe(step);
    expect(ring.at(-1)! < 2n ** 63n - 1n).toBe(true);
    // Neighbours on the ring belong to different nodes, so a node's ranges are spread, not bunched.
    const owner = new Map(nodes.flatMap((tokens, node) => tokens.map((token) => [token, node] as const)));
    for (let i = 1; i < ring.length; i += 1) expect(owner.get(ring[i]!)).not.toBe(owner.get(ring[i - 1]!));
  });
});
