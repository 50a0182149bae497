import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig, redact } from '../../src/config/index.js';
import { ConfigError, SecretMissingError } from '../../src/errors.js';

const designExample = `
kafka:
  brokers: [127.0.0.1:9092]
source:
  contactPoints: [127.0.0.1:9042]
  localDataCenter: datacenter1
  auth: { username: cassandra, password: "\${env:SOURCE_PASSWORD}" }
target:
  profile: keyspaces
  contactPoints: [cassandra.us-east-1.amazonaws.com:9142]
  localDataCenter: us-east-1
  tls: { caFile: ./sf-class2-root.crt }
  auth: { username: ks-user-at-123, password: "\${env:KEYSPACES_PASSWORD}" }
  maxWritesPerSecond: 3000
topics:
  - topic: mskkscassdualwrites
    table: msk_ks_cass_blog.user_activity
    mapping: "user_id=value.user_id, activity_time=value.activity_time"
    timestamp: header
    ttl: none
    deadLetterTopic: mskkscassdualwrites.dlq
`;

function configFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-config-'));
  const file = join(dir, 'tandem.yaml');
  writeFileSync(file, text);
  return file;
}

const env = { SOURCE_PASSWORD: 's3cret-source', KEYSPACES_PASSWORD: 'k3yspaces-pw' };

describe('loadConfig', () => {
  it('reads the design example, fills defaults and substitutes secrets', () => {
    const { config, secrets } = loadConfig(configFile(designExample), env);
    expect(config.target.profile).toBe('keyspaces');
    expect(config.target.auth).toEqual({ username: 'ks-user-at-123', password: 'k3yspaces-pw' });
    expect(config.source.auth).toEqual({ username: 'cassandra', password: 's3cret-source' });
    expect(config.topics[0]).toMatchObject({ topic: 'mskkscassdualwrites', timestamp: 'header', ttl: 'none' });
    expect(config.stack).toEqual({
      cassandraHeapMb: 512,
      sourceNodes: 1,
      kafkaHeapMb: 512,
      commitlogSync: 'periodic',
      jvmArgs: { cassandra: [], kafka: [] },
      kafkaSecurity: [],
      kafkaSessionLifetimeMs: 60_000,
    });
    expect([...secrets].sort()).toEqual(['k3yspaces-pw', 's3cret-source']);
  });

  it('reads a CA file relative to the config file', () => {
    const file = configFile(designExample);
    expect(loadConfig(file, env).config.target.tls?.caFile).toBe(join(file, '..', 'sf-class2-root.crt'));
  });

  it('freezes the result', () => {
    const { config } = loadConfig(configFile(designExample), env);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.target.contactPoints)).toBe(true);
  });

  it('uses the local defaults when there is no config file', () => {
    const { config, origin } = loadConfig(undefined, {}, mkdtempSync(join(tmpdir(), 'tandem-empty-')));
    expect(origin).toBe('defaults');
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.target.contactPoints).toEqual(['127.0.0.1:9142']);
    expect(config.target.auth).toEqual({ username: 'ks-user', password: 'ks-password' });
  });

  it('reads a secret from a file relative to the config', () => {
    const file = configFile(designExample.replace('${env:KEYSPACES_PASSWORD}', '${file:pw.txt}'));
    writeFileSync(join(file, '..', 'pw.txt'), 'from-a-file\n');
    expect(loadConfig(file, env).config.target.auth).toEqual({ username: 'ks-user-at-123', password: 'from-a-file' });
  });

  it('names the environment variable a secret needs', () => {
    const error = (() => {
      try {
        loadConfig(configFile(designExample), { SOURCE_PASSWORD: 'x' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SecretMissingError);
    expect((error as Error).message).toBe('target.auth.password refers to environment variable KEYSPACES_PASSWORD, which is not set');
  });

  it.each([
    ['a bad address', designExample.replace('[127.0.0.1:9092]', '[localhost]'), 'kafka.brokers[0]: must be host:port, e.g. 127.0.0.1:9042'],
    ['a port out of range', designExample.replace('[127.0.0.1:9092]', '[127.0.0.1:70000]'), 'kafka.brokers[0]: port must be between 1 and 65535'],
    ['an unknown profile', designExample.replace('profile: keyspaces', 'profile: dynamo'), 'target.profile: Invalid option: expected one of "keyspaces"|"cassandra"'],
    ['an unknown setting', designExample.replace('maxWritesPerSecond', 'maxWritesPerSec'), 'target: unknown setting "maxWritesPerSec"'],
    ['a table without keyspace', designExample.replace('table: msk_ks_cass_blog.user_activity', 'table: user_activity'), 'topics[0].table: must be keyspace.table'],
    ['a bad timestamp source', designExample.replace('timestamp: header', 'timestamp: now'), 'topics[0].timestamp: must be header, record or field:<name>'],
    ['a bad TTL source', designExample.replace('ttl: none', 'ttl: forever'), 'topics[0].ttl: must be none, a number of seconds or field:<name>'],
    ['a missing section', designExample.replace(/^kafka:\n.*\n/m, ''), 'kafka: is required (object)'],
  ])('refuses %s with an error naming the setting', (_what, text, expected) => {
    expect(() => loadConfig(configFile(text), env)).toThrow(ConfigError);
    expect(() => loadConfig(configFile(text), env)).toThrow(expected);
  });

  it('never echoes a secret in a validation error', () => {
    const text = designExample.replace('password: "${env:KEYSPACES_PASSWORD}"', 'password: "${env:KEYSPACES_PASSWORD}", extra: "${env:KEYSPACES_PASSWORD}"');
    expect(() => loadConfig(configFile(text), env)).toThrow(/unknown setting "extra"/);
    try {
      loadConfig(configFile(text.replace('brokers: [127.0.0.1:9092]', 'brokers: ["${env:KEYSPACES_PASSWORD}"]')), env);
    } catch (error) {
      expect((error as Error).message).not.toContain(env.KEYSPACES_PASSWORD);
    }
  });

  it('refuses YAML that does not parse, naming the file', () => {
    const file = configFile('kafka: [unclosed');
    expect(() => loadConfig(file, env)).toThrow(`${file} is not valid YAML`);
  });
});

describe('redact', () => {
  it('replaces every secret, longest first', () => {
    expect(redact('pw=abc and abcdef', new Set(['abc', 'abcdef']))).toBe('pw=*** and ***');
  });
});

describe('parseConfig', () => {
  it('accepts SigV4 auth in place of a password', () => {
    const { config } = parseConfig(
      {
        kafka: { brokers: ['127.0.0.1:9092'] },
        source: { contactPoints: ['127.0.0.1:9042'] },
        target: { contactPoints: ['cassandra.eu-west-1.amazonaws.com:9142'], auth: { sigv4: { region: 'eu-west-1' } } },
      },
      'inline',
      {},
      '.',
    );
    expect(config.target.auth).toEqual({ sigv4: { region: 'eu-west-1' } });
  });
});

describe('kafka security settings', () => {
  const base = { source: { contactPoints: ['127.0.0.1:9042'] }, target: { contactPoints: ['127.0.0.1:9142'] } };
  const parse = (kafka: unknown, secretEnv: NodeJS.ProcessEnv = {}, dir = '/etc/tandem') => parseConfig({ ...base, kafka }, 'inline', secretEnv, dir);

  it('takes SCRAM with its password from the environment, and names files relative to the config', () => {
    const { config, secrets } = parse(
      { brokers: ['b-1.msk.example:9096'], tls: { caFile: 'ca.pem' }, sasl: { mechanism: 'SCRAM-SHA-512', username: 'tandem', password: '${env:KAFKA_PASSWORD}' } },
      { KAFKA_PASSWORD: 'scram-secret' },
    );
    expect(config.kafka.sasl).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'tandem', password: 'scram-secret' });
    expect(config.kafka.tls).toEqual({ caFile: '/etc/tandem/ca.pem', rejectUnauthorized: true });
    expect(secrets.has('scram-secret')).toBe(true);
  });

  it('takes Amazon MSK IAM with a region, over TLS', () => {
    const { config } = parse({ brokers: ['b-1.msk.example:9098'], tls: true, sasl: { mechanism: 'AWS_MSK_IAM', region: 'eu-west-1' } });
    expect(config.kafka.sasl).toEqual({ mechanism: 'AWS_MSK_IAM', region: 'eu-west-1' });
  });

  it.each([
    ['IAM without TLS', { brokers: ['b:9098'], sasl: { mechanism: 'AWS_MSK_IAM', region: 'us-east-1' } }, 'kafka.tls: sasl AWS_MSK_IAM needs tls'],
    ['IAM without a region', { brokers: ['b:9098'], tls: true, sasl: { mechanism: 'AWS_MSK_IAM' } }, 'kafka.sasl.region'],
    ['IAM with a bad region', { brokers: ['b:9098'], tls: true, sasl: { mechanism: 'AWS_MSK_IAM', region: 'Ireland' } }, 'kafka.sasl.region: must be an AWS region'],
    ['an unknown mechanism', { brokers: ['b:9096'], sasl: { mechanism: 'GSSAPI', username: 'u', password: 'p' } }, 'kafka.sasl.mechanism: mechanism must be PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or AWS_MSK_IAM'],
    ['SCRAM without a password', { brokers: ['b:9096'], sasl: { mechanism: 'SCRAM-SHA-256', username: 'u' } }, 'kafka.sasl.password: is required'],
    ['a client certificate without its key', { brokers: ['b:9094'], tls: { certFile: 'client.pem' } }, 'kafka.tls: certFile and keyFile go together'],
    ['an unknown TLS setting', { brokers: ['b:9094'], tls: { ca: 'x' } }, 'kafka.tls: unknown setting "ca"'],
  ])('refuses %s, naming the setting', (_what, kafka, expected) => {
    expect(() => parse(kafka)).toThrow(ConfigError);
    expect(() => parse(kafka)).toThrow(expected);
  });

  it('never echoes the SASL password in an error', () => {
    try {
      parse({ brokers: ['b:9096'], sasl: { mechanism: 'SCRAM-SHA-512', username: 'u', password: '${env:P}', extra: '${env:P}' } }, { P: 'hunter2-secret' });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toContain('unknown setting "extra"');
      expect((error as Error).message).not.toContain('hunter2-secret');
    }
  });
});
