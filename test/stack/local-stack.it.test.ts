import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import cassandra from 'cassandra-driver';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { ClusterConfig } from '../../src/config/index.js';
import { createCqlClient } from '../../src/cql/index.js';
import { runTandem } from '../helpers/run-cli.js';

const config = inject('stackConfig');
const dataDir = inject('stackDataDir');

const clients: cassandra.Client[] = [];
function client(cluster: ClusterConfig): cassandra.Client {
  const created = createCqlClient(cluster, { connectTimeoutMs: 3_000 });
  clients.push(created);
  return created;
}
afterAll(async () => {
  await Promise.all(clients.map((c) => c.shutdown()));
});

async function localInfo(cluster: ClusterConfig) {
  const row = (await client(cluster).execute('SELECT release_version, cluster_name FROM system.local')).first();
  return { version: row.get('release_version') as string, cluster: row.get('cluster_name') as string };
}

describe('local stack', () => {
  it('source answers an authenticated CQL query', async () => {
    expect(await localInfo(config.source)).toEqual({ version: '5.0.9', cluster: 'tandem-source' });
  });

  it('target answers the service user over TLS verified against the generated CA', async () => {
    expect(config.target.tls?.caFile).toMatch(/ca\.pem$/);
    expect(await localInfo(config.target)).toEqual({ version: '5.0.9', cluster: 'tandem-target' });
  });

  it('target refuses a plaintext connection', async () => {
    const plaintext = client({ ...config.target, tls: undefined });
    await expect(plaintext.connect()).rejects.toBeInstanceOf(cassandra.errors.NoHostAvailableError);
  });

  it('target refuses a TLS connection whose certificate it cannot verify', async () => {
    const unverified = client({ ...config.target, tls: { rejectUnauthorized: true } });
    await expect(unverified.connect()).rejects.toThrow(/certificate/i);
  });

  it.each([
    ['target', () => config.target],
    ['source', () => config.source],
  ])('%s refuses a wrong password', async (_side, cluster) => {
    const wrong = client({ ...cluster(), auth: { username: 'cassandra', password: 'not-the-password' } });
    const error = await wrong.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(cassandra.errors.NoHostAvailableError);
    const inner = Object.values((error as cassandra.errors.NoHostAvailableError).innerErrors);
    expect(inner.some((e) => e instanceof cassandra.errors.AuthenticationError)).toBe(true);
  });

  it('target refuses what Keyspaces refuses for the service user: writes below LOCAL_QUORUM, secondary indexes', async () => {
    const target = client(config.target);
    const keyspace = `ks_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    await target.execute(`CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    await target.execute(`CREATE TABLE ${keyspace}.t (id int PRIMARY KEY, v text)`);
    await target.execute(`INSERT INTO ${keyspace}.t (id, v) VALUES (?, ?)`, [1, 'a'], { prepare: true });
    await expect(
      target.execute(`INSERT INTO ${keyspace}.t (id, v) VALUES (?, ?)`, [2, 'b'], { prepare: true, consistency: cassandra.types.consistencies.localOne }),
    ).rejects.toThrow(/Guardrail|consistency/i);
    await expect(target.execute(`CREATE INDEX ON ${keyspace}.t (v)`)).rejects.toThrow(/Guardrail|secondary ind/i);
    const rows = await target.execute(`SELECT id FROM ${keyspace}.t`);
    expect(rows.rows.map((r) => r.get('id'))).toEqual([1]);
    await target.execute(`DROP KEYSPACE ${keyspace}`);
  });

  it('kafka: a topic can be created, produced to and consumed from by a consumer group', async () => {
    const topic = `stack-test-${randomUUID()}`;
    const bootstrapBrokers = [...config.kafka.brokers];
    const admin = new Admin({ clientId: 'stack-test', bootstrapBrokers });
    const producer = new Producer({ clientId: 'stack-test', bootstrapBrokers, serializers: stringSerializers, idempotent: true });
    const consumer = new Consumer({ clientId: 'stack-test', groupId: `group-${topic}`, bootstrapBrokers, deserializers: stringDeserializers });
    try {
      await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 });
      const sent = Array.from({ length: 20 }, (_, i) => ({ topic, key: `k${i}`, value: JSON.stringify({ i }) }));
      await producer.send({ messages: sent });
      const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, sessionTimeout: 10_000, heartbeatInterval: 500 });
      // Without committed offsets a rebalance may deliver a record twice: count distinct ones.
      const received = new Set<string>();
      for await (const message of stream) {
        received.add(message.value);
        if (received.size === sent.length) break;
      }
      await stream.close();
      expect([...received].sort()).toEqual(sent.map((m) => m.value).sort());
    } finally {
      await consumer.close(true);
      await producer.close();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.close();
    }
  });

  it('each server logs its garbage-collection pauses to logs/gc.log, which a latency tail is lined up with', () => {
    for (const server of ['source', 'target', 'kafka']) {
      expect(readFileSync(join(dataDir, server, 'logs', 'gc.log'), 'utf8'), server).toMatch(/Using G1/);
    }
  });

  it('`tandem status` shows each server running', async () => {
    const result = await runTandem(['status', '--json', '--data-dir', dataDir]);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout) as { stack: { name: string; running: boolean; address: string }[] };
    expect(status.stack.map((s) => [s.name, s.running, s.address])).toEqual([
      ['kafka', true, config.kafka.brokers[0]],
      ['source', true, config.source.contactPoints[0]],
      ['target', true, config.target.contactPoints[0]],
    ]);
  });
});
