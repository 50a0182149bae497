import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { AwsCredentials } from '../aws/index.js';
import { writeSecretFile } from './secret-file.js';

/** The profiles of the credentials file `tandem up` writes for its IAM listener. */
export const mskIamProfiles = {
  /** A long-term key pair the listener accepts. */
  valid: 'tandem-local',
  /** Session credentials whose session the listener holds as expired: every token signed with them is refused. */
  expired: 'tandem-expired',
} as const;

export interface MskIamCredentials {
  readonly valid: AwsCredentials;
  readonly expired: AwsCredentials & { readonly sessionToken: string; readonly expiration: Date };
}

const keyIdAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Ids shaped like AWS's: AKIA for long-term keys, ASIA for session credentials, 20 characters. */
function accessKeyId(prefix: 'AKIA' | 'ASIA'): string {
  return prefix + Array.from({ length: 16 }, () => keyIdAlphabet[randomInt(keyIdAlphabet.length)]).join('');
}

function secretAccessKey(): string {
  return randomBytes(30).toString('base64');
}

/** A fresh pair of identities; the expired session ended an hour before `now`. */
export function randomMskIamCredentials(now: Date): MskIamCredentials {
  return {
    valid: { accessKeyId: accessKeyId('AKIA'), secretAccessKey: secretAccessKey() },
    expired: {
      accessKeyId: accessKeyId('ASIA'),
      secretAccessKey: secretAccessKey(),
      sessionToken: randomBytes(120).toString('base64'),
      expiration: new Date(now.getTime() - 3_600_000),
    },
  };
}

/** AWS's shared-credentials format, for AWS_SHARED_CREDENTIALS_FILE and a profile name. */
export function sharedCredentialsFile(credentials: MskIamCredentials): string {
  const { valid, expired } = credentials;
  return [
    '# Written by `tandem up` for the local Kafka IAM listener (region us-east-1); not AWS credentials.',
    `[${mskIamProfiles.valid}]`,
    `aws_access_key_id = ${valid.accessKeyId}`,
    `aws_secret_access_key = ${valid.secretAccessKey}`,
    '',
    `# Session credentials the listener holds as expired since ${expired.expiration.toISOString()}.`,
    `[${mskIamProfiles.expired}]`,
    `aws_access_key_id = ${expired.accessKeyId}`,
    `aws_secret_access_key = ${expired.secretAccessKey}`,
    `aws_session_token = ${expired.sessionToken}`,
    '',
  ].join('\n');
}

/** The validator's registry (resources/kafka/MskIamTokenValidator.java reads it as Java properties). */
export function mskIamRegistry(credentials: MskIamCredentials): string {
  const { valid, expired } = credentials;
  return [
    '# The access keys the local Kafka IAM listener accepts, written by `tandem up`.',
    `${valid.accessKeyId}.secretAccessKey=${valid.secretAccessKey}`,
    `${expired.accessKeyId}.secretAccessKey=${expired.secretAccessKey}`,
    `${expired.accessKeyId}.sessionToken=${expired.sessionToken}`,
    `${expired.accessKeyId}.expiration=${expired.expiration.toISOString()}`,
    '',
  ].join('\n');
}

/** The profiles of a shared-credentials file, each a map of its keys. */
export function parseSharedCredentials(text: string): Map<string, Record<string, string>> {
  const profiles = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = {};
      profiles.set(section[1]!.trim(), current);
    } else if (current && line.includes('=')) {
      const at = line.indexOf('=');
      current[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
  }
  return profiles;
}

/**
 * The key pair of profile `tandem-local`, made once per data dir: clients keep working across
 * restarts. The registry is written first, so a credentials file always has a registry behind it.
 */
export function ensureMskIamCredentials(files: { iamCredentialsFile: string; iamRegistryFile: string }, now: Date): AwsCredentials {
  if (existsSync(files.iamCredentialsFile) && existsSync(files.iamRegistryFile)) {
    const profile = parseSharedCredentials(readFileSync(files.iamCredentialsFile, 'utf8')).get(mskIamProfiles.valid);
    if (profile?.aws_access_key_id && profile.aws_secret_access_key) {
      return { accessKeyId: profile.aws_access_key_id, secretAccessKey: profile.aws_secret_access_key };
    }
  }
  const credentials = randomMskIamCredentials(now);
  writeSecretFile(files.iamRegistryFile, mskIamRegistry(credentials));
  writeSecretFile(files.iamCredentialsFile, sharedCredentialsFile(credentials));
  return credentials.valid;
}
