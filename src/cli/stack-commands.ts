import { relative } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, type TandemConfig } from '../config/index.js';
import { consumerGroupLag } from '../kafka/index.js';
import { consumerGroupOf, destinationNames, type DestinationName } from '../sink/index.js';
import { readRunningSinks, type RunningSink } from '../status/index.js';
import { stackSpecFromConfig, stackStatus, startStack, stateFile, stopStack, type StackSpec } from '../stack/index.js';
import { table, type Output } from './output.js';

interface StackOptions {
  config?: string;
  dataDir?: string;
}

function specFrom(options: StackOptions): StackSpec {
  const { config } = loadConfig(options.config);
  return stackSpecFromConfig(config, options.dataDir ? { dataDir: options.dataDir } : {});
}

const shown = (path: string) => {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
};

interface SinkLag {
  destination: DestinationName;
  group: string;
  lag?: number;
  partitions?: { topic: string; partition: number; committed: string; end: string; lag: string }[];
  error?: string;
  /** Counters of the `tandem sink` process serving on `status.port`, when one runs. */
  process?: Omit<RunningSink, 'destination'>;
}

/** Each destination's consumer group lag over the configured topics; Kafka being down is reported, not thrown. */
async function sinkLags(config: TandemConfig): Promise<SinkLag[]> {
  if (config.topics.length === 0) return [];
  const topics = config.topics.map((t) => t.topic);
  const running = new Map((await readRunningSinks(config.status)).map(({ destination, ...counters }) => [destination, counters]));
  return Promise.all(
    destinationNames.map(async (destination): Promise<SinkLag> => {
      const group = consumerGroupOf(config.sink, destination);
      const counters = running.get(destination);
      const processPart = counters ? { process: counters } : {};
      try {
        const partitions = await consumerGroupLag(config.kafka.brokers, group, topics);
        return {
          destination,
          group,
          lag: Number(partitions.reduce((sum, p) => sum + p.lag, 0n)),
          partitions: partitions.map((p) => ({ topic: p.topic, partition: p.partition, committed: String(p.committed), end: String(p.end), lag: String(p.lag) })),
          ...processPart,
        };
      } catch (error) {
        return { destination, group, error: (error as Error).message, ...processPart };
      }
    }),
  );
}

/** A histogram bound in ms; null stands for beyond the top bucket once through JSON. */
function formatBound(ms: number | null): string {
  if (ms === null) return 'more than 30 min';
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}

function describeProcess(p: Omit<RunningSink, 'destination'>): string {
  const delay = p.delay && p.delay.count > 0 ? `, delay p50 ≤ ${formatBound(p.delay.p50UpToMs)}, p99 ≤ ${formatBound(p.delay.p99UpToMs)}` : '';
  const counts = `${p.state}: ${p.written} written, ${p.deleted} deleted, ${p.retried} retries, ${p.deadLettered} dead-lettered, ${p.inFlight} in flight${delay}`;
  return p.lastError ? `${counts} (last error: ${p.lastError})` : counts;
}

export function registerStackCommands(program: Command, output: Output): void {
  program
    .command('up')
    .description('start the local stack: Kafka (KRaft), a source Cassandra and a Keyspaces-like target (TLS, password auth)')
    .option('-c, --config <file>', 'config whose addresses the servers listen on (default: ./tandem.yaml, else the local defaults)')
    .option('-d, --data-dir <dir>', 'where server data, logs and the state file live (default: ./.tandem)')
    .addHelpText('after', '\nExample:\n  $ tandem up                      # Kafka on 9092, source on 9042, target (TLS) on 9142\n  $ tandem up --data-dir /tmp/tandem-stack')
    .action(async (options: StackOptions) => {
      const spec = specFrom(options);
      const began = Date.now();
      const result = await startStack(spec, {
        onFetchStart: (specs, cacheDir) =>
          output.progress(`Fetching ${specs.map((s) => s.id).join(' and ')} from Maven Central into ${cacheDir} (once)...`),
        onDamaged: (artifact, problem) => output.progress(`The cached ${artifact.id} is damaged (${problem}); fetching it again.`),
        onStarting: (names) => output.progress(`Starting ${names.join(', ')}...`),
      });
      const seconds = ((Date.now() - began) / 1000).toFixed(1);
      output.info(result.alreadyRunning ? `Stack already running (${shown(result.stateFile)}):` : `Stack up in ${seconds} s:`);
      for (const line of table(result.servers.map((s) => [s.name, s.address, s.version, `pid ${s.pid}`, s.detail]))) output.info(`  ${line}`);
      output.info(`Target CA certificate: ${shown(result.caFile)}   Logs: ${shown(spec.dataDir)}/<server>/logs`);
    });

  program
    .command('down')
    .description('stop the servers `tandem up` started, and wait for them to exit')
    .option('-c, --config <file>', 'config the stack was started with')
    .option('-d, --data-dir <dir>', 'data dir the stack was started with (default: ./.tandem)')
    .option('--purge', 'also delete the data dir: every keyspace, topic and log')
    .addHelpText('after', '\nExample:\n  $ tandem down --purge')
    .action(async (options: StackOptions & { purge?: boolean }) => {
      const spec = specFrom(options);
      const result = await stopStack(spec.dataDir, { purge: options.purge ?? false });
      output.info(result.stopped.length === 0 ? `Nothing running (no live servers in ${shown(stateFile(spec.dataDir))}).` : `Stopped ${result.stopped.join(', ')}.`);
      if (result.purged) output.info(`Deleted ${shown(spec.dataDir)}.`);
    });

  program
    .command('status')
    .description('show which servers of the local stack run and how far each destination\'s sink trails its topics')
    .option('-c, --config <file>', 'config the stack was started with')
    .option('-d, --data-dir <dir>', 'data dir of the stack (default: ./.tandem)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  $ tandem status --json')
    .action(async (options: StackOptions & { json?: boolean }) => {
      const { config } = loadConfig(options.config);
      const spec = stackSpecFromConfig(config, options.dataDir ? { dataDir: options.dataDir } : {});
      const servers = stackStatus(spec.dataDir);
      const sinks = await sinkLags(config);
      if (options.json) {
        output.info(
          JSON.stringify(
            {
              stack: servers.map((s) => ({ name: s.name, running: s.running, address: s.record?.address, pid: s.record?.pid, version: s.record?.version })),
              sinks,
            },
            null,
            2,
          ),
        );
        return;
      }
      output.info('Local stack:');
      for (const line of table(servers.map((s) => [s.name, s.running ? 'running' : 'stopped', s.record?.address ?? '-', s.running ? `pid ${s.record?.pid}` : '']))) {
        output.info(`  ${line}`);
      }
      if (sinks.length === 0) return;
      output.info('Sinks (consumer group lag; counters of the sink process serving on the status port):');
      const rows = sinks.map((s) => [
        s.destination,
        s.group,
        s.error ? `lag unknown: ${s.error}` : `${s.lag} records behind`,
        s.process ? describeProcess(s.process) : 'no sink process answering',
      ]);
      for (const line of table(rows)) output.info(`  ${line}`);
    });
}
