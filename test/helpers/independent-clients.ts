import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import type { ClusterConfig, KafkaConfig } from '../../src/config/index.js';

/**
 * The clients users have, outside Tandem: `kcat` (Debian) publishes what an application would,
 * `cqlsh` (PyPI) reads what either cluster really holds. `.ci/run` installs both. They catch what
 * Tandem's own clients would hide (a header only Tandem's producer adds, a value its driver
 * decodes kindly).
 */
function run(command: string, args: readonly string[], input: string | undefined, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, [...args], { timeout: 60_000, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') reject(new Error(`${command} is not installed: .ci/run installs it (kcat from Debian, cqlsh from PyPI)`));
      else if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

export interface KcatRecord {
  readonly key?: string;
  readonly value: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * librdkafka's settings for a `kafka:` config, as a user writes them on kcat's command line: TLS
 * verifying the broker's host name, SASL PLAIN or SCRAM. (kcat cannot sign MSK IAM tokens.)
 */
export function kcatSecurityArgs(kafka: readonly string[] | KafkaConfig): string[] {
  if (Array.isArray(kafka) || !('brokers' in kafka)) return [];
  const args: string[] = [];
  const set = (name: string, value: string) => args.push('-X', `${name}=${value}`);
  if (kafka.sasl?.mechanism === 'AWS_MSK_IAM') throw new Error('kcat cannot sign Amazon MSK IAM tokens');
  set('security.protocol', kafka.sasl ? (kafka.tls ? 'SASL_SSL' : 'SASL_PLAINTEXT') : kafka.tls ? 'SSL' : 'PLAINTEXT');
  if (typeof kafka.tls === 'object' && kafka.tls.caFile) set('ssl.ca.location', kafka.tls.caFile);
  if (kafka.tls) set('ssl.endpoint.identification.algorithm', 'https');
  if (kafka.sasl) {
    set('sasl.mechanisms', kafka.sasl.mechanism);
    set('sasl.username', kafka.sasl.username);
    set('sasl.password', kafka.sasl.password);
  }
  return args;
}

const brokersOf = (kafka: readonly string[] | KafkaConfig) => (Array.isArray(kafka) ? kafka : (kafka as KafkaConfig).brokers).join(',');

/** Publishes each record with `kcat -P`, one call per record so each keeps its own key and headers. */
export async function kcatProduce(kafka: readonly string[] | KafkaConfig, topic: string, records: readonly KcatRecord[]): Promise<void> {
  for (const record of records) {
    const args = ['-P', '-b', brokersOf(kafka), ...kcatSecurityArgs(kafka), '-t', topic, '-c', '1'];
    if (record.key !== undefined) args.push('-k', record.key);
    for (const [name, value] of Object.entries(record.headers ?? {})) args.push('-H', `${name}=${value}`);
    await run('kcat', args, `${record.value}\n`);
  }
}

/**
 * Runs one CQL statement with cqlsh against a cluster of the config (TLS when it has a CA file)
 * and returns the rows it printed, each column as cqlsh shows it.
 */
export async function cqlsh(cluster: ClusterConfig, cql: string): Promise<Record<string, string>[]> {
  const [host, port] = splitAddress(cluster.contactPoints[0]!);
  // LOCAL_QUORUM as Tandem writes: the Keyspaces-like target refuses writes at cqlsh's default ONE.
  const args = [host, port, '--no-color', '-e', `CONSISTENCY LOCAL_QUORUM; ${cql}`];
  const env: NodeJS.ProcessEnv = {};
  if (cluster.auth && 'username' in cluster.auth) args.push('-u', cluster.auth.username, '-p', cluster.auth.password);
  if (cluster.tls) {
    args.push('--ssl');
    if (cluster.tls.caFile) env['SSL_CERTFILE'] = cluster.tls.caFile;
    env['SSL_VALIDATE'] = cluster.tls.rejectUnauthorized === false ? 'false' : 'true';
  }
  // cqlsh keeps history and settings in ~/.cassandra; a fresh home keeps runs apart.
  env['HOME'] = tmpdir();
  return parseCqlshTable(await run('cqlsh', args, undefined, env));
}

function splitAddress(address: string): [string, string] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at).replace(/^\[|\]$/g, ''), address.slice(at + 1)];
}

/** cqlsh's table: a header line, a line of dashes and plus signs, then one line per row, `|` between columns. */
export function parseCqlshTable(output: string): Record<string, string>[] {
  const lines = output.split('\n');
  const rule = lines.findIndex((line) => /^-+(\+-+)*$/.test(line.trim()));
  if (rule < 1) return [];
  const names = lines[rule - 1]!.split('|').map((name) => name.trim());
  const rows: Record<string, string>[] = [];
  for (const line of lines.slice(rule + 1)) {
    if (line.trim() === '') break;
    const cells = line.split(' | ').map((cell) => cell.trim());
    rows.push(Object.fromEntries(names.map((name, i) => [name, cells[i] ?? ''])));
  }
  return rows;
}

export interface KcatMessage {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Reads the first `count` messages of a topic with `kcat -C`, headers included. */
export async function kcatConsume(kafka: readonly string[] | KafkaConfig, topic: string, count: number): Promise<KcatMessage[]> {
  // One JSON object per message (-J), so values and headers with any characters come back whole.
  const out = await run('kcat', ['-C', '-b', brokersOf(kafka), ...kcatSecurityArgs(kafka), '-t', topic, '-o', 'beginning', '-c', String(count), '-e', '-J'], undefined);
  return out
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      const message = JSON.parse(line) as { key: string | null; payload: string | null; headers?: string[] };
      const headers: Record<string, string> = {};
      const list = message.headers ?? [];
      for (let i = 0; i + 1 < list.length; i += 2) headers[list[i]!] = list[i + 1]!;
      return { key: message.key ?? '', value: message.payload ?? '', headers };
    });
}
