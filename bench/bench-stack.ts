import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { parseConfig, type ClusterConfig, type TandemConfig } from '../src/config/index.js';
import { createCqlClient } from '../src/cql/index.js';
import { destinationNames, type DestinationName } from '../src/sink/index.js';
import { startStack, stackSpecFromConfig, stopStack } from '../src/stack/index.js';
import { processesMentioning } from '../test/helpers/processes.js';

/** The benches' own stack, on ports below 32768 and apart from a user's or the tests' stack. */
export const benchDataDir = '.tandem-bench';

export const rawBenchConfig = {
  kafka: { brokers: ['127.0.0.1:27092'] },
  source: { contactPoints: ['127.0.0.1:27042'], auth: { username: 'cassandra', password: 'cassandra' } },
  target: {
    profile: 'cassandra',
    contactPoints: ['127.0.0.1:27142'],
    // Absolute: a CA path resolves relative to its config file, and a sink's config lives in a temp dir.
    tls: { caFile: resolve(benchDataDir, 'target', 'tls', 'ca.pem') },
    auth: { username: 'ks-user', password: 'ks-password' },
  },
  // TANDEM_BENCH_STACK='{"cassandraHeapMb": 1024, "jvmArgs": {"cassandra": ["-XX:MaxGCPauseMillis=50"]}}' tries other
  // server settings (the `stack:` section of a config); the stack must be started by the bench to take them.
  ...(process.env.TANDEM_BENCH_STACK ? { stack: JSON.parse(process.env.TANDEM_BENCH_STACK) as Record<string, unknown> } : {}),
};

export const benchConfig: TandemConfig = parseConfig(rawBenchConfig, 'bench', {}, process.cwd()).config;

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

/** Runs the statements on both clusters, e.g. to create the bench's keyspace and table on each. */
export async function onBothClusters(statements: readonly string[]): Promise<void> {
  for (const name of destinationNames) {
    const client = createCqlClient(clusterOf(name));
    try {
      for (const statement of statements) await client.execute(statement);
    } finally {
      await client.shutdown();
    }
  }
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
