import { spawn, type ChildProcess } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { parseConfig, type ClusterConfig, type TandemConfig } from '../src/config/index.js';
import { createCqlClient, retryTransient } from '../src/cql/index.js';
import { destinationNames, type DestinationName } from '../src/sink/index.js';
import { stackStatus, startStack, stackSpecFromConfig, stopStack } from '../src/stack/index.js';
import { processesMentioning } from '../test/helpers/processes.js';

/** The benches' own stack, on ports below 32768 and apart from a user's or the tests' stack. */
export let benchDataDir = '.tandem-bench';

/**
 * Nodes of the bench source (a bench's `--source-nodes`; `useSourceNodes` sets it). A ring of
 * several lives in a data dir of its own, as a source cannot change its node count, but on the same
 * ports: only one bench stack runs at a time.
 */
export let benchSourceNodes = 1;

/** The data center of a bench source ring, as the reference design's replication names it. */
const ringDataCenter = 'Datacenter1';

function rawConfigFor(dataDir: string, sourceNodes: number) {
  // TANDEM_BENCH_STACK='{"cassandraHeapMb": 1024, "jvmArgs": {"cassandra": ["-XX:MaxGCPauseMillis=50"]}}' tries other
  // server settings (the `stack:` section of a config); the stack must be started by the bench to take them.
  const stack = {
    ...(process.env.TANDEM_BENCH_STACK ? (JSON.parse(process.env.TANDEM_BENCH_STACK) as Record<string, unknown>) : {}),
    ...(sourceNodes > 1 ? { sourceNodes } : {}),
  };
  return {
    kafka: { brokers: ['127.0.0.1:27092'] },
    source: {
      contactPoints: ['127.0.0.1:27042'],
      ...(sourceNodes > 1 ? { localDataCenter: ringDataCenter } : {}),
      auth: { username: 'cassandra', password: 'cassandra' },
    },
    target: {
      profile: 'cassandra',
      contactPoints: ['127.0.0.1:27142'],
      // Absolute: a CA path resolves relative to its config file, and a sink's config lives in a temp dir.
      tls: { caFile: resolve(dataDir, 'target', 'tls', 'ca.pem') },
      auth: { username: 'ks-user', password: 'ks-password' },
    },
    ...(Object.keys(stack).length > 0 ? { stack } : {}),
  };
}

export let rawBenchConfig = rawConfigFor(benchDataDir, benchSourceNodes);

export let benchConfig: TandemConfig = parseConfig(rawBenchConfig, 'bench', {}, process.cwd()).config;

/**
 * Makes the bench stack a source of `nodes` nodes (in `.tandem-bench-<n>n`, data center
 * `Datacenter1`). Call it before anything reads `benchConfig` or starts the stack.
 */
export function useSourceNodes(nodes: number): void {
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 5) throw new Error(`--source-nodes: a whole number from 1 to 5, not ${nodes}`);
  benchSourceNodes = nodes;
  benchDataDir = nodes === 1 ? '.tandem-bench' : `.tandem-bench-${nodes}n`;
  rawBenchConfig = rawConfigFor(benchDataDir, nodes);
  benchConfig = parseConfig(rawBenchConfig, 'bench', {}, process.cwd()).config;
}

/**
 * The replication of a bench keyspace on a source ring: the reference design's
 * NetworkTopologyStrategy, three copies (as many as there are nodes, up to three).
 */
function ringReplication(): string {
  return `{'class': 'NetworkTopologyStrategy', '${ringDataCenter}': '${Math.min(3, benchSourceNodes)}'}`;
}

export function clusterOf(name: DestinationName): ClusterConfig {
  return name === 'source' ? benchConfig.source : benchConfig.target;
}

/** Whether this process started the bench stack: one it found running (kept by `--keep-stack`) is left running. */
let startedHere = false;

export async function startBenchStack(): Promise<string> {
  const up = await startStack(stackSpecFromConfig(benchConfig, { dataDir: benchDataDir }));
  startedHere = !up.alreadyRunning;
  const others = otherTandemServers(resolve(benchDataDir));
  // Measured here, 5,000/s on the target: with an idle test stack left running (three JVMs) the
  // sink's p99 was 42-57 ms and the driver baseline's 79-230 ms; without it, 26-37 and 29-44 ms.
  if (others.length > 0) console.warn(`WARNING: other Tandem servers are running on this machine (pids ${others.join(', ')}); they take CPU from the bench: stop them for figures worth comparing`);
  return `stack ${up.alreadyRunning ? 'reused, and left running' : 'started'} (${benchDataDir})`;
}

/** PIDs of other local stacks' servers (`-Dtandem.server=<dir>` on their command line). Linux only. */
function otherTandemServers(benchDir: string): number[] {
  if (!existsSync('/proc')) return [];
  const ours = new Set(processesMentioning(benchDir));
  return processesMentioning('-Dtandem.server=').filter((pid) => !ours.has(pid));
}

export async function stopBenchStack(): Promise<void> {
  if (startedHere) await stopStack(benchDataDir, { purge: true, graceMs: 10_000 });
}

/** CPU seconds each source node has used so far, by server name (source, source2…). Linux only. */
export function sourceNodeCpuSeconds(): Map<string, number> {
  const cpu = new Map<string, number>();
  for (const server of stackStatus(benchDataDir)) {
    if (server.name.startsWith('source') && server.running && server.record) cpu.set(server.name, cpuSeconds(server.record.pid));
  }
  return cpu;
}

/** What each source node spent since `before` (from `sourceNodeCpuSeconds`), e.g. "source 41.2, source2 39.8, source3 40.5 CPU-s". */
export function sourceNodeCpuSince(before: ReadonlyMap<string, number>): string {
  const after = sourceNodeCpuSeconds();
  return `${[...after].map(([name, seconds]) => `${name} ${(seconds - (before.get(name) ?? 0)).toFixed(1)}`).join(', ')} CPU-s`;
}

/**
 * Runs the statements on both clusters, e.g. to create the bench's keyspace and table on each. On a
 * source ring a CREATE KEYSPACE takes the ring's replication (`ringReplication`) whatever it names.
 */
export async function onBothClusters(statements: readonly string[]): Promise<void> {
  for (const name of destinationNames) {
    const client = createCqlClient(clusterOf(name));
    const onRing = name === 'source' && benchSourceNodes > 1;
    try {
      for (const statement of statements) {
        await client.execute(onRing && /^CREATE KEYSPACE/i.test(statement) ? statement.replace(/replication\s*=\s*\{[^}]*\}/i, `replication = ${ringReplication()}`) : statement);
      }
    } finally {
      await client.shutdown();
    }
  }
}

/**
 * Retries the requests given it while they fail with what may pass later (a write or read timeout
 * on a busy ring), as the sink and the backfill retry theirs; a request failing 8 times in a row
 * ends all of them with its error.
 */
export class Retrier {
  retries = 0;
  private readonly giveUp = new AbortController();

  /** `concurrency`: requests that may wait to retry at once, each listening to the give-up signal. */
  constructor(concurrency: number) {
    setMaxListeners(concurrency + 1, this.giveUp.signal);
  }

  run<T>(request: () => Promise<T>): Promise<T> {
    return retryTransient(request, this.giveUp.signal, (_reason, attempt, error) => {
      this.retries += 1;
      if (attempt >= 8) this.giveUp.abort(error);
    });
  }
}

/** Sends every item, `concurrency` at a time, each through a `Retrier`. Returns how many retries it took. */
export async function sendConcurrently<T>(items: readonly T[], concurrency: number, send: (item: T) => Promise<unknown>): Promise<number> {
  const retrier = new Retrier(concurrency);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await retrier.run(() => send(item));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return retrier.retries;
}

export interface SinkProcess {
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** A bench's `--sink` option: sink settings (the config's `sink:` section) as a JSON object, to compare tunings. */
export function parseSinkOption(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`--sink: not a JSON object of sink settings (${(error as Error).message})`);
  }
}

/**
 * Runs the real `tandem sink` as its own process (from dist/, so build first), so its memory and
 * CPU are the product's alone. TANDEM_BENCH_NODE_ARGS passes flags to its node, e.g. --cpu-prof.
 */
export function spawnSink(config: Record<string, unknown>, destination: DestinationName | 'both'): SinkProcess {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-'));
  const configFile = join(dir, 'tandem.yaml');
  writeFileSync(configFile, stringify({ ...rawBenchConfig, ...config }));
  const nodeArgs = (process.env.TANDEM_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  // Any free port for metrics unless the config names one.
  const statusPort = 'status' in config ? [] : ['--status-port', '0'];
  const child = spawn(process.execPath, [...nodeArgs, 'bin/tandem.js', 'sink', '--config', configFile, '--destination', destination, '--stats-interval', '3600', ...statusPort], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, TANDEM_LOG_LEVEL: 'warn' },
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function rssMbOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : 0;
}

export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime, fields 14 and 15 of the whole line, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface MeasuredRun {
  readonly code: number | null;
  readonly stdout: string;
  /** CPU seconds the process used, user and system. */
  readonly cpuSeconds: number;
  readonly peakRssMb: number;
}

/** Runs `tandem <args>` with the bench config as its own process, sampling its CPU time and RSS. */
export async function runTandemMeasured(args: readonly string[]): Promise<MeasuredRun> {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-'));
  const configFile = join(dir, 'tandem.yaml');
  writeFileSync(configFile, stringify(rawBenchConfig));
  const child = spawn(process.execPath, ['bin/tandem.js', ...args, '--config', configFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, TANDEM_LOG_LEVEL: 'warn' },
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  let peakRssMb = 0;
  let cpu = 0;
  const sampler = setInterval(() => {
    try {
      peakRssMb = Math.max(peakRssMb, rssMbOf(child.pid!));
      cpu = cpuSeconds(child.pid!);
    } catch {
      // The process has exited between two samples.
    }
  }, 200);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });
  return { code, stdout, cpuSeconds: cpu, peakRssMb };
}
