export { signMskIamToken, describeMskIamToken, type MskIamTokenInput, type MskIamTokenFields } from './msk-iam-token.js';
export { mskIamTokenProvider, type MskIamTokenProviderOptions } from './msk-iam-token-provider.js';
export { resolveCredentials, type AwsCredentials, type AwsCredentialsProvider } from './aws-credentials.js';
// SigV4 steps for AWS signers elsewhere: cql/'s Amazon Keyspaces authentication.
export { sigv4Algorithm, sha256Hex, hmacHex, signingKey, stringToSign, credentialScope } from './sigv4.js';
