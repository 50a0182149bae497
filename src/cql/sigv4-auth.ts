import { callbackify } from 'node:util';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import cassandra from 'cassandra-driver';
import {
  type AwsCredentials,
  type AwsCredentialsProvider,
  credentialScope,
  hmacHex,
  resolveCredentials,
  sha256Hex,
  sigv4Algorithm,
  signingKey as deriveSigningKey,
  stringToSign,
} from '../aws/index.js';
import { ConfigError } from '../errors.js';

export type { AwsCredentials, AwsCredentialsProvider };
export { stringToSign };

export interface SigV4AuthOptions {
  /** The region of the Keyspaces endpoint, e.g. `us-east-1`: it is part of what gets signed. */
  region: string;
  /** Defaults to the AWS SDK v3 Node chain: environment, SSO, profiles, web identity, ECS and EC2 roles. */
  credentials?: AwsCredentialsProvider;
  now?: () => Date;
}

export interface SigningInput {
  region: string;
  nonce: string;
  date: Date;
  credentials: AwsCredentials;
}

type AuthCallback = (error: Error | null, token?: Buffer) => void;

const service = 'cassandra';
const initialResponse = Buffer.from('SigV4\0\0', 'utf8');

/**
 * Amazon Keyspaces SigV4 authentication for cassandra-driver, a port of AWS's
 * `aws-sigv4-auth-cassandra-plugin`. That plugin depends on AWS SDK v2, which is in maintenance mode
 * and large; this one takes credentials from SDK v3's provider chain, which also refreshes
 * temporary credentials (SSO, assumed roles, instance roles) before they expire.
 *
 * @example
 *   const client = new cassandra.Client({ ...options, authProvider: new SigV4AuthProvider({ region: 'us-east-1' }) });
 */
// The driver checks `instanceof AuthProvider` at runtime, while its typings declare only an interface.
const AuthProviderBase = (cassandra.auth as unknown as { AuthProvider: new () => cassandra.auth.AuthProvider }).AuthProvider;

export class SigV4AuthProvider extends AuthProviderBase {
  private readonly region: string;
  // One provider for every connection, so the chain's cache serves them all.
  private readonly credentials: AwsCredentialsProvider;
  private readonly now: () => Date;

  constructor(options: SigV4AuthOptions) {
    super();
    if (!options.region) {
      throw new ConfigError('SigV4 authentication needs an AWS region', { hint: 'Set the region of the Amazon Keyspaces endpoint, e.g. us-east-1' });
    }
    this.region = options.region;
    this.credentials = options.credentials ?? fromNodeProviderChain();
    this.now = options.now ?? (() => new Date());
  }

  override newAuthenticator(): cassandra.auth.Authenticator {
    // callbackify calls back on a later tick, so a throw in the driver's callback cannot become an unhandled rejection.
    const respond = callbackify((challenge: Buffer) => this.respond(challenge));
    return {
      initialResponse: (callback: AuthCallback) => callback(null, initialResponse),
      evaluateChallenge: (challenge: Buffer, callback: AuthCallback) => respond(challenge, callback),
      onAuthenticationSuccess: () => {},
    };
  }

  private async respond(challenge: Buffer): Promise<Buffer> {
    const nonce = extractNonce(challenge);
    const date = this.now();
    const credentials = await resolveCredentials(
      this.credentials,
      (reason, cause) =>
        new Error(
          'SigV4: no AWS credentials found for Amazon Keyspaces: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ' +
            `or run with an IAM role (${reason})`,
          { cause },
        ),
    );
    return Buffer.from(signedResponse({ region: this.region, nonce, date, credentials }), 'utf8');
  }
}

/** The server's nonce: what follows `nonce=` up to the next comma or the end. */
export function extractNonce(challenge: Buffer): string {
  const text = challenge.toString('utf8');
  const start = text.indexOf('nonce=');
  const nonce = start === -1 ? '' : text.slice(start + 'nonce='.length).split(',')[0]!;
  if (!nonce) throw new Error(`SigV4: the Amazon Keyspaces challenge has no nonce: ${JSON.stringify(text)}`);
  return nonce;
}

/** The client's answer to the nonce challenge: `signature=…,access_key=…,amzdate=…[,session_token=…]`. */
export function signedResponse({ region, nonce, date, credentials }: SigningInput): string {
  const amzDate = date.toISOString();
  const dateStamp = amzDate.slice(0, 10).replaceAll('-', '');
  const scope = credentialScope(dateStamp, region, service);
  const toSign = stringToSign(canonicalRequest(credentials.accessKeyId, scope, amzDate, nonce), amzDate, scope);
  const signature = hmacHex(signingKey(credentials.secretAccessKey, dateStamp, region), toSign);
  const response = `signature=${signature},access_key=${credentials.accessKeyId},amzdate=${amzDate}`;
  // The token is sent beside the signature, not signed: that is what Keyspaces expects.
  return credentials.sessionToken ? `${response},session_token=${credentials.sessionToken}` : response;
}

/** A presigned `PUT /authenticate` whose payload is the nonce; Keyspaces rebuilds it to check the signature. */
export function canonicalRequest(accessKeyId: string, scope: string, amzDate: string, nonce: string): string {
  // Written in the sorted order canonicalization requires; the access key id is not encoded, as in AWS's plugins.
  const query = [
    `X-Amz-Algorithm=${sigv4Algorithm}`,
    `X-Amz-Credential=${accessKeyId}%2F${encodeURIComponent(scope)}`,
    `X-Amz-Date=${encodeURIComponent(amzDate)}`,
    'X-Amz-Expires=900',
  ].join('&');
  return `PUT\n/authenticate\n${query}\nhost:${service}\n\nhost\n${sha256Hex(nonce)}`;
}

export function signingKey(secretAccessKey: string, dateStamp: string, region: string): Buffer {
  return deriveSigningKey(secretAccessKey, dateStamp, region, service);
}
