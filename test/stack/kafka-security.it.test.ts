import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Admin, Connection, Consumer, metadataV12, Producer, saslAuthenticateV2, saslHandshakeV1, stringDeserializers, stringSerializers, type SASLOptions } from '@platformatic/kafka';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { oauthBearerRefusal } from '../../src/kafka/index.js';
import { parseSharedCredentials } from '../../src/stack/msk-iam-credentials.js';
import { signMskIamToken, type AwsCredentials } from '../../src/aws/index.js';

const dataDir = inject('stackDataDir');
const listeners = inject('stackKafkaListeners');
const listener = (security: 'tls' | 'scram' | 'iam') => listeners.find((l) => l.security === security)!;
const tls = listener('tls');
const scram = listener('scram');
const iam = listener('iam');
const ca = readFileSync(tls.caFile, 'utf8');
const brokerLog = join(dataDir, 'kafka', 'logs', 'server.log');
const sessionLifetimeMs = 20_000;

const profiles = parseSharedCredentials(readFileSync(iam.credentialsFile!, 'utf8'));
function profile(name: string): AwsCredentials {
  const keys = profiles.get(name)!;
  return { accessKeyId: keys.aws_access_key_id!, secretAccessKey: keys.aws_secret_access_key!, ...(keys.aws_session_token ? { sessionToken: keys.aws_session_token } : {}) };
}
const valid = profile(iam.profiles!.valid);
const expiredSession = profile(iam.profiles!.expired);
const sign = (credentials: AwsCredentials, options: { region?: string; signedAt?: Date } = {}) =>
  signMskIamToken({ region: options.region ?? iam.region!, credentials, date: options.signedAt ?? new Date() });

const closers: (() => unknown)[] = [];
afterAll(async () => {
  await Promise.allSettled(closers.map(async (close) => close()));
});

function clientOptions(address: string, sasl?: SASLOptions) {
  return { clientId: 'kafka-security-test', bootstrapBrokers: [address], tls: { ca }, ...(sasl ? { sasl } : {}), retries: 0 };
}

/** Produces one record and reads it back with a consumer group, both over `address`. */
async function roundTrip(address: string, sasl?: SASLOptions): Promise<string> {
  const topic = `secured-${randomUUID()}`;
  const value = `value-${randomUUID()}`;
  const producer = new Producer({ ...clientOptions(address, sasl), serializers: stringSerializers, retries: 5, autocreateTopics: true });
  closers.push(() => producer.close());
  await producer.send({ messages: [{ topic, key: 'k', value }] });
  const consumer = new Consumer({ ...clientOptions(address, sasl), retries: 5, groupId: `group-${topic}`, deserializers: stringDeserializers });
  closers.push(() => consumer.close(true));
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, sessionTimeout: 10_000, heartbeatInterval: 500 });
  let received: string | undefined;
  for await (const message of stream) {
    received = message.value;
    break;
  }
  await stream.close();
  expect(received).toBe(value);
  return value;
}

/** A metadata request over `address`: what a client does first. */
async function metadata(address: string, sasl?: SASLOptions): Promise<number> {
  const admin = new Admin(clientOptions(address, sasl));
  try {
    return (await admin.metadata({ topics: [] })).brokers.size;
  } finally {
    await admin.close();
  }
}

interface KcatResult {
  code: number;
  stdout: string;
  stderr: string;
}

function kcat(args: string[], input?: string): Promise<KcatResult> {
  return new Promise((resolve, reject) => {
    const child = execFile('kcat', args, { timeout: 30_000 }, (error, stdout, stderr) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') reject(new Error('kcat is not installed (apt-get install -y kcat)'));
      else resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** librdkafka's settings for a listener, as a user writes them: the stack's CA, the host name verified. */
function kcatSecurity(address: string, sasl?: { username: string; password: string }): string[] {
  const settings = {
    'security.protocol': sasl ? 'SASL_SSL' : 'SSL',
    'ssl.ca.location': tls.caFile,
    'ssl.endpoint.identification.algorithm': 'https',
    ...(sasl ? { 'sasl.mechanisms': 'SCRAM-SHA-512', 'sasl.username': sasl.username, 'sasl.password': sasl.password } : {}),
  };
  return ['-b', address, ...Object.entries(settings).flatMap(([name, value]) => ['-X', `${name}=${value}`])];
}

async function kcatRoundTrip(security: string[]): Promise<{ value: string; consumed: KcatResult }> {
  const topic = `kcat-${randomUUID()}`;
  const value = `value-${randomUUID()}`;
  const produced = await kcat(['-P', ...security, '-t', topic, '-c', '1'], `${value}\n`);
  expect(produced.code, produced.stderr).toBe(0);
  const consumed = await kcat(['-C', ...security, '-t', topic, '-o', 'beginning', '-c', '1', '-e', '-q']);
  return { value, consumed };
}

/**
 * kcat's librdkafka. Before 2.6.1 it answers SCRAM's server nonce with its own nonce repeated in
 * front (confluentinc/librdkafka#4895), which Kafka 4 refuses; the stack's SCRAM server takes it,
 * as Kafka 3 did, and logs so. Debian 12's kcat is on librdkafka 2.0.2.
 */
async function kcatLibrdkafka(): Promise<{ version: string; repeatsNonce: boolean }> {
  const { stdout, stderr } = await kcat(['-V']);
  const version = /librdkafka (\d+)\.(\d+)\.(\d+)/.exec(stdout + stderr);
  if (!version) return { version: 'librdkafka unknown', repeatsNonce: false };
  const [major, minor, patch] = version.slice(1).map(Number) as [number, number, number];
  return { version: version[0], repeatsNonce: major * 1e6 + minor * 1e3 + patch < 2_006_001 };
}
const librdkafka = await kcatLibrdkafka();

/** Runs `attempt`, and returns what the broker logged meanwhile about refused IAM tokens. */
async function brokerRefusals(attempt: () => Promise<unknown>): Promise<string[]> {
  const from = statSync(brokerLog).size;
  await attempt();
  // The broker logs the refusal before it answers; the file may trail by a moment.
  for (let tries = 0; ; tries++) {
    const lines = readFileSync(brokerLog).subarray(from).toString('utf8').split('\n').filter((line) => line.includes('MSK IAM token refused'));
    if (lines.length > 0 || tries === 20) return lines;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('TLS listener', () => {
  it('kcat produces and consumes a record, verifying the certificate for localhost', async () => {
    expect(tls.address).toMatch(/^localhost:\d+$/);
    const { value, consumed } = await kcatRoundTrip(kcatSecurity(tls.address));
    expect(consumed.stdout.trim()).toBe(value);
  });

  it('refuses a client that verifies the host name but connects by address: the certificate names localhost only', async () => {
    const byAddress = tls.address.replace('localhost', '127.0.0.1');
    const result = await kcat(['-L', ...kcatSecurity(byAddress), '-m', '3']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/certificate verify failed/);
  });

  it('serves @platformatic/kafka with the stack\'s CA', async () => {
    await roundTrip(tls.address);
  });
});

describe('SASL/SCRAM listener', () => {
  const password = readFileSync(scram.passwordFile!, 'utf8');

  it('keeps the password in a file only its owner reads', () => {
    expect(statSync(scram.passwordFile!).mode & 0o777).toBe(0o600);
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it(`kcat produces and consumes a record as user tandem (${librdkafka.version})`, async () => {
    const { value, consumed } = await kcatRoundTrip(kcatSecurity(scram.address, { username: scram.username!, password }));
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout.trim()).toBe(value);
    if (librdkafka.repeatsNonce) {
      // The nonce Kafka 4 itself refuses: taken by the stack's SCRAM server, which says so once.
      expect(readFileSync(brokerLog, 'utf8')).toMatch(/Accepted a SASL\/SCRAM-SHA-512 client-final nonce that repeats the client nonce/);
    }
  });

  it('refuses kcat with a wrong password', async () => {
    const result = await kcat(['-L', ...kcatSecurity(scram.address, { username: scram.username!, password: 'not-the-password' }), '-m', '5']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512/);
  });

  it('@platformatic/kafka produces and consumes a record as user tandem', async () => {
    await roundTrip(scram.address, { mechanism: 'SCRAM-SHA-512', username: scram.username!, password });
  });

  it('refuses @platformatic/kafka with a wrong password', async () => {
    const error = await metadata(scram.address, { mechanism: 'SCRAM-SHA-512', username: 'tandem', password: 'not-the-password' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error)) + String((error as Error).cause ?? '')).toMatch(/invalid credentials|SASL|authentication/i);
  });
});

describe('IAM listener (Amazon MSK IAM stand-in)', () => {
  it('writes AWS shared credentials only its owner reads, with an accepted and an expired profile', () => {
    expect(statSync(iam.credentialsFile!).mode & 0o777).toBe(0o600);
    expect(iam.region).toBe('us-east-1');
    expect(valid.accessKeyId).toMatch(/^AKIA/);
    expect(expiredSession.sessionToken).toBeTruthy();
  });

  it('accepts a token signed with profile tandem-local: @platformatic/kafka produces and consumes', async () => {
    await roundTrip(iam.address, { mechanism: 'OAUTHBEARER', token: () => sign(valid) });
  });

  it.each([
    ['a wrong secret', () => sign({ ...valid, secretAccessKey: `${valid.secretAccessKey.slice(1)}x` }), 'bad signature'],
    ['a token signed 20 minutes ago', () => sign(valid, { signedAt: new Date(Date.now() - 20 * 60_000) }), 'expired'],
    ['a token for another region', () => sign(valid, { region: 'eu-west-1' }), 'wrong region'],
    ['the expired session credentials of profile tandem-expired', () => sign(expiredSession), 'expired'],
    ['an access key it does not know', () => sign({ accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: valid.secretAccessKey }), 'unknown key'],
    ['a token signed 10 minutes ahead', () => sign(valid, { signedAt: new Date(Date.now() + 10 * 60_000) }), 'not yet valid'],
  ])('refuses %s, and logs why', async (_case, token, reason) => {
    const refusals = await brokerRefusals(async () => {
      const error = await metadata(iam.address, { mechanism: 'OAUTHBEARER', token: token(), authBytesValidator: oauthBearerRefusal }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(JSON.stringify(error, Object.getOwnPropertyNames(error)) + String((error as Error).cause ?? '')).toMatch(/invalid_token|SASL|refused/i);
    });
    expect(refusals.some((line) => line.includes(`MSK IAM token refused: ${reason}:`)), refusals.join('\n')).toBe(true);
  });
});

describe('SASL sessions', () => {
  it(`are re-authenticated by clients that can, which keep working past connections.max.reauth.ms (${sessionLifetimeMs} ms)`, async () => {
    const logins = { scram: 0, iam: 0 };
    const password = readFileSync(scram.passwordFile!, 'utf8');
    const producers = {
      scram: new Producer({ ...clientOptions(scram.address, { mechanism: 'SCRAM-SHA-512', username: 'tandem', password: () => (logins.scram++, password) }), serializers: stringSerializers, autocreateTopics: true, retries: 5 }),
      iam: new Producer({ ...clientOptions(iam.address, { mechanism: 'OAUTHBEARER', token: () => (logins.iam++, sign(valid)) }), serializers: stringSerializers, autocreateTopics: true, retries: 5 }),
    };
    closers.push(() => producers.scram.close(), () => producers.iam.close());
    const topic = `reauth-${randomUUID()}`;
    const sendBoth = () => Promise.all(Object.values(producers).map((producer) => producer.send({ messages: [{ topic, value: 'v' }] })));
    await sendBoth();
    const loginsBefore = { ...logins };
    await new Promise((resolve) => setTimeout(resolve, sessionLifetimeMs + 4_000));
    await sendBoth();
    // Each connection logs in again at 80 % of its session, on the same connection (platformatic/kafka, KIP-368).
    expect(logins.scram).toBeGreaterThan(loginsBefore.scram);
    expect(logins.iam).toBeGreaterThan(loginsBefore.iam);
  });

  it('end, for a client that does not re-authenticate, at the token\'s expiry or connections.max.reauth.ms, whichever is first', async () => {
    const session = async (token: string) => {
      const connection = new Connection('kafka-security-test', { tls: { ca } });
      closers.push(() => connection.close());
      const [host, port] = iam.address.split(':') as [string, string];
      await connection.connect(host, Number(port));
      await saslHandshakeV1.api.async(connection, 'OAUTHBEARER');
      const response = await saslAuthenticateV2.api.async(connection, Buffer.from(`n,,\x01auth=Bearer ${token}\x01\x01`));
      return { connection, lifetimeMs: Number(response.sessionLifetimeMs) };
    };
    const fresh = await session(sign(valid));
    expect(fresh.lifetimeMs).toBe(sessionLifetimeMs);
    // Signed 890 of its 900 s ago: the session lasts only as long as the token.
    const ending = await session(sign(valid, { signedAt: new Date(Date.now() - 890_000) }));
    expect(ending.lifetimeMs).toBeGreaterThan(0);
    expect(ending.lifetimeMs).toBeLessThanOrEqual(10_000);
    expect((await metadataV12.api.async(ending.connection, [], false, false)).brokers.length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, ending.lifetimeMs + 1_500));
    await expect(metadataV12.api.async(ending.connection, [], false, false)).rejects.toThrow();
    // The one with the fresh token is still within its 20 s.
    expect((await metadataV12.api.async(fresh.connection, [], false, false)).brokers.length).toBe(1);
  });
});
