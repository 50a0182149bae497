import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AwsCredentials, type AwsCredentialsProvider, describeMskIamToken, mskIamTokenProvider } from '../../src/aws/index.js';
import { ConfigError } from '../../src/errors.js';

const secretAccessKey = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const decode = (token: string) => Buffer.from(token, 'base64url').toString('utf8');

/** A clock the test moves by hand. */
function clock(start: string) {
  let now = new Date(start);
  return { now: () => now, set: (iso: string) => (now = new Date(iso)) };
}

describe('mskIamTokenProvider', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('asks for credentials at each call and signs with the time of that call', async () => {
    const time = clock('2026-03-14T15:09:26.000Z');
    const rotation: AwsCredentials[] = [
      { accessKeyId: 'ASIAFIRST', secretAccessKey, sessionToken: 'first' },
      { accessKeyId: 'ASIASECOND', secretAccessKey, sessionToken: 'second' },
    ];
    let calls = 0;
    const provide = mskIamTokenProvider({ region: 'eu-west-1', credentials: async () => rotation[calls++]!, now: time.now });

    const first = describeMskIamToken(await provide());
    time.set('2026-03-14T15:20:00.000Z');
    const second = describeMskIamToken(await provide());

    expect(calls).toBe(2);
    expect(first).toMatchObject({ accessKeyId: 'ASIAFIRST', region: 'eu-west-1', date: new Date('2026-03-14T15:09:26.000Z') });
    expect(second).toMatchObject({ accessKeyId: 'ASIASECOND', region: 'eu-west-1', date: new Date('2026-03-14T15:20:00.000Z') });
  });

  it('makes a token end when its temporary credentials end, as AWS\'s signer does', async () => {
    const credentials = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey, sessionToken: 'FwoGZXIvYXdzEXAMPLE', expiration: new Date('2026-03-14T15:14:26.000Z') };
    const provide = mskIamTokenProvider({ region: 'ap-southeast-2', credentials: async () => credentials, now: () => new Date('2026-03-14T15:09:26.000Z') });

    // aws-msk-iam-sasl-signer-js 1.0.3 for the same credentials and a global Date fixed at 15:09:26.000Z (see msk-iam-token.test.ts).
    expect(decode(await provide())).toBe(
      'https://kafka.ap-southeast-2.amazonaws.com/?Action=kafka-cluster%3AConnect&User-Agent=tandem-migrate' +
        '&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%2F20260314%2Fap-southeast-2%2Fkafka-cluster%2Faws4_request' +
        '&X-Amz-Date=20260314T150926Z&X-Amz-Expires=300&X-Amz-Security-Token=FwoGZXIvYXdzEXAMPLE' +
        '&X-Amz-Signature=bce635eb10e31bb1456d41e26ce4ea89b1f29cf54e4c666725a97ca6ed81ee38&X-Amz-SignedHeaders=host',
    );
  });

  it('keeps the lifetime in whole seconds, at least one, when credentials end mid-second or have ended', async () => {
    const lifetime = async (expiration: string) => {
      const credentials = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey, sessionToken: 't', expiration: new Date(expiration) };
      const provide = mskIamTokenProvider({ region: 'us-east-1', credentials: async () => credentials, now: () => new Date('2026-03-14T15:09:26.535Z') });
      return describeMskIamToken(await provide()).expiresInSeconds;
    };

    expect(await lifetime('2026-03-14T15:19:00.000Z')).toBe(573); // AWS's signer says 573.465 here
    expect(await lifetime('2026-03-14T16:00:00.000Z')).toBe(900);
    expect(await lifetime('2026-03-14T15:00:00.000Z')).toBe(1);
  });

  it('turns a credential chain that finds nothing into a configuration error with its cause', async () => {
    const cause = new Error('Could not load credentials from any providers');
    const provide = mskIamTokenProvider({ region: 'eu-west-1', credentials: () => Promise.reject(cause) });

    const error = await provide().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({
      code: 'TANDEM_CONFIG_INVALID',
      message: 'No AWS credentials for Amazon MSK IAM (kafka.sasl.mechanism AWS_MSK_IAM): Could not load credentials from any providers',
      hint: expect.stringContaining('AWS_PROFILE'),
      cause,
    });
  });

  it('refuses credentials without a secret, without showing any of them', async () => {
    const credentials: AwsCredentialsProvider = async () => ({ accessKeyId: '', secretAccessKey, sessionToken: 'session-secret' });
    const error = (await mskIamTokenProvider({ region: 'eu-west-1', credentials })().catch((e: unknown) => e)) as ConfigError;

    expect(error.message).toBe('No AWS credentials for Amazon MSK IAM (kafka.sasl.mechanism AWS_MSK_IAM): the provider returned an empty access key or secret');
    expect(`${error.message} ${error.hint}`).not.toMatch(/wJalrXUtnFEMI|session-secret/);
  });

  it('needs a region', () => {
    expect(() => mskIamTokenProvider({ region: '' })).toThrow(ConfigError);
  });

  it('takes credentials from the AWS default chain unless given some', async () => {
    // The chain reads the environment first, unless a profile is named.
    vi.stubEnv('AWS_PROFILE', undefined);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDFROMENV');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', secretAccessKey);
    vi.stubEnv('AWS_SESSION_TOKEN', undefined);

    expect(describeMskIamToken(await mskIamTokenProvider({ region: 'eu-west-1' })())).toMatchObject({ accessKeyId: 'AKIDFROMENV', hasSessionToken: false });
  });
});
