import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { TandemConfig } from '../config/index.js';
import { PortInUseError } from '../errors.js';
import { consumerGroupLag } from '../kafka/index.js';
import { consumerGroupOf, type SinkCounters } from '../sink/index.js';
import { startStatusServer, type StatusServer } from './http-server.js';
import { delaySummaries, registerSinkMetrics } from './sink-metrics.js';

/**
 * Metrics are for watching the pipeline, not part of it: a port another process holds is logged
 * and the sinks run on without it. A host that cannot be served is a config error.
 */
export async function serveSinkStatus(config: TandemConfig, port: number, counters: readonly SinkCounters[], logger: Logger): Promise<StatusServer | undefined> {
  const topics = config.topics.map((t) => t.topic);
  const lagOf = async (c: SinkCounters) => {
    const partitions = await consumerGroupLag(config.kafka.brokers, consumerGroupOf(config.sink, c.destination), topics);
    return partitions.reduce((sum, p) => sum + p.lag, 0n);
  };
  const registry = new Registry();
  registerSinkMetrics(registry, counters, lagOf);
  try {
    const server = await startStatusServer({
      host: config.status.host,
      port,
      registry,
      token: process.env.TANDEM_DASHBOARD_TOKEN,
      status: async () => {
        const delays = await delaySummaries(registry);
        return {
          sinks: await Promise.all(counters.map(async (c) => ({ ...c.snapshot(), lag: await lagOf(c).catch(() => undefined), delay: delays.get(c.destination) }))),
        };
      },
    });
    logger.info({ metrics: `${server.url}/metrics`, status: `${server.url}/api/status` }, 'serving metrics');
    return server;
  } catch (error) {
    if (!(error instanceof PortInUseError)) throw error;
    logger.warn({ err: error }, 'metrics are not served; the sinks run without them');
    return undefined;
  }
}
