export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials stop working; a token signed with them should not outlive them. */
  expiration?: Date;
}

export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

/**
 * The provider's credentials, or the error `fail` makes of why there are none. The reason given to
 * `fail` never holds a secret: it is the provider's own message, or says which field was empty.
 */
export async function resolveCredentials(provider: AwsCredentialsProvider, fail: (reason: string, cause: unknown) => Error): Promise<AwsCredentials> {
  let credentials: AwsCredentials | undefined;
  let cause: unknown;
  try {
    credentials = await provider();
  } catch (error) {
    cause = error;
  }
  if (credentials?.accessKeyId && credentials.secretAccessKey) return credentials;
  const reason = cause instanceof Error ? cause.message : cause === undefined ? 'the provider returned an empty access key or secret' : String(cause);
  throw fail(reason, cause);
}
