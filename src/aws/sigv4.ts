import { createHash, createHmac } from 'node:crypto';
import type { AwsCredentials } from './aws-credentials.js';

/**
 * The steps of AWS Signature Version 4 that more than one signer needs: Amazon Keyspaces' nonce
 * signing (cql/) and Amazon MSK's presigned IAM tokens. Written from AWS's description of the
 * algorithm (IAM user guide, "Create a signed AWS API request"), which brokers and AWS's own
 * signers follow, so a token signed here checks out wherever the standard is implemented.
 */
export const sigv4Algorithm = 'AWS4-HMAC-SHA256';

/** The longest a presigned URL may live: seven days. */
const maxExpiresInSeconds = 604_800;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function hmacHex(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text, 'utf8').digest('hex');
}

/** `20260314T150926Z`: the basic ISO 8601 form SigV4 signs, whole seconds in UTC. */
export function sigv4Date(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replaceAll(/[-:]/g, '');
}

export function credentialScope(dateStamp: string, region: string, service: string): string {
  return `${dateStamp}/${region}/${service}/aws4_request`;
}

export function signingKey(secretAccessKey: string, dateStamp: string, region: string, service: string): Buffer {
  return [dateStamp, region, service, 'aws4_request'].reduce<Buffer>(
    (key, part) => createHmac('sha256', key).update(part, 'utf8').digest(),
    Buffer.from(`AWS4${secretAccessKey}`, 'utf8'),
  );
}

export function stringToSign(canonicalRequest: string, amzDate: string, scope: string): string {
  return `${sigv4Algorithm}\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
}

/** RFC 3986 percent-encoding, which SigV4 requires: encodeURIComponent alone leaves `!'()*` as they are. */
export function uriEscape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Parameters encoded, then sorted by encoded name: the canonical query string, and the order AWS's signers print URLs in. */
export function canonicalQuery(params: Readonly<Record<string, string>>): string {
  return Object.entries(params)
    .map(([name, value]) => [uriEscape(name), uriEscape(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

export interface PresignInput {
  host: string;
  /** Already in canonical form (each segment URI-encoded), e.g. `/`. */
  path: string;
  /** The request's own parameters, e.g. `{ Action: 'kafka-cluster:Connect' }`. */
  query: Readonly<Record<string, string>>;
  service: string;
  region: string;
  credentials: AwsCredentials;
  date: Date;
  expiresInSeconds: number;
}

/**
 * Every query parameter of a presigned `GET` without a body, `X-Amz-Signature` included: the
 * request's own parameters, then the authentication ones, all of them signed (the session token too)
 * with `host` as the only signed header and the empty body's hash as the payload hash.
 */
export function presignQuery(input: PresignInput): Record<string, string> {
  const { host, path, service, region, credentials, date, expiresInSeconds } = input;
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > maxExpiresInSeconds) {
    throw new RangeError(`A SigV4 presigned URL expires after a whole number of seconds from 1 to ${maxExpiresInSeconds}, not ${expiresInSeconds}`);
  }
  const amzDate = sigv4Date(date);
  const dateStamp = amzDate.slice(0, 8);
  const scope = credentialScope(dateStamp, region, service);
  const query: Record<string, string> = {
    ...input.query,
    'X-Amz-Algorithm': sigv4Algorithm,
    'X-Amz-Credential': `${credentials.accessKeyId}/${scope}`,
    'X-Amz-Date': amzDate,
    'X-Amz-Expires': String(expiresInSeconds),
    ...(credentials.sessionToken ? { 'X-Amz-Security-Token': credentials.sessionToken } : {}),
    'X-Amz-SignedHeaders': 'host',
  };
  const canonicalRequest = ['GET', path, canonicalQuery(query), `host:${host}`, '', 'host', sha256Hex('')].join('\n');
  const signature = hmacHex(signingKey(credentials.secretAccessKey, dateStamp, region, service), stringToSign(canonicalRequest, amzDate, scope));
  return { ...query, 'X-Amz-Signature': signature };
}
