import type { Command } from 'commander';
import { loadConfig, type TandemConfig } from '../config/index.js';
import { createCqlClient } from '../cql/index.js';
import { ConfigError, describeError, SinkStoppedError } from '../errors.js';
import { checkKafkaAccess, kafkaConnection } from '../kafka/index.js';
import { onAbort } from '../on-abort.js';
import { warnExtraListCopiesKept, warnListGuardUnavailable } from '../cells/index.js';
import { CqlDestination, destinationNames, runSinkWorker, SinkCounters, type DestinationName } from '../sink/index.js';
import { serveSinkStatus } from '../status/index.js';
import { printConfig } from './config-command.js';
import { stopOnSignals } from './stop-signals.js';
import { createLogger } from './logger.js';
import type { Output } from './output.js';

interface SinkCommandOptions {
  config?: string;
  printConfig?: boolean;
  destination: string;
  statsInterval: string;
  statusPort?: string;
}

export function registerSinkCommand(program: Command, output: Output): void {
  program
    .command('sink')
    .description('write every record of the configured topics into the source and/or the target, one consumer group per destination')
    .option('-c, --config <file>', 'config file (default: ./tandem.yaml, else the local defaults)')
    .option('--destination <which>', 'source, target or both', 'both')
    .option('--stats-interval <seconds>', 'how often to log counters', '10')
    .option('--status-port <port>', 'serve /metrics and /api/status on this port (default: status.port of the config, 9464; 0 = any free port)')
    .option('--print-config', 'print the effective config (secrets masked) and exit')
    .addHelpText(
      'after',
      '\nRuns until SIGTERM or Ctrl-C, then finishes the writes in flight, commits and exits 0.\nWhen one destination\'s sink stops for good (say a mapping that does not fit its table), the other is stopped the same way and the process exits 1, naming the destination and the reason.\nPrometheus metrics: http://127.0.0.1:9464/metrics while it runs.\n\nExample:\n  $ tandem sink --destination both',
    )
    .action(async (options: SinkCommandOptions) => {
      const loaded = loadConfig(options.config);
      if (options.printConfig) return printConfig(loaded, output);
      const { config, secrets } = loaded;
      const chosen = parseDestinations(options.destination);
      if (config.topics.length === 0) throw new ConfigError('The config has no topics: nothing to sink', { hint: 'Add topics: with topic and table' });
      await checkKafkaAccess(kafkaConnection(config.kafka));
      const logger = createLogger(secrets);
      // Listens until the process exits: a sink runs until it is stopped.
      const stop = stopOnSignals((name) => logger.info({ signal: name }, 'stopping: finishing writes in flight'));

      const counters = chosen.map((name) => new SinkCounters(name));
      const statusPort = options.statusPort === undefined ? config.status.port : parsePort(options.statusPort);
      const server = await serveSinkStatus(config, statusPort, counters, logger);
      const stats = setInterval(() => {
        for (const c of counters) logger.info(c.snapshot(), 'sink progress');
      }, Number(options.statsInterval) * 1000);
      // One destination's sink stopping for good stops the other too, cleanly (writes in flight
      // finished, offsets committed), and the process exits non-zero: a process left running with
      // one sink dead looks alive to its supervisor, which would never restart it.
      const stopping = new AbortController();
      const stopListening = onAbort(stop.signal, () => stopping.abort());
      let failure: { name: DestinationName; error: unknown } | undefined;
      try {
        await Promise.allSettled(
          chosen.map((name, i) => {
            const destination = new CqlDestination(name, clientFor(config, name), name === 'target' ? config.target.profile : 'cassandra', warnListGuardUnavailable(logger, name), warnExtraListCopiesKept(logger, name));
            const maxWritesPerSecond = name === 'target' ? config.target.maxWritesPerSecond : undefined;
            return runSinkWorker(
              { destination, kafka: kafkaConnection(config.kafka), topics: config.topics, sink: config.sink, logger, counters: counters[i]!, maxWritesPerSecond },
              stopping.signal,
            )
              .catch((error: unknown) => {
                failure ??= { name, error };
                if (chosen.length > 1 && !stopping.signal.aborted) {
                  logger.error({ destination: name, reason: describeError(error), err: error }, 'the sink stopped for good; stopping the other destination\'s sink, then exiting');
                }
                stopping.abort();
              })
              .finally(() => destination.close());
          }),
        );
        if (failure) throw new SinkStoppedError(`the ${failure.name} sink stopped: ${describeError(failure.error)}`, { cause: failure.error });
      } finally {
        stopListening();
        clearInterval(stats);
        await server?.close();
        logger.flush();
      }
      for (const c of counters) {
        const s = c.snapshot();
        output.info(`${s.destination}: ${s.written} written, ${s.deleted} deleted, ${s.deadLettered} dead-lettered, ${s.retried} retries`);
      }
    });
}

function parseDestinations(text: string): DestinationName[] {
  if (text === 'both') return [...destinationNames];
  if ((destinationNames as readonly string[]).includes(text)) return [text as DestinationName];
  throw new ConfigError(`--destination ${text} is not one of source, target, both`);
}

function clientFor(config: TandemConfig, name: DestinationName) {
  return name === 'source' ? createCqlClient(config.source) : createCqlClient(config.target, { profile: config.target.profile });
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError(`--status-port ${text} is not a port number (0 to 65535)`);
  return port;
}
