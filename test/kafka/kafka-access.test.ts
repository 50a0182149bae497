import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthenticationError, MultipleErrors, NetworkError, ResponseError, UserError } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { ConfigError, describeError, KafkaAccessError } from '../../src/errors.js';
import { explainConsumerAuthorizationError, explainKafkaAccessError, explainKafkaAuthorizationError, kafkaConnection, oauthBearerRefusal } from '../../src/kafka/index.js';

const base = { source: { contactPoints: ['127.0.0.1:9042'] }, target: { contactPoints: ['127.0.0.1:9142'] } };
const kafkaOf = (kafka: unknown, env: NodeJS.ProcessEnv = {}) => parseConfig({ ...base, kafka }, 'inline', env, '/').config.kafka;

/** An error shaped as @platformatic/kafka raises a failed connection: an aggregate over the broker's NetworkError and its cause. */
const connectFailure = (broker: string, cause: Error) => new MultipleErrors('Cannot connect to any broker.', [new NetworkError(`Connection to ${broker} failed.`, { cause })]);
const nodeError = (code: string, message: string) => Object.assign(new Error(message), { code });
const saslRefusal = (id: string, serverMessage: string) => new ResponseError(36, 2, { '': [errorCodeOf(id), serverMessage] }, {});

function errorCodeOf(id: string): number {
  return { SASL_AUTHENTICATION_FAILED: 58, ILLEGAL_SASL_STATE: 34, UNSUPPORTED_SASL_MECHANISM: 33, TOPIC_AUTHORIZATION_FAILED: 29, CLUSTER_AUTHORIZATION_FAILED: 31 }[id]!;
}

describe('kafkaConnection', () => {
  it('builds TLS and SCRAM options from the config, once per config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-kafka-'));
    writeFileSync(join(dir, 'ca.pem'), 'CA PEM');
    const kafka = kafkaOf({ brokers: ['localhost:9096'], tls: { caFile: join(dir, 'ca.pem') }, sasl: { mechanism: 'SCRAM-SHA-512', username: 'tandem', password: 'pw' } });
    const connection = kafkaConnection(kafka);
    expect(connection.options).toEqual({
      bootstrapBrokers: ['localhost:9096'],
      tls: { rejectUnauthorized: true, ca: ['CA PEM'] },
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'tandem', password: 'pw' },
    });
    expect(kafkaConnection(kafka)).toBe(connection);
    expect(JSON.stringify(connection.settings)).not.toContain('pw');
  });

  it('signs an OAUTHBEARER token per connection for AWS_MSK_IAM', () => {
    const connection = kafkaConnection(kafkaOf({ brokers: ['b-1.msk.example:9098'], tls: true, sasl: { mechanism: 'AWS_MSK_IAM', region: 'us-east-1' } }));
    expect(connection.options.sasl?.mechanism).toBe('OAUTHBEARER');
    expect(typeof connection.options.sasl?.token).toBe('function');
    expect(connection.options.tls).toEqual({ rejectUnauthorized: true });
  });

  it('names the setting of a CA file it cannot read', () => {
    const kafka = kafkaOf({ brokers: ['localhost:9094'], tls: { caFile: '/nonexistent/ca.pem' } });
    expect(() => kafkaConnection(kafka)).toThrow(ConfigError);
    expect(() => kafkaConnection(kafka)).toThrow('kafka.tls.caFile /nonexistent/ca.pem cannot be read');
  });
});

describe('explainKafkaAccessError', () => {
  const scram = kafkaConnection(kafkaOf({ brokers: ['localhost:9096'], tls: true, sasl: { mechanism: 'SCRAM-SHA-512', username: 'tandem', password: 'the-password' } })).settings;
  const plain = kafkaConnection(kafkaOf({ brokers: ['localhost:9094'] })).settings;
  const iam = kafkaConnection(kafkaOf({ brokers: ['localhost:9098'], tls: true, sasl: { mechanism: 'AWS_MSK_IAM', region: 'us-east-1' } })).settings;

  it('a refused SCRAM login names the user and the settings, never the password', () => {
    const error = connectFailure('localhost:9096', new AuthenticationError('SASL authentication failed.', { cause: saslRefusal('SASL_AUTHENTICATION_FAILED', 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512') }));
    const explained = explainKafkaAccessError(error, scram);
    expect(explained).toBeInstanceOf(KafkaAccessError);
    const line = describeError(explained);
    expect(line).toContain('Kafka at localhost:9096 refused the SASL login SCRAM-SHA-512 as tandem: Authentication failed');
    expect(line).toContain('kafka.sasl.username and kafka.sasl.password');
    expect(line).not.toContain('the-password');
    expect(line).not.toContain('\n');
  });

  it('a refused IAM token points at the AWS credentials and the region', () => {
    const error = connectFailure('localhost:9098', new AuthenticationError('SASL authentication failed.', { cause: saslRefusal('SASL_AUTHENTICATION_FAILED', '{"status":"invalid_token"}') }));
    expect(describeError(explainKafkaAccessError(error, iam))).toMatch(/refused the SASL login AWS_MSK_IAM \(region us-east-1\).*AWS default chain.*not expired/);
  });

  it('an untrusted certificate names kafka.tls.caFile', () => {
    const error = connectFailure('localhost:9094', nodeError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'));
    expect(describeError(explainKafkaAccessError(error, scram))).toMatch(/Kafka at localhost:9094: its TLS certificate is not trusted \(self-signed certificate in certificate chain\)\. Set kafka\.tls\.caFile/);
  });

  it('a certificate for another host names kafka.brokers', () => {
    const error = connectFailure('127.0.0.1:9094', nodeError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"));
    expect(describeError(explainKafkaAccessError(error, scram))).toMatch(/is for another host name.*kafka\.brokers/);
  });

  it('TLS to a plaintext port says to remove kafka.tls or change the port', () => {
    const error = connectFailure('localhost:9092', new UserError('TLS handshake failed. Please verify the broker supports TLS.', { cause: nodeError('ECONNRESET', 'Client network socket disconnected before secure TLS connection was established') }));
    expect(describeError(explainKafkaAccessError(error, scram))).toMatch(/does not speak TLS on that port.*remove kafka\.tls/);
  });

  it('a TLS port wanting a client certificate names kafka.tls.certFile', () => {
    const error = connectFailure('localhost:9094', nodeError('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'tlsv13 alert certificate required'));
    expect(describeError(explainKafkaAccessError(error, scram))).toMatch(/ended the TLS handshake \(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED\): it may want a client certificate\. Set kafka\.tls\.certFile and kafka\.tls\.keyFile/);
  });

  it('SASL on a port without it, or with another mechanism, names kafka.sasl.mechanism', () => {
    const error = connectFailure('localhost:9094', new AuthenticationError('Cannot find a suitable SASL mechanism.', { cause: saslRefusal('ILLEGAL_SASL_STATE', '') }));
    expect(describeError(explainKafkaAccessError(error, scram))).toMatch(/does not take SASL SCRAM-SHA-512 on that port \(kafka\.sasl\.mechanism\)/);
  });

  it('leaves alone what waiting may cure: a refused connection, a timeout', () => {
    expect(explainKafkaAccessError(connectFailure('localhost:9092', nodeError('ECONNREFUSED', 'connect ECONNREFUSED')), scram)).toBeUndefined();
    expect(explainKafkaAccessError(new Error('Request timed out'), scram)).toBeUndefined();
    // A connection closed unanswered may be a broker going away: only checkKafkaAccess's TLS probe tells.
    expect(explainKafkaAccessError(new NetworkError('Connection closed'), plain)).toBeUndefined();
  });
});

describe('explainKafkaAuthorizationError', () => {
  it('names the topic and the permission, Kafka ACL and MSK IAM alike', () => {
    const error = new MultipleErrors('Creating topics failed', [saslRefusal('TOPIC_AUTHORIZATION_FAILED', 'Authorization failed.')]);
    const line = describeError(explainKafkaAuthorizationError(error, { action: 'create', resource: 'topic events.dlq', awsAction: 'kafka-cluster:CreateTopic' }));
    expect(line).toMatch(/Kafka refused to create topic events\.dlq: TOPIC_AUTHORIZATION_FAILED/);
    expect(line).toContain('kafka-cluster:CreateTopic');
    expect(line).toContain('ACL allowing CREATE');
  });

  it('is undefined for other errors', () => {
    expect(explainKafkaAuthorizationError(new Error('boom'), { action: 'create', resource: 'topic t', awsAction: 'kafka-cluster:CreateTopic' })).toBeUndefined();
  });
});

describe('explainKafkaAccessError, for a token that could not be made', () => {
  it('says what the token provider said, not that Kafka refused a login', () => {
    const settings = kafkaConnection(kafkaOf({ brokers: ['localhost:9098'], tls: true, sasl: { mechanism: 'AWS_MSK_IAM', region: 'us-east-1' } })).settings;
    const noCredentials = new ConfigError('No AWS credentials for Amazon MSK IAM (kafka.sasl.mechanism AWS_MSK_IAM): Could not load credentials from any providers', { hint: 'Set AWS_PROFILE' });
    const error = connectFailure('localhost:9098', new AuthenticationError('The SASL/OAUTHBEARER token provider threw an error.', { cause: noCredentials }));
    const line = describeError(explainKafkaAccessError(error, settings));
    expect(line).toBe('No AWS credentials for Amazon MSK IAM (kafka.sasl.mechanism AWS_MSK_IAM): Could not load credentials from any providers. Set AWS_PROFILE');
  });
});

describe('oauthBearerRefusal', () => {
  it("turns the broker's error document into an error, and passes anything else", () => {
    const results: [Error | null, Buffer | undefined][] = [];
    oauthBearerRefusal(Buffer.from('{"status":"invalid_token"}'), (error, bytes) => results.push([error, bytes]));
    oauthBearerRefusal(Buffer.alloc(0), (error, bytes) => results.push([error, bytes]));
    expect(results).toHaveLength(2);
    expect(results[0]![0]?.message).toBe('the broker refused the token (invalid_token)');
    expect(results[1]).toEqual([null, Buffer.alloc(0)]);
  });
});

describe('explainConsumerAuthorizationError', () => {
  it('names the topics a metadata answer refused and the grants a consumer needs', () => {
    const refusal = new ResponseError(3, 12, { '/topics/0': [29, null] }, { topics: [{ name: 'events', errorCode: 29 }, { name: 'other', errorCode: 0 }] });
    const line = describeError(explainConsumerAuthorizationError(refusal, 'tandem-sink-source'));
    expect(line).toBe(
      'Kafka refused consumer group tandem-sink-source access to topic events: TOPIC_AUTHORIZATION_FAILED. Grant DESCRIBE and READ on the topics it reads and WRITE on their dead-letter topics (Kafka ACLs), or on Amazon MSK with IAM kafka-cluster:DescribeTopic, kafka-cluster:ReadData and kafka-cluster:WriteData on them',
    );
  });

  it('names the group it may not join', () => {
    const refusal = new ResponseError(11, 9, { '': [30, null] }, {});
    expect(describeError(explainConsumerAuthorizationError(refusal, 'tandem-sink-target'))).toMatch(/^Kafka refused consumer group tandem-sink-target: GROUP_AUTHORIZATION_FAILED\. .*kafka-cluster:AlterGroup/);
  });

  it('is undefined for other errors', () => {
    expect(explainConsumerAuthorizationError(new NetworkError('Connection closed'), 'g')).toBeUndefined();
  });
});
