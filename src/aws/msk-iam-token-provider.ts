import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { ConfigError } from '../errors.js';
import { type AwsCredentialsProvider, resolveCredentials } from './aws-credentials.js';
import { mskIamTokenLifetimeSeconds, signMskIamToken } from './msk-iam-token.js';

export interface MskIamTokenProviderOptions {
  /** The cluster's region, e.g. `eu-west-1`. */
  region: string;
  /** Defaults to the AWS SDK v3 Node chain: environment, SSO, profiles, web identity, ECS and EC2 roles. */
  credentials?: AwsCredentialsProvider;
  now?: () => Date;
}

/**
 * The `token` of `@platformatic/kafka`'s OAUTHBEARER options for Amazon MSK IAM: the client calls it
 * at each connection and re-authentication, and each call signs a fresh token with the credentials
 * the chain holds then, so a sink running for days follows rotated role credentials.
 *
 * @example
 *   const sasl = { mechanism: 'OAUTHBEARER', token: mskIamTokenProvider({ region: 'eu-west-1' }) };
 */
export function mskIamTokenProvider(options: MskIamTokenProviderOptions): () => Promise<string> {
  const { region } = options;
  if (!region) {
    throw new ConfigError('Amazon MSK IAM (kafka.sasl.mechanism AWS_MSK_IAM) needs an AWS region', { hint: 'Set kafka.sasl.region to the cluster\'s region, e.g. eu-west-1' });
  }
  // One chain for every connection, so its cache serves them all; STS calls (assumed roles) go to the cluster's region, as AWS's signer sends them.
  const credentials = options.credentials ?? fromNodeProviderChain({ clientConfig: { region } });
  const now = options.now ?? (() => new Date());
  return async () => {
    const current = await resolveCredentials(
      credentials,
      (reason, cause) =>
        new ConfigError(`No AWS credentials for Amazon MSK IAM (kafka.sasl.mechanism AWS_MSK_IAM): ${reason}`, {
          cause,
          hint: 'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with an IAM role allowed kafka-cluster:Connect',
        }),
    );
    // Read after the credentials, which may take seconds to fetch: the token's life starts when it is signed.
    const date = now();
    return signMskIamToken({ region, credentials: current, date, expiresInSeconds: tokenLifetime(current.expiration, date) });
  };
}

/**
 * 15 minutes, or less when temporary credentials end sooner: the broker asks for re-authentication
 * when the token expires, which then finds the chain's renewed credentials. Whole seconds, since
 * SigV4 takes no fraction (AWS's JavaScript signer sends one, `X-Amz-Expires=573.465`, in that case).
 */
function tokenLifetime(expiration: Date | undefined, date: Date): number {
  if (expiration === undefined) return mskIamTokenLifetimeSeconds;
  const left = Math.floor((expiration.getTime() - date.getTime()) / 1000);
  // Credentials already expired make a token the broker refuses, and the client's retry then gets renewed ones.
  return Math.max(1, Math.min(mskIamTokenLifetimeSeconds, left));
}
