import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { sinkStates, type SinkCounters } from '../sink/index.js';

/** Seconds from a record entering Kafka to its write being acknowledged; fine where a live sink sits, coarse for backlogs. */
export const delayBucketsSeconds = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];

/** Records still to write, per destination; read from Kafka when metrics are scraped. */
export type LagReader = (counters: SinkCounters) => Promise<bigint | undefined>;

/**
 * Prometheus metrics of the sinks running in this process. Totals and gauges are read from each
 * destination's counters when scraped, so the write path pays nothing for them; the delay
 * histogram is the one thing observed per write.
 */
export function registerSinkMetrics(registry: Registry, counters: readonly SinkCounters[], readLag?: LagReader): void {
  const labelNames = ['destination'] as const;
  const total = (name: string, help: string, read: (c: SinkCounters) => number) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const c of counters) this.inc({ destination: c.destination }, read(c));
      },
    });
  total('tandem_sink_records_written_total', 'Records written as an insert or update', (c) => c.written);
  total('tandem_sink_records_deleted_total', 'Records written as a delete', (c) => c.deleted);
  total('tandem_sink_write_retries_total', 'Writes that failed and were retried (timeouts, unavailable, throttled)', (c) => c.retried);
  total('tandem_sink_records_dead_lettered_total', 'Records sent to the dead-letter topic', (c) => c.deadLettered);
  total('tandem_sink_batches_total', 'Unlogged batches sent (rows that waited for a busy server)', (c) => c.batches);
  total('tandem_sink_batched_records_total', 'Records written as part of an unlogged batch', (c) => c.batchedRows);

  new Gauge({
    name: 'tandem_sink_writes_in_flight',
    help: 'Writes sent and not yet acknowledged',
    labelNames,
    registers: [registry],
    collect() {
      for (const c of counters) this.set({ destination: c.destination }, c.inFlight);
    },
  });
  new Gauge({
    name: 'tandem_sink_partition_stuck_records',
    help: 'Records written but not committable behind one unfinished record, per partition whose fetching is paused for it (sink.maxUncommittedPerPartition)',
    labelNames: ['destination', 'topic', 'partition'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of counters) for (const p of c.stuckPartitions.values()) this.set({ destination: c.destination, topic: p.topic, partition: String(p.partition) }, p.held);
    },
  });
  new Gauge({
    name: 'tandem_sink_state',
    help: '1 for the state each destination sink is in (starting, running, retrying, stopped)',
    labelNames: ['destination', 'state'],
    registers: [registry],
    collect() {
      for (const c of counters) for (const state of sinkStates) this.set({ destination: c.destination, state }, c.state === state ? 1 : 0);
    },
  });
  if (readLag) {
    new Gauge({
      name: 'tandem_sink_lag_records',
      help: 'Records in Kafka the destination has not committed yet',
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        const lags = await Promise.all(counters.map((c) => readLag(c).catch(() => undefined)));
        counters.forEach((c, i) => {
          const lag = lags[i];
          if (lag !== undefined) this.set({ destination: c.destination }, Number(lag));
        });
      },
    });
  }

  const delay = new Histogram({
    name: 'tandem_sink_delay_seconds',
    help: 'Time from a record entering Kafka to its write acknowledged by the destination',
    labelNames,
    buckets: delayBucketsSeconds,
    registers: [registry],
  });
  for (const c of counters) {
    const child = delay.labels({ destination: c.destination });
    c.onDelay = (ms) => child.observe(ms / 1000);
  }
}

/** One destination's delays: how many, and the upper bound of the bucket holding the median and the 99th percentile. */
export interface DelaySummary {
  readonly count: number;
  /** Milliseconds; null before any write, Infinity beyond the top bucket. */
  readonly p50UpToMs: number | null;
  readonly p99UpToMs: number | null;
}

/** The bucket bound at or under which a `q` share of the observations lie, from cumulative counts. */
export function quantileUpperBound(buckets: readonly { le: number; count: number }[], q: number): number | null {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return null;
  return buckets.find((b) => b.count >= q * total)?.le ?? Number.POSITIVE_INFINITY;
}

/** The delay histogram of each destination in `registry`, summarised for status output. */
export async function delaySummaries(registry: Registry): Promise<Map<string, DelaySummary>> {
  const metric = registry.getSingleMetric('tandem_sink_delay_seconds');
  const summaries = new Map<string, DelaySummary>();
  if (!metric) return summaries;
  const buckets = new Map<string, { le: number; count: number }[]>();
  // Histogram samples carry the series name (`_bucket`, `_sum`, `_count`) that prom-client's types leave out.
  const values = (await metric.get()).values as readonly { metricName?: string; labels: Record<string, string | number>; value: number }[];
  for (const value of values) {
    if (value.metricName !== 'tandem_sink_delay_seconds_bucket') continue;
    const destination = String(value.labels.destination);
    const le = value.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(value.labels.le) * 1000;
    buckets.set(destination, [...(buckets.get(destination) ?? []), { le, count: value.value }]);
  }
  for (const [destination, list] of buckets) {
    list.sort((a, b) => a.le - b.le);
    summaries.set(destination, { count: list.at(-1)?.count ?? 0, p50UpToMs: quantileUpperBound(list, 0.5), p99UpToMs: quantileUpperBound(list, 0.99) });
  }
  return summaries;
}
