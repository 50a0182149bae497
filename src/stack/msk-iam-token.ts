import { createHash, createHmac } from 'node:crypto';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface MskIamTokenOptions {
  readonly region: string;
  readonly signedAt: Date;
  /** AWS's signers use 900. */
  readonly expiresInSeconds?: number;
}

/**
 * An Amazon MSK IAM token, as aws-msk-iam-sasl-signer-js makes it: a SigV4 presigned
 * `GET https://kafka.<region>.amazonaws.com/?Action=kafka-cluster:Connect` (the session token
 * signed with the rest, User-Agent appended after signing), base64url without padding. The local
 * stack signs one to check its IAM listener; clients use AWS's signer.
 *
 * @example mskIamToken({ accessKeyId: 'AKIA...', secretAccessKey: '...' }, { region: 'us-east-1', signedAt: new Date() })
 */
export function mskIamToken(credentials: AwsCredentials, options: MskIamTokenOptions): string {
  const host = `kafka.${options.region}.amazonaws.com`;
  const amzDate = options.signedAt.toISOString().replace(/[-:]|\.\d{3}/g, '');
  const scope = `${amzDate.slice(0, 8)}/${options.region}/kafka-cluster/aws4_request`;
  const query: Record<string, string> = {
    Action: 'kafka-cluster:Connect',
    ...(credentials.sessionToken ? { 'X-Amz-Security-Token': credentials.sessionToken } : {}),
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${credentials.accessKeyId}/${scope}`,
    'X-Amz-Date': amzDate,
    'X-Amz-Expires': String(options.expiresInSeconds ?? 900),
    'X-Amz-SignedHeaders': 'host',
  };
  const canonicalQuery = queryString(query);
  const emptyBodyHash = createHash('sha256').update('').digest('hex');
  const canonicalRequest = `GET\n/\n${canonicalQuery}\nhost:${host}\n\nhost\n${emptyBodyHash}`;
  const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
  let key: Buffer = Buffer.from(`AWS4${credentials.secretAccessKey}`);
  for (const part of scope.split('/')) key = createHmac('sha256', key).update(part).digest();
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  const url = `https://${host}/?${queryString({ ...query, 'X-Amz-Signature': signature, 'User-Agent': 'tandem-local-stack' })}`;
  return Buffer.from(url).toString('base64url');
}

/** Sorted and RFC 3986-encoded, as SigV4's canonical query string wants it. */
function queryString(query: Record<string, string>): string {
  return Object.keys(query)
    .sort()
    .map((name) => `${uriEscape(name)}=${uriEscape(query[name]!)}`)
    .join('&');
}

function uriEscape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
