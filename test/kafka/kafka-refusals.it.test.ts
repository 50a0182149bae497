import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AclOperations, AclPermissionTypes, Admin, ResourcePatternTypes, ResourceTypes, type Acl } from '@platformatic/kafka';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import type { KafkaConfig } from '../../src/config/index.js';
import { kafkaConnection } from '../../src/kafka/index.js';
import { Clients, countRows, eventually, fixtureLines, referenceKeyspaceOn, uniqueName } from '../helpers/cql.js';
import { kcatProduce } from '../helpers/independent-clients.js';
import { runTandem } from '../helpers/run-cli.js';
import { securedKafka } from '../helpers/secured-kafka.js';

/**
 * Issue 22: settings a secured Kafka refuses end a command at once with one line naming the
 * setting, exit 2: no stack trace, no secret, and nothing written to either cluster (the records
 * wait in the topic for a sink with the right settings).
 */
const stack = inject('stackConfig');
const dataDir = inject('stackDataDir');
const clients = new Clients();
const source = clients.connect(stack.source);
const target = clients.connect(stack.target);
afterAll(() => clients.closeAll());

const listeners = securedKafka(dataDir);
const wrongPassword = 'not-the-password-4711';

const cases: readonly [string, KafkaConfig, NodeJS.ProcessEnv, RegExp][] = [
  [
    'a wrong SCRAM password',
    { ...listeners.scram, sasl: { mechanism: 'SCRAM-SHA-512', username: 'tandem', password: wrongPassword } },
    {},
    /refused the SASL login SCRAM-SHA-512 as tandem.*kafka\.sasl\.username and kafka\.sasl\.password/,
  ],
  ['an expired IAM session token', listeners.iam, listeners.expiredIamEnv, /refused the SASL login AWS_MSK_IAM \(region us-east-1\).*not expired/],
  ['a CA that did not sign the broker certificate', { ...listeners.tls, tls: { rejectUnauthorized: true } }, {}, /TLS certificate is not trusted.*kafka\.tls\.caFile/],
  ['a plaintext client on the TLS port', { brokers: listeners.tls.brokers }, {}, /speaks TLS on that port, and kafka\.tls is not set\. Set kafka\.tls/],
  ['TLS on the plaintext port', { brokers: stack.kafka.brokers, tls: listeners.tls.tls }, {}, /does not speak TLS on that port.*remove kafka\.tls/],
  ['SCRAM on the IAM port', { ...listeners.scram, brokers: listeners.iam.brokers, sasl: { mechanism: 'SCRAM-SHA-512', username: 'tandem', password: wrongPassword } }, {}, /does not take SASL SCRAM-SHA-512 on that port \(kafka\.sasl\.mechanism\)/],
  ['a broker addressed by an IP its certificate does not name', { ...listeners.tls, brokers: [listeners.tls.brokers[0]!.replace('localhost', '127.0.0.1')] }, {}, /certificate is for another host name.*kafka\.brokers/],
];

describe('settings a secured Kafka refuses', () => {
  it.each(cases)('%s: sink and produce exit 2 with one line naming the setting, nothing written', { timeout: 120_000 }, async (_what, kafka, env, expected) => {
    const keyspace = await referenceKeyspaceOn([source, target], 'refused');
    const table = `${keyspace}.user_activity`;
    const topic = uniqueName('refused');
    // Records already in the topic, published over the plaintext port: a sink that got in would write them.
    await kcatProduce(stack.kafka.brokers, topic, fixtureLines().map((value) => ({ key: JSON.stringify({ user_id: JSON.parse(value).user_id }), value })));
    const dir = mkdtempSync(join(tmpdir(), 'tandem-refused-'));
    const configFile = join(dir, 'tandem.yaml');
    writeFileSync(configFile, stringify({ kafka, source: stack.source, target: stack.target, topics: [{ topic, table, timestamp: 'record' }], sink: { groupIdPrefix: uniqueName('refused') } }));
    const records = join(dir, 'records.jsonl');
    writeFileSync(records, `${fixtureLines().join('\n')}\n`);

    for (const args of [['sink', '--status-port', '0'], ['produce', '--topic', topic, records]]) {
      const began = Date.now();
      const result = await runTandem([...args, '--config', configFile], { env, timeoutMs: 60_000 });
      const said = result.stderr.trim();
      expect(result.code, said).toBe(2);
      expect(said.split('\n'), said).toHaveLength(1);
      expect(said).toMatch(/^tandem: /);
      expect(said).toMatch(expected);
      expect(said).not.toMatch(/\n\s+at /);
      expect(said).not.toContain(wrongPassword);
      expect(said).not.toContain(listeners.scramPassword());
      // At once, not after the clients' retries.
      expect(Date.now() - began).toBeLessThan(20_000);
    }
    expect([await countRows(source, table), await countRows(target, table)]).toEqual([0, 0]);
  });
});

describe('a topic the cluster forbids Tandem to create', () => {
  it('stops the sink with the topic and the permission named, exit 2', { timeout: 120_000 }, async () => {
    const keyspace = await referenceKeyspaceOn([source, target], 'denied');
    const topic = uniqueName('denied-topic');
    // As an administrator would: user tandem may not create this topic (the plaintext listener is the superuser's).
    const admin = new Admin({ clientId: 'test-acl', ...kafkaConnection(stack.kafka).options });
    // As an MSK IAM policy without kafka-cluster:CreateTopic, or an ACL: user tandem may do anything on the
    // cluster but create topics. (Kafka lets CREATE on the cluster create any topic, so both are denied.)
    const acl = (resourceType: Acl['resourceType'], resourceName: string, operation: Acl['operation'], permissionType: Acl['permissionType']): Acl => ({
      resourceType,
      resourceName,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: 'User:tandem',
      host: '*',
      operation,
      permissionType,
    });
    const grants = [
      acl(ResourceTypes.CLUSTER, 'kafka-cluster', AclOperations.ALL, AclPermissionTypes.ALLOW),
      acl(ResourceTypes.CLUSTER, 'kafka-cluster', AclOperations.CREATE, AclPermissionTypes.DENY),
      acl(ResourceTypes.TOPIC, topic, AclOperations.CREATE, AclPermissionTypes.DENY),
    ];
    await admin.createAcls({ creations: grants });
    // ACLs reach the broker's authorizer through the metadata log, a moment after createAcls answers.
    const held = await eventually(
      () => admin.describeAcls({ filter: { resourceType: ResourceTypes.ANY, resourceName: null, resourcePatternType: ResourcePatternTypes.ANY, principal: 'User:tandem', host: null, operation: AclOperations.ANY, permissionType: AclPermissionTypes.ANY } }),
      (resources) => resources.reduce((sum, r) => sum + r.acls.length, 0) >= grants.length,
      10_000,
      100,
    );
    expect(held.reduce((sum, r) => sum + r.acls.length, 0)).toBeGreaterThanOrEqual(grants.length);
    try {
      const configFile = join(mkdtempSync(join(tmpdir(), 'tandem-denied-')), 'tandem.yaml');
      const kafka = { ...listeners.scram, sasl: { ...listeners.scram.sasl, password: listeners.scramPassword() } };
      writeFileSync(configFile, stringify({ kafka, source: stack.source, target: stack.target, topics: [{ topic, table: `${keyspace}.user_activity` }], sink: { groupIdPrefix: uniqueName('denied') } }));
      const result = await runTandem(['sink', '--config', configFile, '--status-port', '0'], { timeoutMs: 60_000 });
      const said = result.stderr.trim().split('\n').filter((line) => line.startsWith('tandem: '));
      expect(result.code, result.stderr).toBe(2);
      expect(said, result.stderr).toHaveLength(1);
      expect(said[0]).toContain(`Kafka refused to create topic ${topic}: TOPIC_AUTHORIZATION_FAILED`);
      expect(said[0]).toContain('kafka-cluster:CreateTopic');
      expect(result.stderr).not.toContain(listeners.scramPassword());
    } finally {
      await admin.deleteAcls({ filters: grants });
      await admin.close();
    }
  });
});
