import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCqlClient, namedHost } from '../../src/cql/index.js';

const stack = inject('stackConfig');

/**
 * Amazon Keyspaces' certificates name hosts only (cassandra.<region>.amazonaws.com), never an IP.
 * The stand-in: a TLS endpoint in front of the local target whose certificate holds DNS:localhost
 * and nothing else, signed by a CA of this test. It terminates TLS and forwards the bytes over TLS
 * to the real target, so the driver meets a real Cassandra behind a host-name-only certificate.
 */
let server: Server;
let port: number;
let caFile: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-dnsonly-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=DNS-only test CA');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext');
  caFile = join(dir, 'ca.pem');
  const [targetHost, targetPort] = stack.target.contactPoints[0]!.split(':') as [string, string];
  const targetCa = readFileSync(stack.target.tls!.caFile!, 'utf8');
  server = createServer({ key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.crt')) }, (client) => {
    const upstream = tlsConnect({ host: targetHost, port: Number(targetPort), ca: [targetCa], servername: 'localhost' });
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
  });
  // Both families: "localhost" may resolve to ::1 first.
  await new Promise<void>((resolve) => server.listen(0, resolve));
  port = (server.address() as AddressInfo).port;
  // The port answers on IPv4 too, which the IP case below relies on.
  await new Promise<void>((resolve, reject) => netConnect(port, '127.0.0.1').once('connect', function (this: import('node:net').Socket) { this.destroy(); resolve(); }).once('error', reject));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('TLS to a server whose certificate names a host, not an IP (Amazon Keyspaces)', () => {
  it('verifies against the contact point\'s host name and connects', { timeout: 60_000 }, async () => {
    const client = createCqlClient({ ...stack.target, contactPoints: [`localhost:${port}`], tls: { caFile, rejectUnauthorized: true } }, { profile: 'cassandra' });
    try {
      const row = (await client.execute('SELECT release_version FROM system.local')).first();
      expect(String(row['release_version'])).toMatch(/^5\./);
    } finally {
      await client.shutdown();
    }
  });

  it('still refuses the same certificate for an IP contact point, which it does not name', { timeout: 60_000 }, async () => {
    const client = createCqlClient({ ...stack.target, contactPoints: [`127.0.0.1:${port}`], tls: { caFile, rejectUnauthorized: true } }, { profile: 'cassandra' });
    try {
      await expect(client.connect()).rejects.toThrow(/All host\(s\) tried for query failed/);
    } finally {
      await client.shutdown();
    }
  });

  it('takes the first contact point that is a name', () => {
    expect(namedHost(['cassandra.us-east-1.amazonaws.com:9142'])).toBe('cassandra.us-east-1.amazonaws.com');
    expect(namedHost(['127.0.0.1:9142', 'localhost:9142'])).toBe('localhost');
    expect(namedHost(['127.0.0.1:9142', '[::1]:9142', '::1'])).toBeUndefined();
  });
});
