import type { AwsCredentials } from './aws-credentials.js';
import { canonicalQuery, presignQuery } from './sigv4.js';

const service = 'kafka-cluster';
const action = 'kafka-cluster:Connect';
/** What AWS's signers sign for: a token lives 15 minutes, and the client signs a new one at each (re)authentication. */
export const mskIamTokenLifetimeSeconds = 900;
const userAgent = 'tandem-migrate';

export interface MskIamTokenInput {
  /** The cluster's region, e.g. `eu-west-1`: it is in the signed host and scope. */
  region: string;
  credentials: AwsCredentials;
  date: Date;
  /** Defaults to 900, as AWS's signers use. */
  expiresInSeconds?: number;
}

/**
 * The SASL/OAUTHBEARER token Amazon MSK takes for IAM authentication: a SigV4-presigned
 * `GET https://kafka.<region>.amazonaws.com/?Action=kafka-cluster:Connect`, as URL text in base64url
 * without padding. Byte for byte what `aws-msk-iam-sasl-signer-js` 1.0.3 makes, except the
 * unsigned User-Agent parameter, which names Tandem.
 *
 * Tandem signs its own rather than take that package: the package adds 18 packages (about 5 MB,
 * an STS client and a second, older copy of the SDK's signer among them) and 75 ms or more to
 * start-up, reads the clock itself (its tokens are testable only by replacing the global Date), and writes a fractional or
 * negative X-Amz-Expires once temporary credentials have less than 15 minutes left. The SigV4 steps
 * here are the ones Amazon Keyspaces' authentication already used, now shared in aws/sigv4.ts.
 *
 * @example
 *   const token = signMskIamToken({ region: 'eu-west-1', credentials, date: new Date() });
 */
export function signMskIamToken(input: MskIamTokenInput): string {
  const { region, credentials, date, expiresInSeconds = mskIamTokenLifetimeSeconds } = input;
  // AWS's signer signs this host for every region, China's included.
  const host = `kafka.${region}.amazonaws.com`;
  const signed = presignQuery({ host, path: '/', query: { Action: action }, service, region, credentials, date, expiresInSeconds });
  // Added after signing, as AWS's signers add theirs: it names the client to the broker and is not part of the signature.
  const url = `https://${host}/?${canonicalQuery({ ...signed, 'User-Agent': userAgent })}`;
  return Buffer.from(url, 'utf8').toString('base64url');
}

/** What a token says about itself, for tests and logs: never its signature or a credential but the access key id. */
export interface MskIamTokenFields {
  region: string;
  accessKeyId: string;
  /** When it was signed, to the second. */
  date: Date;
  expiresAt: Date;
  expiresInSeconds: number;
  /** Whether temporary credentials signed it; the token itself is a secret and stays out. */
  hasSessionToken: boolean;
  userAgent: string | undefined;
}

/**
 * Reads a token back into its fields without checking its signature, which takes the secret.
 *
 * @example
 *   logger.debug({ token: describeMskIamToken(token) }, 'Amazon MSK IAM token signed');
 */
export function describeMskIamToken(token: string): MskIamTokenFields {
  let url: URL;
  try {
    url = new URL(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw notAToken('its text is not a URL');
  }
  const query = url.searchParams;
  if (query.get('Action') !== action) throw notAToken(`its Action is not ${action}`);
  const [accessKeyId, dateStamp, region, scopeService, terminator] = (query.get('X-Amz-Credential') ?? '').split('/');
  if (!accessKeyId || !dateStamp || !region || scopeService !== service || terminator !== 'aws4_request') {
    throw notAToken(`its X-Amz-Credential is not <access key id>/<date>/<region>/${service}/aws4_request`);
  }
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(query.get('X-Amz-Date') ?? '');
  if (!date) throw notAToken('its X-Amz-Date is not YYYYMMDDTHHMMSSZ');
  const expiresInSeconds = Number(query.get('X-Amz-Expires'));
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1) throw notAToken('its X-Amz-Expires is not a whole number of seconds');
  const signedAt = new Date(`${date[1]}-${date[2]}-${date[3]}T${date[4]}:${date[5]}:${date[6]}Z`);
  return {
    region,
    accessKeyId,
    date: signedAt,
    expiresAt: new Date(signedAt.getTime() + expiresInSeconds * 1000),
    expiresInSeconds,
    hasSessionToken: query.has('X-Amz-Security-Token'),
    userAgent: query.get('User-Agent') ?? undefined,
  };
}

function notAToken(reason: string): TypeError {
  return new TypeError(`Not an Amazon MSK IAM token: ${reason}`);
}
