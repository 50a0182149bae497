import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaConfig } from '../../src/config/index.js';
import { inject } from 'vitest';

/**
 * `kafka:` blocks for the secured listeners of the test stack's broker (stack.kafkaSecurity: tls,
 * scram, iam), as a user writes them from what `tandem up` printed: brokers by the name their
 * certificate holds (`localhost` only), the stack's CA, the SCRAM password from its file, and the
 * AWS credentials file of the IAM stand-in.
 */
export function securedKafka(dataDir: string) {
  const plaintext = inject('stackConfig').kafka.brokers[0]!;
  const port = Number(plaintext.slice(plaintext.lastIndexOf(':') + 1));
  const files = join(dataDir, 'kafka');
  const tls = { caFile: join(files, 'ca.pem'), rejectUnauthorized: true };
  const passwordFile = join(files, 'scram-password');
  return {
    port,
    files,
    tls: { brokers: [`localhost:${port + 2}`], tls } satisfies KafkaConfig,
    scram: { brokers: [`localhost:${port + 4}`], tls, sasl: { mechanism: 'SCRAM-SHA-512', username: 'tandem', password: `\${file:${passwordFile}}` } } satisfies KafkaConfig,
    /** The SCRAM password itself, for kcat and to check no output shows it. */
    scramPassword: () => readFileSync(passwordFile, 'utf8').trim(),
    iam: { brokers: [`localhost:${port + 6}`], tls, sasl: { mechanism: 'AWS_MSK_IAM', region: 'us-east-1' } } satisfies KafkaConfig,
    /** The AWS default chain of a Tandem process, pointed at the stand-in's credentials (long-term, valid). */
    iamEnv: awsEnv(files, 'tandem-local'),
    /** The same with session credentials the stand-in holds expired. */
    expiredIamEnv: awsEnv(files, 'tandem-expired'),
  } as const;
}

function awsEnv(files: string, profile: string): NodeJS.ProcessEnv {
  // The profile wins only where no key pair is in the environment: a CI machine's own would come first.
  return { AWS_SHARED_CREDENTIALS_FILE: join(files, 'iam-credentials'), AWS_CONFIG_FILE: join(files, 'no-aws-config'), AWS_PROFILE: profile, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '', AWS_EC2_METADATA_DISABLED: 'true' };
}

/** Logins and re-authentications the IAM stand-in accepted so far: its validator logs each to the broker's log. */
export function tokensAccepted(dataDir: string): number {
  const log = readFileSync(join(dataDir, 'kafka', 'logs', 'server.log'), 'utf8');
  return log.split('\n').filter((line) => line.includes('MSK IAM token accepted')).length;
}
