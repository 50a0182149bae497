import { describe, expect, it } from 'vitest';
import { mskIamToken } from '../../src/stack/msk-iam-token.js';

const signedAt = new Date('2026-12-07T19:17:08Z');
const decode = (token: string) => new URL(Buffer.from(token, 'base64url').toString('utf8'));

describe('mskIamToken', () => {
  // Signatures aws-msk-iam-sasl-signer-js 1.0.3 made for the same key, secret and instant.
  it('signs as AWS\'s signer does, for a long-term key', () => {
    const url = decode(mskIamToken({ accessKeyId: 'AKIAEXAMPLE123456789', secretAccessKey: 'secret/with+chars=' }, { region: 'us-east-1', signedAt }));
    expect(url.searchParams.get('X-Amz-Signature')).toBe('dc26e3e832f8a299ce610e5e2450750876d28cc90d6eb41680082868b078df88');
  });

  it('signs the session token with the rest, for session credentials', () => {
    const url = decode(mskIamToken({ accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 's', sessionToken: 'tok/en+==' }, { region: 'us-east-1', signedAt }));
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('tok/en+==');
    expect(url.searchParams.get('X-Amz-Signature')).toBe('61891e7019ad0863dbf4cbeff65545c5ecddce5765b2b3db81be649b360a4871');
  });

  it('is the base64url, unpadded, of a presigned kafka-cluster:Connect URL for the region', () => {
    const token = mskIamToken({ accessKeyId: 'AKIAEXAMPLE123456789', secretAccessKey: 'x' }, { region: 'eu-west-1', signedAt, expiresInSeconds: 300 });
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    const url = decode(token);
    expect(url.origin + url.pathname).toBe('https://kafka.eu-west-1.amazonaws.com/');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      Action: 'kafka-cluster:Connect',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIAEXAMPLE123456789/20261207/eu-west-1/kafka-cluster/aws4_request',
      'X-Amz-Date': '20261207T191708Z',
      'X-Amz-Expires': '300',
      'X-Amz-SignedHeaders': 'host',
    });
  });
});
