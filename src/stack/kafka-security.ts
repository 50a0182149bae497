import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { SASLOptions } from '@platformatic/kafka';
import {
  kafkaScramUser,
  kafkaSecuredListeners,
  kafkaSecurityFiles,
  mskIamRegion,
  securedListenerAddress,
  type KafkaNodeSpec,
  type KafkaSecuredListener,
  type KafkaSecurity,
  type KafkaSecurityFiles,
} from './kafka-config.js';
import { ensureKafkaPlugins } from './kafka-plugins.js';
import { ensureMskIamCredentials, mskIamProfiles } from './msk-iam-credentials.js';
import { signMskIamToken, type AwsCredentials } from '../aws/index.js';
import { oauthBearerRefusal } from '../kafka/index.js';
import { ensurePasswordFile } from './secret-file.js';
import { ensureServerTls } from './tls.js';
import type { Java } from './tools.js';

/** What the broker's secured listeners need, made once per data dir (the plugins once per cache). */
export interface KafkaSecurityMaterial {
  readonly files: KafkaSecurityFiles;
  /** User `tandem`'s password, when SCRAM is on. */
  readonly scramPassword?: string;
  /** The `tandem-local` key pair, when IAM is on. */
  readonly iamCredentials?: AwsCredentials;
  /** The compiled plugins' folder (IAM token validator, lenient SCRAM server), when IAM or SCRAM is on. */
  readonly extraClassPath: readonly string[];
}

export async function ensureKafkaSecurity(node: KafkaNodeSpec, java: Java, kafkaLibDir: string, cacheDir: string): Promise<KafkaSecurityMaterial> {
  const files = kafkaSecurityFiles(node);
  const enabled = (security: KafkaSecurity) => node.secured.some((listener) => listener.security === security);
  if (node.secured.length === 0) return { files, extraClassPath: [] };
  // Only DNS:localhost: a client that verifies host names must use the advertised name, as with a real cluster.
  await ensureServerTls({ dir: files.tlsDir, caFile: files.caFile, subjectAltName: 'DNS:localhost', commonName: 'localhost', server: 'the local Kafka' });
  return {
    files,
    ...(enabled('scram') ? { scramPassword: ensurePasswordFile(files.scramPasswordFile) } : {}),
    ...(enabled('iam') ? { iamCredentials: ensureMskIamCredentials(files, new Date()) } : {}),
    extraClassPath: enabled('iam') || enabled('scram') ? [await ensureKafkaPlugins(java, kafkaLibDir, cacheDir)] : [],
  };
}

/** A secured listener as `tandem up` reports and records it: where it is and what a client needs. */
export interface KafkaListenerInfo {
  readonly security: KafkaSecurity;
  /** `localhost:<port>`: the certificate names localhost only. */
  readonly address: string;
  readonly protocol: 'SSL' | 'SASL_SSL';
  readonly mechanism?: 'SCRAM-SHA-512' | 'OAUTHBEARER';
  readonly caFile: string;
  readonly username?: string;
  readonly passwordFile?: string;
  /** AWS shared-credentials file; profile `tandem-local` is accepted, `tandem-expired` refused as expired. */
  readonly credentialsFile?: string;
  readonly profiles?: typeof mskIamProfiles;
  readonly region?: string;
}

export function kafkaListenerInfos(node: KafkaNodeSpec): KafkaListenerInfo[] {
  const files = kafkaSecurityFiles(node);
  return node.secured.map((listener) => {
    const { protocol, mechanism } = kafkaSecuredListeners[listener.security];
    const base = { security: listener.security, address: securedListenerAddress(listener), protocol, caFile: files.caFile };
    if (listener.security === 'scram') return { ...base, mechanism, username: kafkaScramUser, passwordFile: files.scramPasswordFile };
    if (listener.security === 'iam') return { ...base, mechanism, credentialsFile: files.iamCredentialsFile, profiles: mskIamProfiles, region: mskIamRegion };
    return base;
  });
}

/** How the stack's own probe reaches a secured listener: by its advertised name, verifying the certificate. */
export function securedListenerAccess(
  listener: KafkaSecuredListener,
  material: KafkaSecurityMaterial,
  now: () => Date = () => new Date(),
): { bootstrap: string; options: { tls: TlsOptions; sasl?: SASLOptions } } {
  const bootstrap = securedListenerAddress(listener);
  const tls = { ca: readFileSync(material.files.caFile, 'utf8'), rejectUnauthorized: true };
  if (listener.security === 'scram' && material.scramPassword) {
    return { bootstrap, options: { tls, sasl: { mechanism: 'SCRAM-SHA-512', username: kafkaScramUser, password: material.scramPassword } } };
  }
  if (listener.security === 'iam' && material.iamCredentials) {
    const credentials = material.iamCredentials;
    const token = () => signMskIamToken({ region: mskIamRegion, credentials, date: now() });
    return { bootstrap, options: { tls, sasl: { mechanism: 'OAUTHBEARER', token, authBytesValidator: oauthBearerRefusal } } };
  }
  return { bootstrap, options: { tls } };
}
