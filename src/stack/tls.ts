import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ToolMissingError } from '../errors.js';

const run = promisify(execFile);

export interface TargetTlsFiles {
  /** The CA certificate clients verify the target with (`target.tls.caFile`). */
  readonly caFile: string;
  /** Private key followed by the server certificate, as Cassandra's PEM-based SSL context reads it. */
  readonly keystoreFile: string;
}

export function tlsFiles(dir: string): TargetTlsFiles {
  return { caFile: join(dir, 'ca.pem'), keystoreFile: join(dir, 'server-keystore.pem') };
}

/**
 * Creates, once, a self-signed CA and a server certificate for 127.0.0.1/localhost signed by it.
 * Kept across restarts so clients configured with the CA file keep working.
 */
export async function ensureTargetTls(dir: string): Promise<TargetTlsFiles> {
  const files = tlsFiles(dir);
  if (existsSync(files.caFile) && existsSync(files.keystoreFile)) return files;
  mkdirSync(dir, { recursive: true });
  const path = (name: string) => join(dir, name);
  const openssl = async (args: string[]) => {
    try {
      await run('openssl', args, { cwd: dir, timeout: 60_000 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ToolMissingError('openssl is not installed; it makes the local target\'s TLS certificate', {
          cause: error,
          hint: 'Install it (e.g. apt-get install openssl)',
        });
      }
      throw error;
    }
  };
  writeFileSync(
    path('server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n',
  );
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path('ca.key'), '-out', path('ca.pem'), '-days', '3650', '-subj', '/CN=Tandem local CA']);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', path('server.key'), '-out', path('server.csr'), '-subj', '/CN=127.0.0.1']);
  await openssl([
    'x509', '-req', '-in', path('server.csr'), '-CA', path('ca.pem'), '-CAkey', path('ca.key'), '-CAcreateserial',
    '-out', path('server.crt'), '-days', '825', '-extfile', path('server.ext'),
  ]);
  // openssl 3 writes unencrypted PKCS#8 keys, which is what PEMBasedSslContextFactory expects.
  writeFileSync(files.keystoreFile, readFileSync(path('server.key'), 'utf8') + readFileSync(path('server.crt'), 'utf8'), { mode: 0o600 });
  return files;
}
