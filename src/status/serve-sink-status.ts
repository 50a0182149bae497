import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { TandemConfig } from '../config/index.js';
import { PortInUseError } from '../errors.js';
import { consumerGroupLag, kafkaConnection } from '../kafka/index.js';
import { consumerGroupOf, type SinkCounters } from '../sink/index.js';
import type { StatusServer } from './http-server.js';
import { startMigrationStatusServer } from './migration-status-server.js';
import type { RunningSink } from './running-sinks.js';
import { delaySummaries, registerSinkMetrics } from './sink-metrics.js';

/**
 * The sink process's status server: its own counters and delay histogram, and the whole
 * migration's status and dashboard page. Metrics are for watching the pipeline, not part of it: a
 * port another process holds is logged and the sinks run on without it. A host that cannot be
 * served is a config error.
 */
export async function serveSinkStatus(config: TandemConfig, port: number, counters: readonly SinkCounters[], logger: Logger): Promise<StatusServer | undefined> {
  const topics = config.topics.map((t) => t.topic);
  const lagOf = async (c: SinkCounters) => {
    const partitions = await consumerGroupLag(kafkaConnection(config.kafka), consumerGroupOf(config.sink, c.destination), topics);
    return partitions.reduce((sum, p) => sum + p.lag, 0n);
  };
  const registry = new Registry();
  registerSinkMetrics(registry, counters, lagOf);
  // The process's own: event-loop delay, GC pauses, heap, CPU and RSS. A record's delay that the
  // sink adds shows there first (an event loop that answers late receives and acknowledges late).
  collectDefaultMetrics({ register: registry });
  const localSinks = async (): Promise<RunningSink[]> => {
    const delays = await delaySummaries(registry);
    return counters.map((c) => ({ ...c.snapshot(), ...(delays.has(c.destination) ? { delay: delays.get(c.destination)! } : {}) }));
  };
  try {
    const server = await startMigrationStatusServer({
      config,
      host: config.status.host,
      port,
      token: process.env.TANDEM_DASHBOARD_TOKEN,
      registry,
      localSinks,
      sinkProcesses: localSinks,
    });
    logger.info({ dashboard: `${server.url}/`, metrics: `${server.url}/metrics`, status: `${server.url}/api/status` }, 'serving status');
    return server;
  } catch (error) {
    if (!(error instanceof PortInUseError)) throw error;
    logger.warn({ err: error }, 'status and metrics are not served; the sinks run without them');
    return undefined;
  }
}
