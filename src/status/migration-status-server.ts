import { Registry } from 'prom-client';
import type { TandemConfig } from '../config/index.js';
import { startStatusServer, type StatusServer } from './http-server.js';
import { registerMigrationMetrics } from './migration-metrics.js';
import type { RunningSink } from './running-sinks.js';
import { StatusCollector } from './status-collector.js';

export interface MigrationStatusServerOptions {
  readonly config: TandemConfig;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly token?: string | undefined;
  /** Where the local stack's state file is; default: the config's. */
  readonly dataDir?: string | undefined;
  /** Metrics of this process to serve beside the migration's (e.g. the sink metrics). */
  readonly registry?: Registry;
  /** Sinks running in this process, answered to probes; none in a dashboard. */
  readonly localSinks?: () => Promise<readonly RunningSink[]>;
  /** Where the counters in the report come from: the local sinks, or a sink process serving elsewhere. */
  readonly sinkProcesses: () => Promise<readonly RunningSink[]>;
}

/**
 * The dashboard page, `/api/status` and `/metrics` of a migration, served by `tandem dashboard`
 * and inside `tandem sink`. Closing it closes the collector's Kafka clients.
 *
 * @example
 *   const server = await startMigrationStatusServer({ config, host: '127.0.0.1', port: 9465, sinkProcesses: () => readRunningSinks(config.status) });
 *   console.log(`dashboard at ${server.url}/`);
 */
export async function startMigrationStatusServer(options: MigrationStatusServerOptions): Promise<StatusServer> {
  const collector = new StatusCollector({ config: options.config, dataDir: options.dataDir, sinkProcesses: options.sinkProcesses });
  const registry = options.registry ?? new Registry();
  registerMigrationMetrics(registry, () => collector.collect(), { sinkLag: !options.localSinks });
  const localSinks = options.localSinks ?? (async () => []);
  let server: StatusServer;
  try {
    server = await startStatusServer({
      host: options.host,
      port: options.port,
      registry,
      token: options.token,
      status: async ({ probe }) => (probe ? { sinks: await localSinks() } : collector.collect()),
    });
  } catch (error) {
    await collector.close();
    throw error;
  }
  return {
    url: server.url,
    close: async () => {
      await server.close();
      await collector.close();
    },
  };
}
