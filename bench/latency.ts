/**
 * npm run bench:latency -- [--rates 1000,5000,20000] [--seconds 60] [--warmup-seconds 10] [--samples-per-second 200] [--poll-ms 2] [--samples-out samples.csv]
 *                           [--destinations source,target] [--linger-ms 0,2]
 *                           [--max-reads-per-second 2000] [--sink '{"batchMaxRows": 1}'] [--no-baseline] [--keep-stack]
 *
 * How far each destination trails the application: a producer paced at a steady rate publishes
 * rows with unique keys; a checker samples some of them and polls each sampled row on BOTH
 * destinations until it is there: every sampled row not seen yet, in one query per destination at
 * a time, so no sample is ever skipped however slow a destination gets (skipping them while many
 * were open, as this bench once did, left the stalls out and made p99 look several times better). The checker is armed before the send, so each delay has an exact
 * lower bound (the last poll that did not find the row was issued before it landed) and upper
 * bound (the first poll that found it had answered); their gap is the resolution. The sink runs
 * as its own process with its default settings. Before the sink, each rate runs once as a baseline
 * in the same run: the same rows written straight into each destination with the driver (256 in
 * flight, no Kafka, no sink) under the same checker, i.e. what the database itself allows on this
 * machine at that moment; the sink's percentiles are also given as ratios to it. The last line is
 * one JSON object.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { inspect, parseArgs } from 'node:util';
import { Producer, stringSerializer } from '@platformatic/kafka';
import type cassandra from 'cassandra-driver';
import { createCqlClient } from '../src/cql/index.js';
import { compatibilityPartitioner, ensureTopics, retryWhileKafkaIsAway, kafkaConnection } from '../src/kafka/index.js';
import { destinationNames, type DestinationName } from '../src/sink/index.js';
import { RateLimiter } from '../src/rate-limiter.js';
import { quantileUpperBound } from '../src/status/index.js';
import { benchConfig, clusterOf, onBothClusters, parseSinkOption, spawnSink, startBenchStack, stopBenchStack } from './bench-stack.js';
import { freePort } from '../test/helpers/free-port.js';

const { values: args } = parseArgs({
  options: {
    rates: { type: 'string', default: '5000' },
    rate: { type: 'string' },
    seconds: { type: 'string', default: '60' },
    'samples-per-second': { type: 'string', default: '200' },
    'poll-ms': { type: 'string', default: '2' },
    /** The checker's own reads per second, over both destinations, so it does not load the servers it measures. */
    'max-reads-per-second': { type: 'string', default: '2000' },
    /** Destinations measured, each with its own sink process (as deployed); `source` or `target` alone shows one destination's own latency. */
    destinations: { type: 'string', default: 'source,target' },
    /** Sink lingers to compare in one run, e.g. '0,2' (each rate runs once per linger); default: the sink's own default. */
    'linger-ms': { type: 'string', default: '' },
    /** Seconds at the rate before sampling starts: the servers and the sink warm up (JIT, first flushes). */
    'warmup-seconds': { type: 'string', default: '10' },
    'keep-stack': { type: 'boolean', default: false },
    'no-baseline': { type: 'boolean', default: false },
    /** Other sink settings to try, as JSON (the `sink:` section of a config), e.g. '{"batchMaxRows": 1}'. */
    sink: { type: 'string', default: '{}' },
    /** A CSV of every sample (run, destination, wall-clock send time, bounds), to line the tail up with server logs. */
    'samples-out': { type: 'string' },
  },
});
const rates = (args.rate ?? args.rates).split(',').map(Number);
const seconds = Number(args.seconds);
const samplesPerSecond = Number(args['samples-per-second']);
const pollMs = Number(args['poll-ms']);
const lingers: (number | undefined)[] = args['linger-ms'] ? args['linger-ms'].split(',').map(Number) : [undefined];
const warmupSeconds = Number(args['warmup-seconds']);
const measured = args.destinations.split(',').map((name) => {
  if (!(destinationNames as readonly string[]).includes(name)) throw new Error(`--destinations: ${name} is not source or target`);
  return name as DestinationName;
});
const sinkSettings = parseSinkOption(args.sink);
const readLimiter = new RateLimiter(Number(args['max-reads-per-second']));
const tickMs = 5;
/** ~1,000 records of ~170 bytes: a produce request well under Kafka's 1 MB limit. */
const maxMessagesPerSend = 1_000;
/** Sampled rows named in one poll (one `IN` query); more wait for the next poll. */
const maxIdsPerPoll = 100;

interface Sample {
  readonly second: number;
  /** Wall-clock milliseconds of the send. */
  readonly sentEpochMs: number;
  /** Milliseconds from the send to the row: the last poll that missed it, the first that found it. */
  readonly lowerMs: number;
  readonly upperMs: number;
}

interface OpenSample {
  readonly id: string;
  readonly second: number;
  readonly sentAt: number;
  /** When the last poll that did not find the row was issued (the send, before the first poll). */
  lastMissIssuedAt: number;
}

/**
 * Polls one destination for every sampled row not seen yet, all in one `IN` query at a time, so
 * a sample is never skipped however slow the destination is (skipping while many are open would
 * leave stalls out of the percentiles). The reads count each row named against the shared cap:
 * while rows are slow to appear, polls come further apart and the bounds widen, which the
 * resolution figures show.
 */
class DestinationChecker {
  readonly samples: Sample[] = [];
  /** Sampled rows not visible within a minute: a backlog the percentiles would otherwise hide. */
  unseen = 0;
  private readonly open: OpenSample[] = [];
  private stopping = false;
  private readonly running: Promise<void>;

  constructor(
    private readonly client: cassandra.Client,
    private readonly keyspace: string,
  ) {
    this.running = this.loop();
  }

  /** Armed before the send, so the first poll's miss is no earlier than the send. */
  arm(id: string, sentAt: number, second: number): void {
    this.open.push({ id, second, sentAt, lastMissIssuedAt: sentAt });
  }

  /** Resolves when every armed sample is seen or given up on. */
  async finish(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopping || this.open.length > 0) {
      if (this.open.length === 0) {
        await sleep(pollMs);
        continue;
      }
      const polled = this.open.slice(0, maxIdsPerPoll);
      const wait = readLimiter.reserve(polled.length);
      if (wait > 0) await sleep(wait);
      const issuedAt = performance.now();
      // A read that times out (a server busy flushing) proves nothing either way: poll again.
      const found = await this.client
        .execute(`SELECT id FROM ${this.keyspace}.probe WHERE id IN ?`, [polled.map((p) => p.id)], { prepare: true })
        .then((result) => new Set(result.rows.map((row) => String(row.get('id')))), () => undefined);
      const answeredAt = performance.now();
      const done = new Set<OpenSample>();
      for (const sample of polled) {
        if (found?.has(sample.id)) {
          this.samples.push({ second: sample.second, sentEpochMs: performance.timeOrigin + sample.sentAt, lowerMs: Math.max(0, sample.lastMissIssuedAt - sample.sentAt), upperMs: answeredAt - sample.sentAt });
          done.add(sample);
        } else if (answeredAt - sample.sentAt > 60_000) {
          this.unseen += 1;
          done.add(sample);
        } else if (found) {
          sample.lastMissIssuedAt = issuedAt;
        }
      }
      if (done.size > 0) this.open.splice(0, this.open.length, ...this.open.filter((sample) => !done.has(sample)));
      await sleep(pollMs);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `id` alone until it is there (the warm-up row). */
async function waitUntilVisible(client: cassandra.Client, keyspace: string, id: string): Promise<void> {
  const checker = new DestinationChecker(client, keyspace);
  checker.arm(id, performance.now(), 0);
  await checker.finish();
  if (checker.unseen > 0) throw new Error(`the warm-up row ${id} was not visible within a minute`);
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

interface RateResult {
  rate: number;
  /** `direct`: the baseline, rows written by the driver itself; `sink`: through Kafka and the sink. */
  path: 'direct' | 'sink';
  lingerMs: number | 'default';
  achievedRate: number;
  /** The bench's own event-loop delay p99 over the sampled span: a stall of the instrument lengthens upper bounds. */
  benchEventLoopDelayP99Ms: number;
  destinations: Partial<Record<DestinationName, Record<string, number>>>;
}

/** The baseline's writer: each row straight into every measured destination, `inFlight` writes out per destination. */
function directWriter(keyspace: string, clients: Record<DestinationName, cassandra.Client>, inFlight = 256) {
  const insert = `INSERT INTO ${keyspace}.probe (id, sent_ms, payload) VALUES (?, ?, ?)`;
  // Read from `head` on (Array.shift is O(n): on a backlog of a million rows the bench's own CPU would skew the baseline).
  const queues = new Map(measured.map((name) => [name, { rows: [] as unknown[][], head: 0 }]));
  const running = new Map(measured.map((name) => [name, 0]));
  const pump = (name: DestinationName) => {
    const queue = queues.get(name)!;
    while (running.get(name)! < inFlight && queue.head < queue.rows.length) {
      const params = queue.rows[queue.head++]!;
      if (queue.head > 65_536 && queue.head * 2 > queue.rows.length) {
        queue.rows.splice(0, queue.head);
        queue.head = 0;
      }
      running.set(name, running.get(name)! + 1);
      const again = () => {
        running.set(name, running.get(name)! - 1);
        pump(name);
      };
      // A write that fails goes back in the queue: the checker waits for every sampled row.
      clients[name].execute(insert, params, { prepare: true }).then(again, () => {
        queue.rows.push(params);
        again();
      });
    }
  };
  return {
    /** Drops what has not been sent (a backlog would load the servers during the next run) and waits for the writes out. */
    async stop(): Promise<void> {
      for (const queue of queues.values()) {
        queue.rows = [];
        queue.head = 0;
      }
      while ([...running.values()].some((n) => n > 0)) await new Promise((resolve) => setTimeout(resolve, 10));
    },
    send(messages: readonly { value: string }[]) {
      for (const name of measured) {
        for (const m of messages) {
          const row = JSON.parse(m.value) as { id: string; sent_ms: number; payload: string };
          queues.get(name)!.rows.push([row.id, BigInt(row.sent_ms), row.payload]);
        }
        pump(name);
      }
    },
  };
}

async function runRate(rate: number, lingerMs: number | undefined, keyspace: string, clients: Record<DestinationName, cassandra.Client>, path: 'direct' | 'sink'): Promise<RateResult> {
  const topic = `latency-${rate}-${path}-${Date.now()}`;
  if (path === 'sink') await ensureTopics(kafkaConnection(benchConfig.kafka), [topic]);
  const direct = path === 'direct' ? directWriter(keyspace, clients) : undefined;
  // One sink process per destination, as deployed: neither shares the other's event loop.
  const sinks = await Promise.all(
    (direct ? [] : measured).map(async (name) => {
      const statusPort = await freePort();
      return { name, statusPort, process: spawnSink({ topics: [{ topic, table: `${keyspace}.probe` }], sink: { ...sinkSettings, groupIdPrefix: topic, ...(lingerMs === undefined ? {} : { lingerMs }) }, status: { port: statusPort } }, name) };
    }),
  );
  const producer = new Producer<string, string, string, string>({
    clientId: 'bench-latency',
    ...kafkaConnection(benchConfig.kafka).options,
    // At 20,000/s on two cores a produce can time out; retried, a row may land twice, which the checker does not mind.
    ...retryWhileKafkaIsAway,
    serializers: { key: stringSerializer, value: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
    partitioner: compatibilityPartitioner,
  });
  const send = (messages: { topic: string; key: string; value: string }[]) => (direct ? direct.send(messages) : producer.send({ acks: 1, messages }));
  try {
    // Warm-up: the sink joins its groups and prepares its statements before anything is timed.
    const warmup = `warmup-${topic}`;
    await send([{ topic, key: warmup, value: JSON.stringify({ id: warmup, sent_ms: Date.now(), payload: '' }) }]);
    for (const name of measured) await waitUntilVisible(clients[name], keyspace, warmup);

    const checkers = new Map(measured.map((name) => [name, new DestinationChecker(clients[name], keyspace)] as const));
    let sent = 0;
    const began = performance.now();
    // Sampled only after the warm-up: steady state is what a cutover is planned on.
    const sampleFrom = began + warmupSeconds * 1000;
    const sampleEvery = Math.max(1, Math.round(rate / samplesPerSecond));
    const ownLoop = monitorEventLoopDelay({ resolution: 5 });
    // The sink's histogram counts from its start: its buckets at the end of the warm-up are taken off.
    let bucketsAtSampleStart: Promise<Map<DestinationName, SinkReading>> | undefined;
    const sinkBuckets = async () => new Map(await Promise.all(sinks.map(async (sink) => [sink.name, await readSink(sink.statusPort, sink.name)] as const)));
    while (performance.now() - began < (warmupSeconds + seconds) * 1000) {
      if (!bucketsAtSampleStart && performance.now() >= sampleFrom) {
        bucketsAtSampleStart = sinkBuckets();
        ownLoop.enable();
      }
      const due = Math.floor(((performance.now() - began) / 1000) * rate);
      const messages = [];
      const sampled: string[] = [];
      for (; sent < due; sent++) {
        // Unique across runs: a row left by an earlier run (the baseline, another linger) would be found at the first poll.
        const id = `${topic}-${sent}`;
        messages.push({ topic, key: id, value: JSON.stringify({ id, sent_ms: Date.now(), payload: 'x'.repeat(100) }) });
        if (sent % sampleEvery === 0 && performance.now() >= sampleFrom) sampled.push(id);
      }
      if (messages.length > 0) {
        // Armed before the send: the poll's clock starts no later than the record leaves.
        const sentAt = performance.now();
        const second = Math.floor((sentAt - sampleFrom) / 1000);
        for (const id of sampled) for (const checker of checkers.values()) checker.arm(id, sentAt, second);
        // After a stall of the bench's own loop many records fall due at once: one produce request
        // must stay under Kafka's 1 MB message.max.bytes, which refuses it for good.
        for (let i = 0; i < messages.length; i += maxMessagesPerSend) await send(messages.slice(i, i + maxMessagesPerSend));
      }
      await sleep(tickMs);
    }
    const achievedRate = sent / ((performance.now() - began) / 1000);
    await Promise.all([...checkers.values()].map((checker) => checker.finish()));
    ownLoop.disable();
    const benchEventLoopDelayP99Ms = round(ownLoop.percentile(99) / 1e6);
    const noSink = { p50: Number.NaN, p99: Number.NaN };
    const [before, after] = await Promise.all([bucketsAtSampleStart ?? sinkBuckets(), sinkBuckets()]);
    const sinkDelays = new Map([...after].map(([name, reading]) => [name, delayBounds(reading.buckets, before.get(name)?.buckets ?? [])] as const));

    if (args['samples-out']) writeSamples(args['samples-out'], `${rate}/s ${path} linger ${lingerMs ?? 'default'}`, checkers);
    const destinations = Object.fromEntries(
      measured.map((name) => {
        const list = checkers.get(name)!.samples;
        const mids = list.map((s) => (s.lowerMs + s.upperMs) / 2).sort((a, b) => a - b);
        const resolutions = list.map((s) => s.upperMs - s.lowerMs).sort((a, b) => a - b);
        const windows = new Map<number, number[]>();
        for (const s of list) {
          const window = Math.floor(s.second / 10);
          windows.set(window, [...(windows.get(window) ?? []), (s.lowerMs + s.upperMs) / 2]);
        }
        const windowP99 = [...windows.entries()].sort(([a], [b]) => a - b).map(([, xs]) => percentile(xs.sort((a, b) => a - b), 0.99));
        const last = list.reduce<Sample | undefined>((latest, s) => (!latest || s.second >= latest.second ? s : latest), undefined);
        return [
          name,
          {
            samples: list.length,
            unseenAfterAMinute: checkers.get(name)!.unseen,
            p50: round(percentile(mids, 0.5)),
            p90: round(percentile(mids, 0.9)),
            p99: round(percentile(mids, 0.99)),
            max: round(mids.at(-1) ?? Number.NaN),
            medianResolution: round(percentile(resolutions, 0.5)),
            lastSampleMs: round(last ? (last.lowerMs + last.upperMs) / 2 : Number.NaN),
            firstWindowP99: round(windowP99[0] ?? Number.NaN),
            lastWindowP99: round(windowP99.at(-1) ?? Number.NaN),
            sinkReportedP50: (sinkDelays.get(name) ?? noSink).p50,
            sinkReportedP99: (sinkDelays.get(name) ?? noSink).p99,
            sinkEventLoopDelayP99: round(after.get(name)?.eventLoopP99Ms ?? Number.NaN),
          },
        ];
      }),
    ) as Partial<Record<DestinationName, Record<string, number>>>;
    return { rate, path, lingerMs: lingerMs ?? 'default', achievedRate: Math.round(achievedRate), benchEventLoopDelayP99Ms, destinations };
  } finally {
    await producer.close();
    await direct?.stop();
    await Promise.all(sinks.map((sink) => sink.process.stop()));
  }
}

const round = (x: number) => Math.round(x * 10) / 10;

function writeSamples(file: string, run: string, checkers: ReadonlyMap<DestinationName, DestinationChecker>): void {
  if (!existsSync(file)) writeFileSync(file, 'run,destination,sent_at,lower_ms,upper_ms\n');
  const lines = [...checkers].flatMap(([name, checker]) =>
    checker.samples.map((s) => `${run},${name},${new Date(s.sentEpochMs).toISOString()},${s.lowerMs.toFixed(1)},${s.upperMs.toFixed(1)}\n`),
  );
  appendFileSync(file, lines.join(''));
}

interface Bucket {
  /** Seconds; Infinity for +Inf. */
  readonly le: number;
  /** Cumulative. */
  readonly count: number;
}

interface SinkReading {
  /** Its delay histogram (Kafka record time to write acknowledged). */
  readonly buckets: Bucket[];
  readonly eventLoopP99Ms: number;
}

/** What one sink's `/metrics` serves that the bench reports. */
async function readSink(statusPort: number, name: DestinationName): Promise<SinkReading> {
  const text = await (await fetch(`http://127.0.0.1:${statusPort}/metrics`)).text();
  // Node resets its event-loop delay histogram at each scrape: this is the p99 since the one before.
  const eventLoop = /^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(text);
  const pattern = new RegExp(`^tandem_sink_delay_seconds_bucket\\{(?=.*destination="${name}")(?=.*le="([^"]+)").*\\} (\\d+)$`, 'gm');
  const buckets = [...text.matchAll(pattern)].map((m) => ({ le: m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]), count: Number(m[2]) }));
  return { buckets, eventLoopP99Ms: eventLoop ? Number(eventLoop[1]) * 1000 : Number.NaN };
}

/**
 * The bucket bounds holding p50 and p99 of the records written between two readings of the
 * histogram, in milliseconds (Infinity: beyond the top bucket; NaN: none written).
 */
function delayBounds(after: readonly Bucket[], before: readonly Bucket[]): { p50: number; p99: number } {
  const counts = after.map((b, i) => ({ le: b.le * 1000, count: b.count - (before[i]?.count ?? 0) }));
  const bound = (q: number) => quantileUpperBound(counts, q) ?? Number.NaN;
  return { p50: bound(0.5), p99: bound(0.99) };
}

async function main(): Promise<void> {
  console.log(`${await startBenchStack()}; rates ${rates.join(', ')}/s for ${seconds} s each; ~${samplesPerSecond} samples/s, polled every ${pollMs} ms`);
  const keyspace = `latency_${Date.now()}`;
  await onBothClusters([
    `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    `CREATE TABLE ${keyspace}.probe (id text PRIMARY KEY, sent_ms bigint, payload text)`,
  ]);
  const clients = { source: createCqlClient(clusterOf('source')), target: createCqlClient(clusterOf('target')) };
  const results: RateResult[] = [];
  try {
    for (const rate of rates) {
      const baseline = args['no-baseline'] ? undefined : await runRate(rate, undefined, keyspace, clients, 'direct');
      if (baseline) {
        results.push(baseline);
        for (const name of measured) {
          const d = baseline.destinations[name]!;
          console.log(`${rate}/s baseline, driver writes straight in (achieved ${baseline.achievedRate}/s) ${name}: ${d.samples} samples (${d.unseenAfterAMinute} not visible after a minute), p50 ${d.p50} ms, p90 ${d.p90} ms, p99 ${d.p99} ms, max ${d.max} ms; p99 last 10 s ${d.lastWindowP99} ms; the bench's own event loop's delay p99 ${baseline.benchEventLoopDelayP99Ms} ms`);
        }
      }
      for (const lingerMs of lingers) {
        const result = await runRate(rate, lingerMs, keyspace, clients, 'sink');
        results.push(result);
        for (const name of measured) {
          const d = result.destinations[name]!;
          const base = baseline?.destinations[name];
          if (base) Object.assign(d, { p50VsBaseline: round(d.p50! / base.p50!), p99VsBaseline: round(d.p99! / base.p99!) });
          console.log(
            `${rate}/s, linger ${result.lingerMs} (achieved ${result.achievedRate}/s) ${name}: ${d.samples} samples (${d.unseenAfterAMinute} not visible after a minute), send → visible p50 ${d.p50} ms, p90 ${d.p90} ms, p99 ${d.p99} ms, max ${d.max} ms ` +
              `(midpoints of bounds ${d.medianResolution} ms apart at the median); p99 first 10 s ${d.firstWindowP99} ms, last 10 s ${d.lastWindowP99} ms; last sample ${d.lastSampleMs} ms; ` +
              `sink's own histogram over the same span: p50 ≤ ${d.sinkReportedP50} ms, p99 ≤ ${d.sinkReportedP99} ms, its event loop's delay p99 ${d.sinkEventLoopDelayP99} ms; the bench's own p99 ${result.benchEventLoopDelayP99Ms} ms` +
              (base ? `; ×${d.p50VsBaseline} the baseline's p50, ×${d.p99VsBaseline} its p99` : ''),
          );
        }
      }
    }
  } finally {
    await Promise.all([clients.source.shutdown(), clients.target.shutdown()]);
    if (!args['keep-stack']) await stopBenchStack();
  }
  console.log(JSON.stringify({ seconds, pollMs, figures: 'midpoint of lower and upper bound, ms', results }));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    // The Kafka client's errors nest their codes a few levels down.
    console.error(inspect(error, { depth: 8 }));
    process.exit(1);
  },
);
