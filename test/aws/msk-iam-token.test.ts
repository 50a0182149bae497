import { describe, expect, it } from 'vitest';
import { type AwsCredentials, describeMskIamToken, signMskIamToken } from '../../src/aws/index.js';

/*
 * Tokens AWS's own signer made, aws-msk-iam-sasl-signer-js 1.0.3 (npm), on Node 20.20 and 24.21
 * alike, in a scratch directory: the library takes no date, so the script replaced the global Date
 * with one fixed at `signedAt`, then logged the decoded URL of
 *   await generateAuthTokenFromCredentialsProvider({ region, awsCredentialsProvider: async () => credentials })
 * Only its User-Agent parameter differs from Tandem's, which is unsigned and names the client.
 */
const signedAt = new Date('2026-03-14T15:09:26.535Z');
const secretAccessKey = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const official = {
  withoutSessionToken: {
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey },
    url:
      'https://kafka.us-east-1.amazonaws.com/?Action=kafka-cluster%3AConnect&User-Agent=aws-msk-iam-sasl-signer-js%2F1.0.3' +
      '&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20260314%2Fus-east-1%2Fkafka-cluster%2Faws4_request' +
      '&X-Amz-Date=20260314T150926Z&X-Amz-Expires=900' +
      '&X-Amz-Signature=d11a4f5eb254c6436b4b9efc6062346a74561f9e437a5db3991fbb2cf4cf18fa&X-Amz-SignedHeaders=host',
  },
  // A session token with the characters real ones have (`/`, `+`, `=`), which the URL must escape.
  withSessionToken: {
    region: 'eu-west-1',
    credentials: { accessKeyId: 'ASIAEXAMPLE', secretAccessKey, sessionToken: 'IQoJb3JpZ2luX2VjEJr//////////wEaCWV1LXdlc3QtMSJHMEUCIQD+example/token==' },
    url:
      'https://kafka.eu-west-1.amazonaws.com/?Action=kafka-cluster%3AConnect&User-Agent=aws-msk-iam-sasl-signer-js%2F1.0.3' +
      '&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%2F20260314%2Feu-west-1%2Fkafka-cluster%2Faws4_request' +
      '&X-Amz-Date=20260314T150926Z&X-Amz-Expires=900' +
      '&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEJr%2F%2F%2F%2F%2F%2F%2F%2F%2F%2FwEaCWV1LXdlc3QtMSJHMEUCIQD%2Bexample%2Ftoken%3D%3D' +
      '&X-Amz-Signature=c9db23f499cdbbe5a3bf65ba9e9c58f63279d123d52cb1279a57ab46505f807a&X-Amz-SignedHeaders=host',
  },
} satisfies Record<string, { region: string; credentials: AwsCredentials; url: string }>;

const asTandemSigns = (url: string) => url.replace('User-Agent=aws-msk-iam-sasl-signer-js%2F1.0.3', 'User-Agent=tandem-migrate');
const decode = (token: string) => Buffer.from(token, 'base64url').toString('utf8');
const credentials: AwsCredentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey };

describe('signMskIamToken', () => {
  it.each(Object.entries(official))("signs what AWS's JavaScript signer signs (%s)", (_, vector) => {
    const token = signMskIamToken({ region: vector.region, credentials: vector.credentials, date: signedAt });

    expect(decode(token)).toBe(asTandemSigns(vector.url));
    // base64url without padding, the OAUTHBEARER token's alphabet.
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token).toBe(Buffer.from(asTandemSigns(vector.url), 'utf8').toString('base64url'));
  });

  it('expires after 15 minutes unless told otherwise', () => {
    expect(describeMskIamToken(signMskIamToken({ region: 'us-east-1', credentials, date: signedAt })).expiresInSeconds).toBe(900);

    const short = describeMskIamToken(signMskIamToken({ region: 'us-east-1', credentials, date: signedAt, expiresInSeconds: 60 }));
    expect(short.expiresInSeconds).toBe(60);
    expect(short.expiresAt).toEqual(new Date('2026-03-14T15:10:26.000Z'));
  });

  it('refuses a lifetime SigV4 cannot carry', () => {
    for (const expiresInSeconds of [0, -1, 1.5, 604_801, Number.NaN]) {
      expect(() => signMskIamToken({ region: 'us-east-1', credentials, date: signedAt, expiresInSeconds })).toThrow(RangeError);
    }
  });

  it('signs the session token, not only carries it', () => {
    const sign = (sessionToken: string) => new URL(decode(signMskIamToken({ region: 'us-east-1', credentials: { ...credentials, sessionToken }, date: signedAt })));
    const one = sign('token-one');
    const two = sign('token-two');

    expect(one.searchParams.get('X-Amz-Security-Token')).toBe('token-one');
    expect(one.searchParams.get('X-Amz-Signature')).not.toBe(two.searchParams.get('X-Amz-Signature'));
  });

  it('puts the region in the host and in the credential scope', () => {
    const url = new URL(decode(signMskIamToken({ region: 'ap-southeast-2', credentials, date: signedAt })));

    expect(url.host).toBe('kafka.ap-southeast-2.amazonaws.com');
    expect(url.searchParams.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20260314/ap-southeast-2/kafka-cluster/aws4_request');
  });
});

describe('describeMskIamToken', () => {
  it('reads the region, access key id, signing date and expiry', () => {
    const { region, credentials, url } = official.withSessionToken;
    const fields = describeMskIamToken(signMskIamToken({ region, credentials, date: signedAt }));

    expect(fields).toEqual({
      region: 'eu-west-1',
      accessKeyId: 'ASIAEXAMPLE',
      date: new Date('2026-03-14T15:09:26.000Z'),
      expiresAt: new Date('2026-03-14T15:24:26.000Z'),
      expiresInSeconds: 900,
      hasSessionToken: true,
      userAgent: 'tandem-migrate',
    });
    // It reads AWS's tokens too.
    expect(describeMskIamToken(Buffer.from(url).toString('base64url'))).toMatchObject({ region: 'eu-west-1', userAgent: 'aws-msk-iam-sasl-signer-js/1.0.3' });
  });

  it('never shows the signature, the session token or the secret', () => {
    const { region, credentials } = official.withSessionToken;
    const token = signMskIamToken({ region, credentials, date: signedAt });
    const shown = JSON.stringify(describeMskIamToken(token));
    const signature = new URL(decode(token)).searchParams.get('X-Amz-Signature')!;

    for (const secret of [signature, credentials.sessionToken, credentials.secretAccessKey]) expect(shown).not.toContain(secret);
  });

  it('refuses what is not an Amazon MSK IAM token', () => {
    const encode = (text: string) => Buffer.from(text).toString('base64url');
    expect(() => describeMskIamToken('not a token')).toThrow('Not an Amazon MSK IAM token: its text is not a URL');
    expect(() => describeMskIamToken(encode('https://kafka.us-east-1.amazonaws.com/?Action=Other'))).toThrow(/its Action is not kafka-cluster:Connect/);
    expect(() => describeMskIamToken(encode('https://kafka.us-east-1.amazonaws.com/?Action=kafka-cluster%3AConnect&X-Amz-Credential=AKID%2F20260314%2Fus-east-1%2Fs3%2Faws4_request'))).toThrow(
      /its X-Amz-Credential is not/,
    );
  });
});
