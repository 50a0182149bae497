import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ToolMissingError } from '../errors.js';

const run = promisify(execFile);

export interface ServerTlsFiles {
  /** The CA certificate clients verify the server with (e.g. `target.tls.caFile`). */
  readonly caFile: string;
  /** Private key followed by the server certificate: the PEM keystore Cassandra and Kafka both read. */
  readonly keystoreFile: string;
}

export interface ServerTlsSpec {
  /** Where the keys, requests and keystore live. */
  readonly dir: string;
  /** Where clients find the CA; in `dir` unless set. */
  readonly caFile?: string;
  /** e.g. `DNS:localhost`: the names a client verifying host names may connect to. */
  readonly subjectAltName: string;
  readonly commonName: string;
  /** e.g. `the local target`, for the error when openssl is missing. */
  readonly server: string;
}

export function tlsFiles(dir: string, caFile = join(dir, 'ca.pem')): ServerTlsFiles {
  return { caFile, keystoreFile: join(dir, 'server-keystore.pem') };
}

/**
 * Creates, once, a self-signed CA and a server certificate signed by it. Kept across restarts so
 * clients configured with the CA file keep working.
 */
export async function ensureServerTls(spec: ServerTlsSpec): Promise<ServerTlsFiles> {
  const { dir } = spec;
  const files = tlsFiles(dir, spec.caFile);
  if (existsSync(files.caFile) && existsSync(files.keystoreFile)) return files;
  mkdirSync(dir, { recursive: true });
  const path = (name: string) => join(dir, name);
  const openssl = async (args: string[]) => {
    try {
      await run('openssl', args, { cwd: dir, timeout: 60_000 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ToolMissingError(`openssl is not installed; it makes ${spec.server}'s TLS certificate`, {
          cause: error,
          hint: 'Install it (e.g. apt-get install openssl)',
        });
      }
      throw error;
    }
  };
  writeFileSync(
    path('server.ext'),
    `subjectAltName=${spec.subjectAltName}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`,
  );
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path('ca.key'), '-out', path('ca.pem'), '-days', '3650', '-subj', '/CN=Tandem local CA']);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', path('server.key'), '-out', path('server.csr'), '-subj', `/CN=${spec.commonName}`]);
  await openssl([
    'x509', '-req', '-in', path('server.csr'), '-CA', path('ca.pem'), '-CAkey', path('ca.key'), '-CAcreateserial',
    '-out', path('server.crt'), '-days', '825', '-extfile', path('server.ext'),
  ]);
  // openssl 3 writes unencrypted PKCS#8 keys, which both Cassandra's PEMBasedSslContextFactory and Kafka's PEM keystore expect.
  writeFileSync(files.keystoreFile, readFileSync(path('server.key'), 'utf8') + readFileSync(path('server.crt'), 'utf8'), { mode: 0o600 });
  // Written last: its presence says the set is complete.
  if (files.caFile !== path('ca.pem')) writeFileSync(files.caFile, readFileSync(path('ca.pem')));
  return files;
}

/** The target's certificate names both loopback forms: CQL drivers connect by address. */
export function ensureTargetTls(dir: string): Promise<ServerTlsFiles> {
  return ensureServerTls({ dir, subjectAltName: 'IP:127.0.0.1,DNS:localhost', commonName: '127.0.0.1', server: 'the local target' });
}
