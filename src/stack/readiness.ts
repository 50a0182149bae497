import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { Admin, type SASLOptions } from '@platformatic/kafka';
import { createCqlClient, type ClusterAddress } from '../cql/index.js';
import { ServerExitedError, ServerTimeoutError } from '../errors.js';
import { sleep, tailOf } from './server-process.js';

export interface WatchedServer {
  /** e.g. `source Cassandra` */
  readonly label: string;
  readonly logFile: string;
  /** Where the JVM itself writes (bad options, crashes before logging starts). */
  readonly consoleLog: string;
  /** Settles when the process exits; `undefined` while it is alive. */
  readonly exit: () => string | undefined;
}

export interface ReadyOptions {
  readonly timeoutMs: number;
  readonly pollMs?: number;
}

/**
 * Polls `probe` until it answers, the process exits (an error naming its log) or time runs out.
 * Errors from the probe mean "not yet".
 */
export async function waitUntilReady<T>(server: WatchedServer, probe: () => Promise<T>, options: ReadyOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const exit = server.exit();
    if (exit !== undefined) {
      const [file, tail] = explainingTail(server);
      throw new ServerExitedError(`${server.label} exited while starting (${exit}); see ${file}`, {
        hint: tail ? `It ends with:\n${tail}` : undefined,
      });
    }
    try {
      return await probe();
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new ServerTimeoutError(
        `${server.label} did not answer within ${Math.round(options.timeoutMs / 1000)} s (last error: ${(lastError as Error)?.message ?? 'none'}); see ${server.logFile}`,
        { cause: lastError },
      );
    }
    await sleep(options.pollMs ?? 500);
  }
}

/** The server log's tail, unless the JVM's own output says more (it died before logging began). */
function explainingTail(server: WatchedServer): [string, string] {
  const jvmOutput = tailOf(server.consoleLog, 40)
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('WARNING:'));
  if (jvmOutput.length > 0) return [server.consoleLog, jvmOutput.slice(-5).join('\n')];
  return [server.logFile, tailOf(server.logFile, 5)];
}

/** An authenticated `SELECT release_version FROM system.local`, over TLS when the cluster has it. */
export async function probeCql(cluster: ClusterAddress): Promise<string> {
  const client = createCqlClient(cluster, { connectTimeoutMs: 3_000 });
  try {
    const result = await client.execute('SELECT release_version FROM system.local');
    return String(result.first()?.get('release_version'));
  } finally {
    await client.shutdown();
  }
}

export interface KafkaProbe {
  readonly clusterId: string;
  readonly brokers: number;
}

/**
 * A metadata request: the broker answers it only once it has joined its KRaft quorum. Over a
 * secured listener it also proves the TLS handshake and the SASL login.
 */
export async function probeKafka(bootstrap: string, access: { tls?: TlsOptions; sasl?: SASLOptions } = {}): Promise<KafkaProbe> {
  const admin = new Admin({ clientId: 'tandem-probe', bootstrapBrokers: [bootstrap], retries: 0, timeout: 3_000, ...access });
  try {
    const metadata = await admin.metadata({ topics: [] });
    if (metadata.brokers.size === 0) throw new Error('no brokers registered yet');
    return { clusterId: metadata.id, brokers: metadata.brokers.size };
  } finally {
    await admin.close();
  }
}
