import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { localDefaults, parseConfig } from '../../src/config/index.js';
import { cassandraJavaArgs, cassandraLogback, cassandraRackDc, cassandraYaml } from '../../src/stack/cassandra-config.js';
import { kafkaFormatArgs, kafkaJavaArgs, kafkaScramUpsertArgs, kafkaServerProperties, randomKafkaClusterId } from '../../src/stack/kafka-config.js';
import { stackSpecFromConfig } from '../../src/stack/index.js';

const raw = localDefaults() as Record<string, unknown>;
const spec = stackSpecFromConfig(
  parseConfig({ ...raw, stack: { jvmArgs: { cassandra: ['-XX:ActiveProcessorCount=2'], kafka: ['-Dextra=1'] } } }, 'test', {}, '/w').config,
  { cwd: '/w', env: { TANDEM_HOME: '/c' } },
);

describe('cassandra.yaml', () => {
  const source = parse(cassandraYaml(spec.source.node)) as Record<string, unknown>;
  const target = parse(cassandraYaml(spec.target.node)) as Record<string, unknown>;

  it('starts one fast node: one token, no bootstrap, own seed on its storage port', () => {
    expect(source).toMatchObject({
      cluster_name: 'tandem-source',
      num_tokens: 1,
      initial_token: '0',
      auto_bootstrap: false,
      partitioner: 'org.apache.cassandra.dht.Murmur3Partitioner',
      native_transport_port: 9042,
      storage_port: 9043,
      listen_address: '127.0.0.1',
      endpoint_snitch: 'GossipingPropertyFileSnitch',
      data_file_directories: ['/w/.tandem/source/data'],
      commitlog_directory: '/w/.tandem/source/commitlog',
    });
    expect(source.seed_provider).toEqual([{ class_name: 'org.apache.cassandra.locator.SimpleSeedProvider', parameters: [{ seeds: '127.0.0.1:9043' }] }]);
    expect(cassandraRackDc(spec.source.node)).toBe('dc=datacenter1\nrack=rack1\n');
  });

  it('starts a three-node source as one ring: 16 tokens each, node 1 the seed, one data center named as the config names it', () => {
    const three = stackSpecFromConfig(
      parseConfig({ ...raw, source: { ...(raw.source as object), localDataCenter: 'Datacenter1' }, stack: { sourceNodes: 3 } }, 'test', {}, '/w').config,
      { cwd: '/w', env: {} },
    );
    const nodes = [three.source, ...three.sourcePeers].map((server) => server.node);
    const yamls = nodes.map((node) => parse(cassandraYaml(node)) as Record<string, unknown>);
    expect(yamls.map((y) => [y.listen_address, y.rpc_address, y.native_transport_port, y.storage_port, y.num_tokens])).toEqual([
      ['127.0.0.1', '127.0.0.1', 9042, 9043, 16],
      ['127.0.0.2', '127.0.0.2', 9042, 9043, 16],
      ['127.0.0.3', '127.0.0.3', 9042, 9043, 16],
    ]);
    for (const yaml of yamls) {
      expect(yaml).toMatchObject({ cluster_name: 'tandem-source', auto_bootstrap: false, endpoint_snitch: 'GossipingPropertyFileSnitch' });
      expect(yaml.seed_provider).toEqual([{ class_name: 'org.apache.cassandra.locator.SimpleSeedProvider', parameters: [{ seeds: '127.0.0.1:9043' }] }]);
    }
    const tokens = yamls.flatMap((y) => String(y.initial_token).split(','));
    expect(new Set(tokens).size).toBe(48);
    expect(nodes.map(cassandraRackDc)).toEqual(['dc=Datacenter1\nrack=rack1\n', 'dc=Datacenter1\nrack=rack2\n', 'dc=Datacenter1\nrack=rack3\n']);
    // JMX binds 127.0.0.1 whatever the node's address: one port each.
    expect(nodes.map((node) => node.jmxPort)).toEqual([9044, 9047, 9050]);
    expect(nodes.map((node) => node.dir)).toEqual(['/w/.tandem/source', '/w/.tandem/source2', '/w/.tandem/source3']);
  });

  it('syncs the commit log every 10 s by default, and before acknowledging with commitlogSync: group', () => {
    expect(source).toMatchObject({ commitlog_sync: 'periodic', commitlog_sync_period: '10000ms' });
    const durable = stackSpecFromConfig(parseConfig({ ...raw, stack: { commitlogSync: 'group' } }, 'test', {}, '/w').config, { cwd: '/w', env: { TANDEM_HOME: '/c' } });
    const yaml = parse(cassandraYaml(durable.source.node)) as Record<string, unknown>;
    expect(yaml).toMatchObject({ commitlog_sync: 'group', commitlog_sync_group_window: '5ms' });
    expect(yaml.commitlog_sync_period).toBeUndefined();
  });

  it('requires passwords on both sides', () => {
    for (const config of [source, target]) {
      expect(config).toMatchObject({ authenticator: 'PasswordAuthenticator', authorizer: 'CassandraAuthorizer', role_manager: 'CassandraRoleManager' });
    }
  });

  it('lets the source hold what Keyspaces refuses, and the target refuse it', () => {
    expect(source).toMatchObject({ materialized_views_enabled: true, user_defined_functions_enabled: true });
    expect(source.secondary_indexes_enabled).toBeUndefined();
    expect(source.write_consistency_levels_disallowed).toBeUndefined();
    expect(target).toMatchObject({ materialized_views_enabled: false, secondary_indexes_enabled: false, column_value_size_fail_threshold: '1MiB' });
    expect(target.write_consistency_levels_disallowed).toContain('LOCAL_ONE');
    expect(target.write_consistency_levels_disallowed).not.toContain('LOCAL_QUORUM');
    expect(target.read_consistency_levels_disallowed).not.toContain('LOCAL_ONE');
  });

  it('requires TLS from the target\'s clients only', () => {
    expect(source.client_encryption_options).toBeUndefined();
    expect(target.client_encryption_options).toEqual({
      enabled: true,
      optional: false,
      require_client_auth: false,
      ssl_context_factory: { class_name: 'org.apache.cassandra.security.PEMBasedSslContextFactory' },
      keystore: '/w/.tandem/target/tls/server-keystore.pem',
    });
  });

  it('logs to a file in the node\'s folder', () => {
    expect(cassandraLogback(spec.source.node)).toContain('<file>/w/.tandem/source/logs/system.log</file>');
  });
});

describe('cassandra JVM arguments', () => {
  const args = cassandraJavaArgs(spec.source.node, '/c/cassandra-5.0.9/lib', '-Dtandem.server=/w/.tandem/source');

  it('carry the marker, a small heap and the Java 17 module options of jvm17-server.options', () => {
    expect(args[0]).toBe('-Dtandem.server=/w/.tandem/source');
    expect(args).toEqual(expect.arrayContaining(['-Xms512m', '-Xmx512m', '-XX:+UseG1GC', '-Djdk.attach.allowAttachSelf=true', '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED', '-Dio.netty.tryReflectionSetAccessible=true']));
  });

  it('skip the waits a single node does not need, and end with the classpath and the daemon', () => {
    expect(args).toEqual(expect.arrayContaining(['-Dcassandra.skip_wait_for_gossip_to_settle=0', '-Dcassandra.superuser_setup_delay_ms=0', '-Dcassandra-foreground=yes', '-Dcassandra.jmx.local.port=9044']));
    expect(args).toContain('-Dcassandra.config=file:///w/.tandem/source/conf/cassandra.yaml');
    expect(args).toContain('-Xlog:gc:file="/w/.tandem/source/logs/gc.log":time,uptime:filecount=3,filesize=10m');
    expect(args.slice(-3)).toEqual(['-cp', '/w/.tandem/source/conf:/c/cassandra-5.0.9/lib/*', 'org.apache.cassandra.service.CassandraDaemon']);
  });

  it('put configured extra options after their own, so they win', () => {
    expect(args.indexOf('-XX:ActiveProcessorCount=2')).toBeGreaterThan(args.indexOf('-XX:+UseG1GC'));
    expect(args.indexOf('-XX:ActiveProcessorCount=2')).toBeLessThan(args.indexOf('-cp'));
  });
});

const propertiesOf = (text: string) =>
  Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
  );

describe('kafka', () => {
  const properties = propertiesOf(kafkaServerProperties(spec.kafka));

  it('runs one combined broker and controller in KRaft mode', () => {
    expect(properties).toMatchObject({
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': '1@127.0.0.1:9093',
      listeners: 'PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:9092',
      'controller.listener.names': 'CONTROLLER',
      'log.dirs': '/w/.tandem/kafka/data',
    });
  });

  it('keeps every internal topic at replication factor 1, or consumer groups never form', () => {
    for (const key of ['offsets.topic.replication.factor', 'transaction.state.log.replication.factor', 'share.coordinator.state.topic.replication.factor', 'transaction.state.log.min.isr']) {
      expect(properties[key], key).toBe('1');
    }
    expect(properties['group.initial.rebalance.delay.ms']).toBe('0');
  });

  it('formats and starts with the cached jars and its own log4j2 config', () => {
    expect(kafkaFormatArgs(spec.kafka, '/c/k/lib', 'abc').slice(-7)).toEqual(['/c/k/lib/*', 'kafka.tools.StorageTool', 'format', '-t', 'abc', '-c', '/w/.tandem/kafka/conf/server.properties']);
    const args = kafkaJavaArgs(spec.kafka, '/c/k/lib', '-Dtandem.server=/w/.tandem/kafka');
    expect(args[0]).toBe('-Dtandem.server=/w/.tandem/kafka');
    expect(args).toContain('-Dlog4j2.configurationFile=file:///w/.tandem/kafka/conf/log4j2.properties');
    expect(args).toContain('-Dextra=1');
    expect(args).toContain('-Xlog:gc:file="/w/.tandem/kafka/logs/gc.log":time,uptime:filecount=3,filesize=10m');
    expect(args.slice(-2)).toEqual(['kafka.Kafka', '/w/.tandem/kafka/conf/server.properties']);
  });

  it('has only the plaintext listener, and no TLS or SASL settings, when no security is asked for', () => {
    expect(Object.keys(properties).filter((key) => /ssl|sasl|reauth|security\.providers/.test(key))).toEqual([]);
  });

  it('makes cluster ids like StorageTool random-uuid: 22 base64url characters, never a leading dash', () => {
    const ids = Array.from({ length: 500 }, randomKafkaClusterId);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('kafka secured listeners', () => {
  const secured = stackSpecFromConfig(
    parseConfig({ ...raw, stack: { kafkaSecurity: ['iam', 'tls', 'scram'], kafkaSessionLifetimeMs: 20_000 } }, 'test', {}, '/w').config,
    { cwd: '/w', env: { TANDEM_HOME: '/c' } },
  );
  const properties = propertiesOf(kafkaServerProperties(secured.kafka));

  it('listen beside PLAINTEXT on +2 (TLS), +4 (SCRAM) and +6 (IAM), advertised as localhost, which the certificate names', () => {
    expect(properties).toMatchObject({
      listeners: 'PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093,TLS://127.0.0.1:9094,SCRAM://127.0.0.1:9096,IAM://127.0.0.1:9098',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:9092,TLS://localhost:9094,SCRAM://localhost:9096,IAM://localhost:9098',
      'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,TLS:SSL,SCRAM:SASL_SSL,IAM:SASL_SSL',
    });
  });

  it('keep the broker and the controller on PLAINTEXT', () => {
    expect(properties).toMatchObject({ 'inter.broker.listener.name': 'PLAINTEXT', 'controller.listener.names': 'CONTROLLER' });
  });

  it('read a PEM keystore', () => {
    expect(properties).toMatchObject({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': '/w/.tandem/kafka/tls/server-keystore.pem' });
    expect(properties['ssl.key.password']).toBeUndefined();
  });

  it('take SCRAM-SHA-512 on the SCRAM listener, sessions of kafkaSessionLifetimeMs', () => {
    expect(properties).toMatchObject({
      'listener.name.scram.sasl.enabled.mechanisms': 'SCRAM-SHA-512',
      'listener.name.scram.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.scram.scram-sha-512.connections.max.reauth.ms': '20000',
    });
  });

  it('serve SCRAM with the compiled lenient SCRAM server, installed ahead of Kafka\'s own', () => {
    expect(properties['security.providers']).toBe('tandem.kafka.LenientScramProvider');
    const lines = kafkaServerProperties(secured.kafka).split('\n');
    expect(lines.filter((line) => line.startsWith('security.providers='))).toEqual(['security.providers=tandem.kafka.LenientScramProvider']);
  });

  it('leave Kafka\'s own SCRAM server alone when the SCRAM listener is not asked for', () => {
    const withoutScram = stackSpecFromConfig(parseConfig({ ...raw, stack: { kafkaSecurity: ['tls', 'iam'] } }, 'test', {}, '/w').config, { cwd: '/w', env: { TANDEM_HOME: '/c' } });
    const tlsAndIam = propertiesOf(kafkaServerProperties(withoutScram.kafka));
    expect(tlsAndIam['listener.name.iam.sasl.enabled.mechanisms']).toBe('OAUTHBEARER');
    expect(tlsAndIam['security.providers']).toBeUndefined();
  });

  it('take OAUTHBEARER on the IAM listener, validated by the compiled class with its region and registry', () => {
    expect(properties).toMatchObject({
      'listener.name.iam.sasl.enabled.mechanisms': 'OAUTHBEARER',
      'listener.name.iam.oauthbearer.connections.max.reauth.ms': '20000',
      'listener.name.iam.oauthbearer.sasl.server.callback.handler.class': 'tandem.kafka.MskIamTokenValidator',
      'listener.name.iam.oauthbearer.sasl.login.callback.handler.class': 'tandem.kafka.MskIamTokenValidator',
      'listener.name.iam.oauthbearer.sasl.jaas.config':
        'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required region="us-east-1" credentialsRegistry="/w/.tandem/kafka/tls/iam-registry.properties";',
    });
  });

  it('escape backslashes twice: once for the JAAS string, once for the properties file', () => {
    const windowsish = { ...secured.kafka, dir: 'C:\\t\\kafka' };
    const line = kafkaServerProperties(windowsish)
      .split('\n')
      .find((l) => l.startsWith('listener.name.iam.oauthbearer.sasl.jaas.config='))!;
    expect(line).toContain('credentialsRegistry="C:\\\\\\\\t\\\\\\\\kafka');
  });

  it('put the compiled validator on the classpath after the Kafka jars', () => {
    const args = kafkaJavaArgs(secured.kafka, '/c/k/lib', '-Dtandem.server=/w/.tandem/kafka', ['/c/kafka-plugins/abc/classes']);
    expect(args.slice(-4)).toEqual(['-cp', '/c/k/lib/*:/c/kafka-plugins/abc/classes', 'kafka.Kafka', '/w/.tandem/kafka/conf/server.properties']);
  });

  it('create user tandem when formatting, or on a running broker formatted without it', () => {
    expect(kafkaFormatArgs(secured.kafka, '/c/k/lib', 'abc', 'pw-1').slice(-2)).toEqual(['--add-scram', 'SCRAM-SHA-512=[name=tandem,password=pw-1]']);
    expect(kafkaFormatArgs(secured.kafka, '/c/k/lib', 'abc')).not.toContain('--add-scram');
    expect(kafkaScramUpsertArgs(secured.kafka, '/c/k/lib', 'pw-1').slice(-10)).toEqual([
      'kafka.admin.ConfigCommand', '--bootstrap-server', '127.0.0.1:9092', '--alter', '--add-config', 'SCRAM-SHA-512=[password=pw-1]', '--entity-type', 'users', '--entity-name', 'tandem',
    ]);
  });
});
