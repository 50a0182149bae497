import { describe, expect, it } from 'vitest';
import {
  type AwsCredentials,
  type AwsCredentialsProvider,
  SigV4AuthProvider,
  canonicalRequest,
  extractNonce,
  signedResponse,
  signingKey,
  stringToSign,
} from '../../src/cql/sigv4-auth.js';

// Vectors from AWS's Node plugin, aws/aws-sigv4-auth-cassandra-nodejs-driver-plugin:
// test/unit/sigv4-auth-signature-tests.js and test/unit/sigv4-auth-provider-tests.js.
// The Python plugin's tests/test_auth.py checks the same signing key and signature.
const date = new Date(1591742511000); // 2020-06-09T22:41:51.000Z
const region = 'us-west-2';
const nonce = '91703fdc2ef562e19fbdab0f58e42fe5';
const credentials: AwsCredentials = { accessKeyId: 'UserID-1', secretAccessKey: 'UserSecretKey-1' };
const scope = '20200609/us-west-2/cassandra/aws4_request';
const canonical =
  'PUT\n' +
  '/authenticate\n' +
  'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=UserID-1%2F20200609%2Fus-west-2%2Fcassandra%2Faws4_request&X-Amz-Date=2020-06-09T22%3A41%3A51.000Z&X-Amz-Expires=900\n' +
  'host:cassandra\n' +
  '\n' +
  'host\n' +
  'ddf250111597b3f35e51e649f59e3f8b30ff5b247166d709dc1b1e60bd927070';
const toSign =
  'AWS4-HMAC-SHA256\n' +
  '2020-06-09T22:41:51.000Z\n' +
  '20200609/us-west-2/cassandra/aws4_request\n' +
  'bf5cc15759befc37fc35689dcdd7938a9ad042b6326f537c4c5eecaa2ebf911e';
const signed = 'signature=7f3691c18a81b8ce7457699effbfae5b09b4e0714ab38c1292dbdf082c9ddd87,access_key=UserID-1,amzdate=2020-06-09T22:41:51.000Z';

function handshake(provider: SigV4AuthProvider, challenge: Buffer) {
  const authenticator = provider.newAuthenticator();
  const call = (step: (callback: (error: Error | null, token?: Buffer) => void) => void) =>
    new Promise<Buffer>((resolve, reject) => step((error, token) => (error ? reject(error) : resolve(token!))));
  return {
    initial: call((callback) => authenticator.initialResponse(callback)),
    response: call((callback) => authenticator.evaluateChallenge(challenge, callback)),
  };
}

const fixed = (value: AwsCredentials): AwsCredentialsProvider => async () => value;

describe('SigV4 signing steps reproduce the plugin vectors', () => {
  it('builds the canonical request over the nonce', () => {
    expect(canonicalRequest('UserID-1', scope, '2020-06-09T22:41:51.000Z', nonce)).toBe(canonical);
  });

  it('builds the string to sign', () => {
    expect(stringToSign(canonical, '2020-06-09T22:41:51.000Z', scope)).toBe(toSign);
  });

  it('derives the signing key', () => {
    expect(signingKey('UserSecretKey-1', '20200609', region).toString('hex')).toBe('7fb139473f153aec1b05747b0cd5cd77a1186d22ae895a3a0128e699d72e1aba');
  });

  it('signs without a session token', () => {
    expect(signedResponse({ region, nonce, date, credentials })).toBe(signed);
  });

  it('appends a session token without signing it', () => {
    expect(signedResponse({ region, nonce, date, credentials: { ...credentials, sessionToken: 'sess-token-1' } })).toBe(`${signed},session_token=sess-token-1`);
  });
});

describe('extractNonce', () => {
  it('takes what follows nonce= up to a comma or the end', () => {
    expect(extractNonce(Buffer.from('nonce=0c0b0c6f3946d14ce1a49a8f8c86a888'))).toBe('0c0b0c6f3946d14ce1a49a8f8c86a888');
    expect(extractNonce(Buffer.from('nonce=0c0b0c6f3946d14ce1a49a8f8c86a888,,'))).toBe('0c0b0c6f3946d14ce1a49a8f8c86a888');
  });

  it('rejects a challenge without a nonce', () => {
    expect(() => extractNonce(Buffer.from('0b0c6f3946d14ce1a49a8f8c86a888,,'))).toThrow(/challenge has no nonce/);
    expect(() => extractNonce(Buffer.from('nonce=,x'))).toThrow(/challenge has no nonce/);
  });
});

describe('SigV4AuthProvider handshake', () => {
  const options = { region, now: () => date };

  it('asks for SigV4, then answers the nonce with the signed response', async () => {
    const provider = new SigV4AuthProvider({ ...options, credentials: fixed({ ...credentials, sessionToken: 'SessiosnToken-1' }) });
    const { initial, response } = handshake(provider, Buffer.from(`nonce=${nonce}`));

    expect(await initial).toEqual(Buffer.from('SigV4\0\0', 'utf8'));
    expect((await response).toString('utf8')).toBe(
      'signature=7f3691c18a81b8ce7457699effbfae5b09b4e0714ab38c1292dbdf082c9ddd87,access_key=UserID-1,amzdate=2020-06-09T22:41:51.000Z,session_token=SessiosnToken-1',
    );
  });

  it('passes a challenge without a nonce to the callback, without resolving credentials', async () => {
    let resolved = false;
    const provider = new SigV4AuthProvider({ ...options, credentials: async () => ((resolved = true), credentials) });

    await expect(handshake(provider, Buffer.from('buffer1')).response).rejects.toThrow('SigV4: the Amazon Keyspaces challenge has no nonce: "buffer1"');
    expect(resolved).toBe(false);
  });

  it('passes credentials that cannot be resolved to the callback, with the cause', async () => {
    const cause = new Error('Could not load credentials from any providers');
    const provider = new SigV4AuthProvider({ ...options, credentials: () => Promise.reject(cause) });

    const error = await handshake(provider, Buffer.from(`nonce=${nonce}`)).response.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^SigV4: no AWS credentials found for Amazon Keyspaces: set AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY, AWS_PROFILE/);
    expect((error as Error).message).toContain('Could not load credentials from any providers');
    expect((error as Error).cause).toBe(cause);
  });

  it('rejects credentials without a secret', async () => {
    const provider = new SigV4AuthProvider({ ...options, credentials: fixed({ accessKeyId: 'UserID-1', secretAccessKey: '' }) });
    await expect(handshake(provider, Buffer.from(`nonce=${nonce}`)).response).rejects.toThrow(/no AWS credentials found.*empty access key or secret/);
  });

  it('requires a region', () => {
    expect(() => new SigV4AuthProvider({ region: '' })).toThrow('SigV4 authentication needs an AWS region');
  });
});

describe('createCqlClient with sigv4 auth', () => {
  it('signs in with SigV4 for the configured region instead of a password', async () => {
    const { createCqlClient } = await import('../../src/cql/index.js');
    const client = createCqlClient(
      { contactPoints: ['cassandra.eu-west-1.amazonaws.com:9142'], localDataCenter: 'eu-west-1', auth: { sigv4: { region: 'eu-west-1' } } },
      { profile: 'keyspaces' },
    );
    // The driver keeps its options on the client; its typings leave them out.
    const options = (client as unknown as { options: { authProvider: unknown; sslOptions: unknown } }).options;
    expect(options.authProvider).toBeInstanceOf(SigV4AuthProvider);
    expect(options.sslOptions).toMatchObject({ rejectUnauthorized: true });
    await client.shutdown();
  });
});
