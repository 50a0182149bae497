import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import cassandra from 'cassandra-driver';
import type { ClusterConfig } from '../config/index.js';
import { createCqlClient, quoteIdentifier, quoteString } from '../cql/index.js';
import { ConfigError, ServerExitedError } from '../errors.js';
import { findInErrorChain } from '../kafka/index.js';
import { ensureArtifacts, type ArtifactCacheEvents } from './artifact-cache.js';
import { cassandraArtifact, kafkaArtifact, kafkaVersion } from './artifact-specs.js';
import { cassandraJavaArgs, cassandraLogback, cassandraLogFile, cassandraRackDc, cassandraYaml, type CassandraNodeSpec } from './cassandra-config.js';
import {
  kafkaFormatArgs,
  kafkaJavaArgs,
  kafkaLog4j2,
  kafkaLogFile,
  kafkaScramUpsertArgs,
  kafkaSecuredListeners,
  kafkaServerProperties,
  randomKafkaClusterId,
  type KafkaSecuredListener,
} from './kafka-config.js';
import { ensureKafkaSecurity, kafkaListenerInfos, securedListenerAccess, type KafkaListenerInfo, type KafkaSecurityMaterial } from './kafka-security.js';
import { assertPortsFree } from './ports.js';
import { probeCql, probeKafka, waitUntilReady, type WatchedServer } from './readiness.js';
import { isOurProcess, spawnServer, stopServer } from './server-process.js';
import { joinSourceRing } from './source-ring.js';
import {
  cassandraServers,
  serverNames,
  stackPortClaims,
  stackServerNames,
  superuser,
  type CassandraServerSpec,
  type Credentials,
  type ServerName,
  type StackSpec,
} from './stack-spec.js';
import { readState, removeState, stateFile, writeState, type ServerRecord, type StackState } from './stack-state.js';
import { ensureTargetTls, tlsFiles } from './tls.js';
import { findJava, type Java } from './tools.js';

const run = promisify(execFile);

export interface StackEvents extends ArtifactCacheEvents {
  onStarting?(names: readonly ServerName[]): void;
}

export interface ServerInfo {
  readonly name: ServerName;
  readonly address: string;
  readonly version: string;
  readonly pid: number;
  readonly logFile: string;
  /** e.g. `TLS, user ks-user` */
  readonly detail: string;
}

export interface UpResult {
  /** True when every server was already running and nothing was started. */
  readonly alreadyRunning: boolean;
  readonly servers: readonly ServerInfo[];
  readonly caFile: string;
  /** Kafka's TLS and SASL listeners beside the plaintext one, with the files their clients need. */
  readonly kafkaListeners: readonly KafkaListenerInfo[];
  readonly stateFile: string;
}

export interface StartOptions {
  /** How long each server may take to answer; first starts on two busy cores need the most. */
  readonly readyTimeoutMs?: number;
}

/**
 * Starts whatever part of the stack is not running, waits until each server answers, and records
 * PIDs in the state file. Servers already running are checked and reported, not restarted. If any
 * server fails to start, the ones this call started are stopped again before the error is thrown.
 */
export async function startStack(spec: StackSpec, events: StackEvents = {}, options: StartOptions = {}): Promise<UpResult> {
  mkdirSync(spec.dataDir, { recursive: true });
  const caFile = tlsFiles(join(spec.target.node.dir, 'tls')).caFile;
  const previous = readState(spec.dataDir);
  const kept: Partial<Record<ServerName, ServerRecord>> = {};
  const names = stackServerNames(spec);
  assertSameSourceRing(spec);
  for (const name of names) {
    const record = previous?.servers[name];
    if (record?.ready && isOurProcess(record.pid, record.marker)) kept[name] = record;
  }
  const wanted = kafkaListenerInfos(spec.kafka);
  const running = previous?.kafkaListeners ?? [];
  const serves = (listener: KafkaListenerInfo) => running.some((other) => JSON.stringify(other) === JSON.stringify(listener));
  if (kept.kafka && !wanted.every(serves)) {
    // Listeners are fixed at the broker's start: a config asking for one it lacks takes a restart.
    // One serving more than asked is kept, so `npm start` or a config without stack.kafkaSecurity
    // reuses a stack started with --kafka-security, whose listeners go on serving.
    await stopServer(kept.kafka.pid, kept.kafka.marker, 30_000);
    delete kept.kafka;
  }
  const kafkaListeners = kept.kafka ? running : wanted;
  const toStart = names.filter((name) => !kept[name]);
  let state: StackState = { dataDir: spec.dataDir, caFile, kafkaListeners, servers: kept };
  writeState(state);

  if (toStart.length === 0) {
    return { alreadyRunning: true, servers: await describeRunning(spec, state), caFile, kafkaListeners, stateFile: stateFile(spec.dataDir) };
  }

  await assertPortsFree(stackPortClaims(spec, toStart));
  const java = await findJava();
  const libs = await ensureArtifacts(spec.cacheDir, [kafkaArtifact, cassandraArtifact], events);
  if (toStart.includes('target')) await ensureTargetTls(join(spec.target.node.dir, 'tls'));
  const kafkaSecurity = toStart.includes('kafka') ? await ensureKafkaSecurity(spec.kafka, java, libs.get(kafkaArtifact.id)!, spec.cacheDir) : undefined;
  events.onStarting?.(toStart);

  const started: ServerRecord[] = [];
  const remember = (record: ServerRecord) => {
    started.push(record);
    state = { ...state, servers: { ...state.servers, [record.name]: record } };
    writeState(state);
  };
  const timeoutMs = options.readyTimeoutMs ?? 180_000;
  const servers = new Map(cassandraServers(spec).map((server) => [server.node.name, server]));
  try {
    const startOne = async (name: ServerName) => {
      const launch =
        name === 'kafka'
          ? launchKafka(spec, java, libs.get(kafkaArtifact.id)!, kafkaSecurity!, remember)
          : launchCassandra(servers.get(name)!, java, libs.get(cassandraArtifact.id)!, remember);
      return (await launch)(timeoutMs);
    };
    // The other source nodes gossip with the first to join its ring, so they start once it answers.
    const firstSource = toStart.includes('source') ? startOne('source') : undefined;
    const starts = toStart.map((name) =>
      name === 'source' ? firstSource! : name.startsWith('source') ? Promise.resolve(firstSource).then(() => startOne(name)) : startOne(name),
    );
    const results = await Promise.allSettled(starts);
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    if (failures.length > 0) {
      // A server that died explains more than one that merely waited for it.
      throw failures.find((error) => error instanceof ServerExitedError) ?? failures[0];
    }
    if (spec.sourcePeers.length > 0 && toStart.some((name) => name.startsWith('source'))) await joinSourceRing(spec, clusterOf(spec.source.node, superuser), timeoutMs);
    for (const result of results) {
      if (result.status === 'fulfilled') {
        const record = result.value;
        state = { ...state, servers: { ...state.servers, [record.name]: record } };
      }
    }
    writeState(state);
  } catch (error) {
    await Promise.all(started.map((record) => stopServer(record.pid, record.marker, 10_000)));
    const servers = { ...state.servers };
    for (const record of started) delete servers[record.name];
    writeState({ ...state, servers });
    throw error;
  }
  return { alreadyRunning: false, servers: await describeRunning(spec, state, new Set(toStart)), caFile, kafkaListeners, stateFile: stateFile(spec.dataDir) };
}

type Launch = Promise<(timeoutMs: number) => Promise<ServerRecord>>;

function marker(dir: string): string {
  return `-Dtandem.server=${dir}`;
}

function watch(label: string, logFile: string, consoleLog: string, exited: Promise<string>): WatchedServer {
  let exit: string | undefined;
  void exited.then((reason) => {
    exit = reason;
  });
  return { label, logFile, consoleLog, exit: () => exit };
}

async function launchKafka(spec: StackSpec, java: Java, libDir: string, security: KafkaSecurityMaterial, remember: (r: ServerRecord) => void): Launch {
  const node = spec.kafka;
  for (const sub of ['conf', 'logs', 'data']) mkdirSync(join(node.dir, sub), { recursive: true });
  writeFileSync(join(node.dir, 'conf', 'server.properties'), kafkaServerProperties(node));
  writeFileSync(join(node.dir, 'conf', 'log4j2.properties'), kafkaLog4j2(node));
  if (!existsSync(join(node.dir, 'data', 'meta.properties'))) {
    try {
      await run(java.bin, kafkaFormatArgs(node, libDir, randomKafkaClusterId(), security.scramPassword), { cwd: node.dir, timeout: 120_000 });
    } catch (error) {
      throw new ServerExitedError(`Formatting Kafka's storage in ${join(node.dir, 'data')} failed: ${toolFailure(error, security.scramPassword)}`);
    }
  }
  const args = kafkaJavaArgs(node, libDir, marker(node.dir), security.extraClassPath);
  const logFile = kafkaLogFile(node);
  const consoleLog = join(node.dir, 'logs', 'console.log');
  const child = spawnServer(java.bin, args, node.dir, consoleLog);
  const address = `${node.host}:${node.port}`;
  const base = { name: 'kafka' as const, pid: child.pid, marker: marker(node.dir), address, logFile, startedAt: new Date().toISOString() };
  remember({ ...base, ready: false });
  const watched = watch('Kafka', logFile, consoleLog, child.exited);
  return async (timeoutMs) => {
    await waitUntilReady(watched, () => probeKafka(address), { timeoutMs });
    for (const listener of node.secured) await securedListenerReady(spec, java, libDir, security, listener, watched);
    return { ...base, version: kafkaVersion, ready: true };
  };
}

/**
 * Logs in over a secured listener as a client would. Storage formatted before SCRAM was enabled
 * has no user `tandem`; it gets one then, through the plaintext listener.
 */
async function securedListenerReady(
  spec: StackSpec,
  java: Java,
  libDir: string,
  security: KafkaSecurityMaterial,
  listener: KafkaSecuredListener,
  broker: WatchedServer,
): Promise<void> {
  const access = securedListenerAccess(listener, security);
  const probe = () => probeKafka(access.bootstrap, access.options);
  const watched = { ...broker, label: `Kafka's ${kafkaSecuredListeners[listener.security].name} listener (${access.bootstrap})` };
  if (listener.security === 'scram' && security.scramPassword) {
    const refused = await probe().then(
      () => false,
      (error: unknown) => isAuthenticationError(error),
    );
    if (refused) {
      try {
        await run(java.bin, kafkaScramUpsertArgs(spec.kafka, libDir, security.scramPassword), { cwd: spec.kafka.dir, timeout: 120_000 });
      } catch (error) {
        throw new ServerExitedError(`Creating Kafka's SCRAM user failed: ${toolFailure(error, security.scramPassword)}`);
      }
    }
  }
  await waitUntilReady(watched, probe, { timeoutMs: 30_000 });
}

/** platformatic/kafka wraps the broker's refusal in connection and aggregate errors. */
function isAuthenticationError(error: unknown): boolean {
  return findInErrorChain(error, (e) => e.code === 'PLT_KFK_AUTHENTICATION') !== undefined;
}

/**
 * The last line a Kafka tool printed before failing. Its command line (in the error's message)
 * carries the SCRAM password, so neither the message nor the error itself is passed on.
 */
function toolFailure(error: unknown, password: string | undefined): string {
  const output = `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`;
  const last = output.split('\n').map((line) => line.trim()).filter(Boolean).at(-1) ?? `exit code ${String((error as { code?: unknown }).code)}`;
  return password ? last.replaceAll(password, '***') : last;
}

async function launchCassandra(server: CassandraServerSpec, java: Java, libDir: string, remember: (r: ServerRecord) => void): Launch {
  const node = server.node;
  for (const sub of ['conf', 'logs', 'data']) mkdirSync(join(node.dir, sub), { recursive: true });
  writeFileSync(join(node.dir, 'conf', 'cassandra.yaml'), cassandraYaml(node));
  writeFileSync(join(node.dir, 'conf', 'cassandra-rackdc.properties'), cassandraRackDc(node));
  writeFileSync(join(node.dir, 'conf', 'logback.xml'), cassandraLogback(node));
  const args = cassandraJavaArgs(node, libDir, marker(node.dir));
  const logFile = cassandraLogFile(node);
  const consoleLog = join(node.dir, 'logs', 'console.log');
  const child = spawnServer(java.bin, args, node.dir, consoleLog);
  const address = `${node.host}:${node.nativePort}`;
  const base = { name: node.name as ServerName, pid: child.pid, marker: marker(node.dir), address, logFile, startedAt: new Date().toISOString() };
  remember({ ...base, ready: false });
  const watched = watch(`${node.name} Cassandra`, logFile, consoleLog, child.exited);
  return async (timeoutMs) => {
    await waitUntilReady(watched, () => probeCql(clusterOf(node, superuser)), { timeoutMs });
    await ensureUser(node, server.user);
    // The real check: the configured user logs in (over TLS for the target) and reads.
    const version = await waitUntilReady(watched, () => probeCql(clusterOf(node, server.user)), { timeoutMs: 30_000 });
    return { ...base, version, ready: true };
  };
}

/**
 * A source whose nodes hold their tokens in data files cannot change how many nodes or tokens it
 * has: Cassandra refuses to start a node whose num_tokens changed, and a ring of one node with one
 * token would not grow into three balanced ones.
 */
function assertSameSourceRing(spec: StackSpec): void {
  const yamlFile = join(spec.source.node.dir, 'conf', 'cassandra.yaml');
  if (!existsSync(join(spec.source.node.dir, 'data', 'system')) || !existsSync(yamlFile)) return;
  const tokens = /^num_tokens: (\d+)$/m.exec(readFileSync(yamlFile, 'utf8'))?.[1];
  const nodes = 1 + spec.sourcePeers.length;
  const before = readdirSync(spec.dataDir).filter((entry) => /^source\d*$/.test(entry) && existsSync(join(spec.dataDir, entry, 'data', 'system'))).length;
  if (tokens !== undefined && (Number(tokens) !== spec.source.node.tokens.length || before > nodes)) {
    throw new ConfigError(`The source in ${spec.dataDir} was created with ${before} node${before === 1 ? '' : 's'}; stack.sourceNodes asks for ${nodes}`, {
      hint: 'A source keeps its ring: use another --data-dir, or `tandem down --purge` first (deletes its data)',
    });
  }
}

/** How a client reaches a local node: TLS verified against the stack's own CA for the target. */
export function clusterOf(node: CassandraNodeSpec, credentials: Credentials): ClusterConfig {
  return {
    contactPoints: [`${node.host}:${node.nativePort}`],
    localDataCenter: node.dataCenter,
    readConsistency: 'LOCAL_QUORUM',
    auth: { username: credentials.username, password: credentials.password },
    ...(node.tlsKeystore ? { tls: { caFile: tlsFiles(join(node.dir, 'tls')).caFile, rejectUnauthorized: true } } : {}),
  };
}

/**
 * Creates the configured user (not a superuser, so the target's Keyspaces guardrails bind it) with
 * every permission on every keyspace. Its password is changed only when the configured one no
 * longer works: Cassandra refuses password changes more often than every few seconds.
 */
async function ensureUser(node: CassandraNodeSpec, user: Credentials): Promise<void> {
  if (user.username === superuser.username) return;
  const client = createCqlClient(clusterOf(node, superuser));
  try {
    const role = quoteIdentifier(user.username);
    // Role statements take no bind markers; the values are quoted instead.
    const password = quoteString(user.password);
    await client.execute(`CREATE ROLE IF NOT EXISTS ${role} WITH PASSWORD = ${password} AND LOGIN = true AND SUPERUSER = false`);
    await client.execute(`GRANT ALL PERMISSIONS ON ALL KEYSPACES TO ${role}`);
    const loginFails = await probeCql(clusterOf(node, user)).then(
      () => false,
      (error: unknown) => error instanceof cassandra.errors.NoHostAvailableError && Object.values(error.innerErrors).some((inner) => inner instanceof cassandra.errors.AuthenticationError),
    );
    if (loginFails) await client.execute(`ALTER ROLE ${role} WITH PASSWORD = ${password} AND LOGIN = true`);
  } finally {
    await client.shutdown();
  }
}

/** `justStarted` servers passed their readiness probe moments ago: their recorded version stands. */
async function describeRunning(spec: StackSpec, state: StackState, justStarted: ReadonlySet<ServerName> = new Set()): Promise<ServerInfo[]> {
  const infos: ServerInfo[] = [];
  const servers = new Map(cassandraServers(spec).map((server) => [server.node.name, server]));
  for (const name of stackServerNames(spec)) {
    const record = state.servers[name];
    if (!record) continue;
    const server = servers.get(name);
    let version = record.version ?? 'unknown';
    if (justStarted.has(name) && record.version) {
      // Probing again would cost about a second per `up` and learn nothing new.
    } else if (server) {
      // A server left running by an earlier `up` is asked again, so the report is never stale.
      version = await probeCql(clusterOf(server.node, server.user));
    } else {
      await probeKafka(record.address);
    }
    // What the broker serves, which may be more than this config asks for (see startStack).
    const securedDetail = (state.kafkaListeners ?? []).map((listener) => `${kafkaSecuredListeners[listener.security].name} ${listener.address.slice(listener.address.lastIndexOf(':') + 1)}`).join(', ');
    const detail =
      name === 'kafka'
        ? `KRaft, broker+controller${securedDetail ? `; ${securedDetail}` : ''}`
        : name === 'target'
          ? `cluster ${spec.target.node.clusterName}, TLS, user ${spec.target.user.username}`
          : `cluster ${server!.node.clusterName}${spec.sourcePeers.length > 0 ? ` (${server!.node.dataCenter}, ${server!.node.rack}, ${server!.node.tokens.length} tokens)` : ''}, user ${server!.user.username}`;
    infos.push({ name, address: record.address, version: name === 'kafka' ? `Kafka ${version}` : `Cassandra ${version}`, pid: record.pid, logFile: record.logFile, detail });
  }
  return infos;
}

export interface ServerStatus {
  readonly name: ServerName;
  readonly running: boolean;
  readonly record?: ServerRecord;
}

/** Which servers of the stack in `dataDir` run, from the state file and the process table. */
export function stackStatus(dataDir: string): ServerStatus[] {
  const state = readState(dataDir);
  // A stack of one source node has no source2: listed only when the state file records them.
  const names = serverNames.filter((name) => !/^source\d$/.test(name) || state?.servers[name]);
  return names.map((name) => {
    const record = state?.servers[name];
    return record ? { name, running: isOurProcess(record.pid, record.marker), record } : { name, running: false };
  });
}

export interface DownResult {
  readonly stopped: readonly ServerName[];
  readonly purged: boolean;
}

/**
 * Stops exactly the processes the state file names (checked by PID and command line) and waits for
 * them to exit. `only` stops some servers and keeps the others' records, so a later `startStack`
 * starts just those again (fault tests use it to take one server away).
 */
export async function stopStack(
  dataDir: string,
  options: { purge?: boolean; graceMs?: number; only?: readonly ServerName[] } = {},
): Promise<DownResult> {
  const state = readState(dataDir);
  const names = options.only ?? serverNames;
  const records = names.flatMap((name) => (state?.servers[name] ? [state.servers[name]] : []));
  const results = await Promise.all(
    records.map(async (record) => ((await stopServer(record.pid, record.marker, options.graceMs ?? 30_000)) ? record.name : undefined)),
  );
  const stopped = results.filter((name): name is ServerName => name !== undefined);
  if (options.only && state) {
    const servers = { ...state.servers };
    for (const name of names) delete servers[name];
    writeState({ ...state, servers });
  } else {
    removeState(dataDir);
  }
  let purged = false;
  if (options.purge && existsSync(dataDir)) {
    rmSync(dataDir, { recursive: true, force: true });
    purged = true;
  }
  return { stopped, purged };
}
