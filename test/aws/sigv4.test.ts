import { describe, expect, it } from 'vitest';
import { canonicalQuery, presignQuery, signingKey, sigv4Date, uriEscape } from '../../src/aws/sigv4.js';

describe('SigV4 steps', () => {
  it('derives the signing key of AWS\'s documented example', () => {
    // IAM user guide, SigV4 "derive a signing key" example (secret, 20120215, us-east-1, iam).
    expect(signingKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20120215', 'us-east-1', 'iam').toString('hex')).toBe(
      'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d',
    );
  });

  it('dates to the second in the basic ISO 8601 form', () => {
    expect(sigv4Date(new Date('2026-03-14T15:09:26.999Z'))).toBe('20260314T150926Z');
  });

  it('escapes as RFC 3986 does, the characters encodeURIComponent leaves too', () => {
    expect(uriEscape("a-b_c.d~e f/g+h=i!j'k(l)m*n:")).toBe('a-b_c.d~e%20f%2Fg%2Bh%3Di%21j%27k%28l%29m%2An%3A');
  });

  it('sorts the query by encoded name, upper case first', () => {
    expect(canonicalQuery({ b: '2', a: 'x y', B: '3', 'X-Amz-Signature': 's', 'X-Amz-SignedHeaders': 'host' })).toBe(
      'B=3&X-Amz-Signature=s&X-Amz-SignedHeaders=host&a=x%20y&b=2',
    );
  });

  it('presigns with every authentication parameter, the signature last to be computed', () => {
    const query = presignQuery({
      host: 'example.amazonaws.com',
      path: '/',
      query: { Action: 'Test' },
      service: 'service',
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      date: new Date('2026-03-14T15:09:26Z'),
      expiresInSeconds: 60,
    });

    expect(Object.keys(query).sort()).toEqual([
      'Action',
      'X-Amz-Algorithm',
      'X-Amz-Credential',
      'X-Amz-Date',
      'X-Amz-Expires',
      'X-Amz-Signature',
      'X-Amz-SignedHeaders',
    ]);
    expect(query['X-Amz-Signature']).toMatch(/^[0-9a-f]{64}$/);
  });
});
