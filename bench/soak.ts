/**
 * npm run soak -- [--minutes 10] [--rate 2000] [--sample-seconds 5] [--drain-seconds 30] [--keep-stack] [--keep-data]
 *
 * A soak of the dual-write pipeline: both sinks run as their own processes (one per destination,
 * as deployed) while a producer streams `user_activity`-shaped records at a fixed rate for N
 * minutes: mostly new rows, some updates of recent rows, a few deletes (half by the `tandem-op:
 * delete` header, half by the DataStax convention of all non-key fields null). Every few seconds it
 * prints each sink's RSS, CPU and lag (committed offsets read from Kafka by the soak itself) and the
 * machine's load average (other work on the same cores shows as lag the sinks cannot help). At the
 * end it waits for both sinks to drain, reads every row of both tables and compares them with the
 * rows the producer knows are live (key and version), and judges:
 *   - memory: RSS must not keep growing (see `judgeMemory`);
 *   - lag: must not trend upward while streaming, and must drain within --drain-seconds after;
 *   - rows: exactly the live rows on both sides, each at its last version; no dead letters.
 * Exits 1 on FAIL. The last line is one JSON object with the figures.
 */
import { seededRandom } from '../test/helpers/seeded-random.js';
import { availableParallelism, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Admin, Consumer, Producer, stringSerializer } from '@platformatic/kafka';
import type cassandra from 'cassandra-driver';
import { parseConfig } from '../src/config/index.js';
import { createCqlClient } from '../src/cql/index.js';
import { compatibilityPartitioner, ensureTopics, groupLag, statusConnection, type OffsetClients, kafkaConnection } from '../src/kafka/index.js';
import { MicrosecondClock } from '../src/produce/index.js';
import { operationHeader, timestampHeader } from '../src/records/index.js';
import { consumerGroupOf, deadLetterTopicOf, destinationNames, type DestinationName } from '../src/sink/index.js';
import { stackStatus } from '../src/stack/index.js';
import type { MigrationStatusReport, SinkStatus } from '../src/status/index.js';
import { benchDataDir, benchConfig, clusterOf, cpuSeconds, onBothClusters, rawBenchConfig, rssMbOf, spawnSink, startBenchStack, stopBenchStack, type SinkProcess } from './bench-stack.js';
import { freePort } from '../test/helpers/free-port.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '2000' },
    'sample-seconds': { type: 'string', default: '5' },
    /** After the stream stops, both sinks must reach zero lag within this long. */
    'drain-seconds': { type: 'string', default: '30' },
    'keep-stack': { type: 'boolean', default: false },
    /** Keep the keyspace and topic of a passing run (a failing run always keeps them, to be looked at). */
    'keep-data': { type: 'boolean', default: false },
  },
});
const minutes = Number(args.minutes);
const rate = Number(args.rate);
const sampleSeconds = Number(args['sample-seconds']);
const drainSeconds = Number(args['drain-seconds']);
for (const [name, value] of Object.entries({ minutes, rate, 'sample-seconds': sampleSeconds, 'drain-seconds': drainSeconds })) {
  if (!(value > 0)) throw new Error(`--${name} must be a positive number`);
}
const streamSeconds = minutes * 60;

/** The record mix: the rest are new rows. Deletes alternate between the two delete conventions. */
const updateShare = 0.15;
const deleteShare = 0.05;
/** Updates and half of the deletes hit one of the last rows inserted, as an application edits what it just wrote. */
const recentWindow = 10_000;
/** Partitions: about 60 rows each after 10 minutes at 2,000/s, so polls hold rows of one partition now and then. */
const userCount = 20_000;
const detailsFiller = 'x'.repeat(120);
/** Past this, the producer's own lateness is reported: the soak then measured a lower rate than asked. */
const producerShortfallWarning = 0.05;
/** After the drain deadline the soak keeps waiting this long, so the row check still tells a slow sink from a lossy one. */
const drainGiveUpSeconds = 300;
/** Memory is judged only on runs this long: the second half must be long enough to leave warm-up (JIT, heap sizing) behind. */
const minMinutesForMemoryVerdict = 4;
const rssSlopeLimitMbPerMin = 2;
const rssLateGrowthLimitMb = 25;
/** Lag growth, as a share of the input rate, that counts as falling behind for good. */
const lagSlopeLimitShareOfRate = 0.01;
const lagLateGrowthLimitSeconds = 5;

const tickMs = 10;

/** The partition a row belongs to follows from its id, so the check can verify it without storing it. */
const userOf = (activityId: number) => `user-${(Math.imul(activityId, 2654435761) >>> 0) % userCount}`;

interface OutgoingRecord {
  topic: string;
  key: string;
  value: string;
  headers: Map<string, string>;
}

/**
 * The application side: makes the next record of the mix and tracks which rows are live at which
 * version, which is what both tables must hold once the sinks have drained.
 */
class ActivityStream {
  /** activity id → version of each row that should exist. */
  readonly live = new Map<number, number>();
  readonly counts = { inserts: 0, updates: 0, deletes: 0 };
  private nextId = 0;
  private readonly recent: number[] = [];
  private readonly random = seededRandom(20261126);
  private readonly clock = new MicrosecondClock();

  constructor(private readonly topic: string) {}

  next(): OutgoingRecord {
    const roll = this.random();
    if (roll < deleteShare) {
      const id = this.random() < 0.5 ? this.pickRecent() : this.pickAny();
      if (id !== undefined) return this.remove(id);
    } else if (roll < deleteShare + updateShare) {
      const id = this.pickRecent();
      if (id !== undefined) return this.update(id);
    }
    return this.insert();
  }

  private insert(): OutgoingRecord {
    const id = this.nextId++;
    this.live.set(id, 1);
    this.recent.push(id);
    if (this.recent.length > recentWindow) this.recent.shift();
    this.counts.inserts += 1;
    return this.record(id, {
      activity_time: new Date().toISOString(),
      activity_type: 'view',
      activity_details: `page ${id % 997} ${detailsFiller}`,
      version: 1,
    });
  }

  /** A partial update: columns it leaves out must keep their values. */
  private update(id: number): OutgoingRecord {
    const version = this.live.get(id)! + 1;
    this.live.set(id, version);
    this.counts.updates += 1;
    return this.record(id, { activity_type: 'edit', activity_details: `edited ${version} ${detailsFiller}`, version });
  }

  private remove(id: number): OutgoingRecord {
    this.live.delete(id);
    this.counts.deletes += 1;
    // Both delete conventions the decoder knows: the header, and all mapped non-key fields null.
    if (this.counts.deletes % 2 === 0) return this.record(id, {}, 'delete');
    return this.record(id, { activity_time: null, activity_type: null, activity_details: null, version: null });
  }

  private record(id: number, fields: Record<string, unknown>, operation?: 'delete'): OutgoingRecord {
    const user = userOf(id);
    const headers = new Map([[timestampHeader, String(this.clock.now())]]);
    if (operation) headers.set(operationHeader, operation);
    // Keyed by the partition key's JSON, as design.md asks, so one user's writes stay in order.
    return { topic: this.topic, key: JSON.stringify({ user_id: user }), value: JSON.stringify({ user_id: user, activity_id: id, ...fields }), headers };
  }

  private pickRecent(): number | undefined {
    for (let attempt = 0; attempt < 4 && this.recent.length > 0; attempt++) {
      const id = this.recent[Math.floor(this.random() * this.recent.length)]!;
      if (this.live.has(id)) return id;
    }
    return undefined;
  }

  private pickAny(): number | undefined {
    for (let attempt = 0; attempt < 4 && this.nextId > 0; attempt++) {
      const id = Math.floor(this.random() * this.nextId);
      if (this.live.has(id)) return id;
    }
    return undefined;
  }
}

interface SinkSample {
  readonly rssMb: number;
  readonly cpuSeconds: number;
  readonly lag: number | undefined;
  readonly status: SinkStatus | undefined;
}

interface Sample {
  /** Seconds since the stream started; beyond `streamSeconds` while draining. */
  readonly atSeconds: number;
  readonly produced: number;
  /** The machine's 1-minute load average: other work on the same cores shows here, not in the sinks' own CPU. */
  readonly load: number;
  readonly sinks: Record<DestinationName, SinkSample>;
}

interface RunningSinkProcess {
  readonly destination: DestinationName;
  readonly statusPort: number;
  readonly process: SinkProcess;
  exitCode: number | null | undefined;
}

/** What the sink process reports about its own destination; undefined when it does not answer. */
async function ownStatus(sink: RunningSinkProcess): Promise<SinkStatus | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${sink.statusPort}/api/status`, { signal: AbortSignal.timeout(3_000) });
    const report = (await response.json()) as MigrationStatusReport;
    return report.sinks.find((s) => s.destination === sink.destination);
  } catch {
    return undefined;
  }
}

/** Least-squares slope of y over x. */
function slopeOf(points: readonly { x: number; y: number }[]): number {
  if (points.length < 2) return 0;
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / points.length;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / points.length;
  let covariance = 0;
  let variance = 0;
  for (const p of points) {
    covariance += (p.x - meanX) * (p.y - meanY);
    variance += (p.x - meanX) ** 2;
  }
  return variance === 0 ? 0 : covariance / variance;
}

const maxOf = (xs: readonly number[]) => xs.reduce((max, x) => Math.max(max, x), Number.NEGATIVE_INFINITY);
const round1 = (x: number) => Math.round(x * 10) / 10;

interface Judgement {
  readonly failed: boolean;
  readonly reason: string;
}

/**
 * RSS of a bounded Node process is a saw-tooth: V8 grows its heap in steps, returns memory lazily,
 * and the first minutes add JIT code and pools. A slope alone over a few minutes can be one late
 * heap step; a new peak alone can be one GC spike. A leak shows as both at once: RSS rising over
 * the whole second half (least-squares slope above `rssSlopeLimitMbPerMin`) AND the last quarter's
 * peak well above anything the first half reached (by `rssLateGrowthLimitMb`). Below the limits a
 * leak would need hours to matter (2 MB/min is 120 MB over an hour, itself visible on a long soak).
 */
function judgeMemory(points: readonly { atSeconds: number; rssMb: number }[]): Judgement & { slopeMbPerMin: number } {
  const secondHalf = points.filter((p) => p.atSeconds >= streamSeconds / 2).map((p) => ({ x: p.atSeconds / 60, y: p.rssMb }));
  const slopeMbPerMin = slopeOf(secondHalf);
  const firstHalfMax = maxOf(points.filter((p) => p.atSeconds < streamSeconds / 2).map((p) => p.rssMb));
  const lastQuarterMax = maxOf(points.filter((p) => p.atSeconds >= streamSeconds * 0.75).map((p) => p.rssMb));
  const growing = slopeMbPerMin > rssSlopeLimitMbPerMin && lastQuarterMax > firstHalfMax + rssLateGrowthLimitMb;
  const figures = `RSS slope ${round1(slopeMbPerMin)} MB/min over the second half, last-quarter peak ${lastQuarterMax} MB vs first-half peak ${firstHalfMax} MB`;
  if (minutes < minMinutesForMemoryVerdict) return { failed: false, reason: `${figures} (not judged: runs under ${minMinutesForMemoryVerdict} min are mostly warm-up)`, slopeMbPerMin };
  return { failed: growing, reason: growing ? `memory keeps growing: ${figures}` : figures, slopeMbPerMin };
}

/**
 * A sink that keeps up has a lag that wanders between zero and its in-flight window plus one commit
 * interval of records. One that falls behind gains `input - throughput` records a second for good:
 * a slope over the second half above 1% of the rate AND a last-quarter peak more than 5 s of input
 * above the first half's peak. Either alone is what one slow flush or compaction pause does.
 */
function judgeLag(points: readonly { atSeconds: number; lag: number }[]): Judgement & { slopePerSecond: number } {
  const secondHalf = points.filter((p) => p.atSeconds >= streamSeconds / 2).map((p) => ({ x: p.atSeconds, y: p.lag }));
  const slopePerSecond = slopeOf(secondHalf);
  const firstHalfMax = maxOf(points.filter((p) => p.atSeconds < streamSeconds / 2).map((p) => p.lag));
  const lastQuarterMax = maxOf(points.filter((p) => p.atSeconds >= streamSeconds * 0.75).map((p) => p.lag));
  const growing = slopePerSecond > lagSlopeLimitShareOfRate * rate && lastQuarterMax > firstHalfMax + lagLateGrowthLimitSeconds * rate;
  const figures = `lag slope ${round1(slopePerSecond)} records/s over the second half, last-quarter peak ${lastQuarterMax} vs first-half peak ${firstHalfMax}`;
  return { failed: growing, reason: growing ? `lag keeps growing: ${figures}` : figures, slopePerSecond };
}

interface TableCheck {
  readonly rows: number;
  readonly missing: number;
  readonly extra: number;
  readonly wrongVersion: number;
  readonly wrongPartition: number;
}

/** Reads every row of the table page by page and compares it with the rows the producer left live. */
async function checkRows(client: cassandra.Client, table: string, live: ReadonlyMap<number, number>): Promise<TableCheck> {
  let rows = 0;
  let matched = 0;
  let extra = 0;
  let wrongVersion = 0;
  let wrongPartition = 0;
  let pageState: string | undefined;
  do {
    const page = await client.execute(`SELECT user_id, activity_id, version FROM ${table}`, [], { prepare: true, fetchSize: 5_000, pageState, readTimeout: 60_000 });
    for (const row of page.rows) {
      rows += 1;
      const id = Number(row.get('activity_id') as bigint);
      const expected = live.get(id);
      if (expected === undefined) extra += 1;
      else {
        matched += 1;
        if (row.get('version') !== expected) wrongVersion += 1;
      }
      if (row.get('user_id') !== userOf(id)) wrongPartition += 1;
    }
    pageState = page.pageState ?? undefined;
  } while (pageState);
  return { rows, missing: live.size - matched, extra, wrongVersion, wrongPartition };
}

async function main(): Promise<void> {
  const runningBefore = stackStatus(benchDataDir).some((s) => s.running);
  console.log(`${await startBenchStack()}; soak at ${rate} records/s for ${minutes} min, sampling every ${sampleSeconds} s`);
  // A stack that was (even partly) running belongs to someone else's session: never stop it.
  const stopStackAtEnd = !args['keep-stack'] && !runningBefore;

  const runId = Date.now();
  const keyspace = `soak_${runId}`;
  const table = `${keyspace}.user_activity`;
  const topic = `soak-${runId}`;
  await onBothClusters([
    `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    `CREATE TABLE ${table} (user_id text, activity_id bigint, activity_time timestamp, activity_type text, activity_details text, version int, PRIMARY KEY ((user_id), activity_id))`,
  ]);
  await ensureTopics(kafkaConnection(benchConfig.kafka), [topic]);

  // The sinks' config, parsed as `tandem sink` parses it, so the group names are the ones it uses.
  const sinkConfig = { topics: [{ topic, table }], sink: { groupIdPrefix: topic } };
  const parsedSinkConfig = parseConfig({ ...rawBenchConfig, ...sinkConfig }, 'soak', {}, process.cwd()).config;
  const groups = Object.fromEntries(destinationNames.map((d) => [d, consumerGroupOf(parsedSinkConfig.sink, d)])) as Record<DestinationName, string>;

  const sinks: RunningSinkProcess[] = await Promise.all(
    destinationNames.map(async (destination) => {
      const statusPort = await freePort();
      const sink: RunningSinkProcess = { destination, statusPort, process: spawnSink({ ...sinkConfig, status: { port: statusPort } }, destination), exitCode: undefined };
      sink.process.child.once('exit', (code) => (sink.exitCode = code));
      return sink;
    }),
  );
  const connection = { ...kafkaConnection(benchConfig.kafka).options, ...statusConnection };
  const offsets: OffsetClients = { admin: new Admin({ clientId: 'tandem-soak', ...connection }), consumer: new Consumer({ clientId: 'tandem-soak', groupId: `${topic}-soak-lag-reader`, ...connection }) };
  const producer = new Producer<string, string, string, string>({
    clientId: 'tandem-soak',
    ...kafkaConnection(benchConfig.kafka).options,
    serializers: { key: stringSerializer, value: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
    partitioner: compatibilityPartitioner,
  });
  const clients = { source: createCqlClient(clusterOf('source')), target: createCqlClient(clusterOf('target')) };
  const stream = new ActivityStream(topic);
  let produced = 0;
  let passed = false;

  const lagOf = async (destination: DestinationName): Promise<number | undefined> => {
    try {
      const partitions = await groupLag(offsets, groups[destination], [topic]);
      return Number(partitions.reduce((sum, p) => sum + p.lag, 0n));
    } catch {
      return undefined;
    }
  };
  const bothDrained = async () => (await Promise.all(destinationNames.map(lagOf))).every((lag) => lag === 0);
  const deadSink = () => sinks.find((s) => s.exitCode !== undefined);

  try {
    // Warm-up: one row, written and committed by both sinks before the clock starts, so group joins
    // and statement preparation are not counted as lag.
    await producer.send({ acks: 1, messages: [stream.next()] });
    produced += 1;
    const warmupDeadline = performance.now() + 120_000;
    while (!(await bothDrained())) {
      if (deadSink()) throw new Error(`the ${deadSink()!.destination} sink exited (code ${deadSink()!.exitCode}) before it started`);
      if (performance.now() > warmupDeadline) throw new Error('the sinks did not write the warm-up record within 120 s');
      await sleep(250);
    }

    const samples: Sample[] = [];
    const began = performance.now();
    const secondsNow = () => (performance.now() - began) / 1000;
    const takeSample = async (label = ''): Promise<Sample> => {
      // Time, records produced, RSS and CPU are read together before anything is awaited; lag and
      // status follow within the Kafka and HTTP round trips (up to a second on a busy machine).
      const atSeconds = secondsNow();
      const producedNow = produced;
      const entries = await Promise.all(
        sinks.map(async (sink): Promise<[DestinationName, SinkSample]> => {
          const pid = sink.process.child.pid!;
          const alive = sink.exitCode === undefined;
          const rssMb = alive ? rssMbOf(pid) : 0;
          const cpu = alive ? cpuSeconds(pid) : 0;
          const [lag, status] = await Promise.all([lagOf(sink.destination), alive ? ownStatus(sink) : undefined]);
          return [sink.destination, { rssMb, cpuSeconds: cpu, lag, status }];
        }),
      );
      const sample: Sample = { atSeconds, produced: producedNow, load: loadavg()[0]!, sinks: Object.fromEntries(entries) as Record<DestinationName, SinkSample> };
      samples.push(sample);
      printSample(sample, samples.at(-2), label);
      return sample;
    };

    let sampling = true;
    const sampler = (async () => {
      for (let n = 1; sampling; n++) {
        // On a fixed schedule, so a slow sample does not shift the ones after it.
        const wait = began + n * sampleSeconds * 1000 - performance.now();
        if (wait > 0) await sleep(wait);
        if (sampling) await takeSample();
      }
    })();
    await takeSample();

    // The producer: a fixed rate, sent in small batches every tick; behind schedule it catches up.
    // The last pass sends whatever is still due, so exactly rate × duration records follow the warm-up one.
    const total = Math.round(streamSeconds * rate) + 1;
    for (let last = false; !last; ) {
      last = secondsNow() >= streamSeconds;
      const dead = deadSink();
      if (dead) throw new Error(`the ${dead.destination} sink exited (code ${dead.exitCode}) during the stream`);
      const due = last ? total : Math.min(Math.floor(secondsNow() * rate) + 1, total);
      const messages: OutgoingRecord[] = [];
      while (produced + messages.length < due) messages.push(stream.next());
      if (messages.length > 0) {
        await producer.send({ acks: 1, messages });
        produced += messages.length;
      }
      if (!last) await sleep(tickMs);
    }
    const streamedSeconds = secondsNow();
    const achievedRate = (produced - 1) / streamedSeconds;
    const atStreamEnd = await takeSample('stream ended');

    // Drain: how long after the last record each destination reaches zero lag.
    const drainedAfter: Partial<Record<DestinationName, number>> = {};
    const drainStart = performance.now();
    while (Object.keys(drainedAfter).length < destinationNames.length && (performance.now() - drainStart) / 1000 < drainGiveUpSeconds) {
      for (const destination of destinationNames) {
        if (drainedAfter[destination] === undefined && (await lagOf(destination)) === 0) drainedAfter[destination] = round1((performance.now() - drainStart) / 1000);
      }
      if (deadSink()) break;
      await sleep(250);
    }
    sampling = false;
    await sampler;
    const final = await takeSample('drained');

    const checks = Object.fromEntries(await Promise.all(destinationNames.map(async (d) => [d, await checkRows(clients[d], table, stream.live)] as const))) as Record<DestinationName, TableCheck>;

    const failures: string[] = [];
    const notes: string[] = [];
    if (achievedRate < rate * (1 - producerShortfallWarning)) notes.push(`the producer reached only ${Math.round(achievedRate)}/s of ${rate}/s (CPU contention): the sinks were soaked at that rate`);
    const streaming = samples.filter((s) => s.atSeconds <= streamedSeconds + 1);
    const loads = streaming.map((s) => s.load);
    const machine = { cores: availableParallelism(), loadAverageMean: round1(loads.reduce((sum, x) => sum + x, 0) / loads.length), loadAverageMax: round1(maxOf(loads)) };
    if (machine.loadAverageMean > machine.cores) {
      notes.push(`the machine was oversubscribed (load average ${machine.loadAverageMean} mean, ${machine.loadAverageMax} max, on ${machine.cores} cores): lag and delay include waiting for CPU that other work held`);
    }
    const perSink = Object.fromEntries(
      destinationNames.map((destination) => {
        const points = streaming.map((s) => ({ atSeconds: s.atSeconds, ...s.sinks[destination] }));
        const memory = judgeMemory(points.filter((p) => p.rssMb > 0));
        const lag = judgeLag(points.flatMap((p) => (p.lag === undefined ? [] : [{ atSeconds: p.atSeconds, lag: p.lag }])));
        const drained = drainedAfter[destination];
        const status = final.sinks[destination].status;
        const check = checks[destination];
        const prefix = `${destination}:`;
        if (memory.failed) failures.push(`${prefix} ${memory.reason}`);
        else notes.push(`${prefix} ${memory.reason}`);
        if (lag.failed) failures.push(`${prefix} ${lag.reason}`);
        else notes.push(`${prefix} ${lag.reason}`);
        if (drained === undefined || drained > drainSeconds) failures.push(`${prefix} lag not drained within ${drainSeconds} s of the stream's end (${drained === undefined ? `still ${final.sinks[destination].lag} after ${drainGiveUpSeconds} s` : `${drained} s`})`);
        if (check.missing || check.extra || check.wrongVersion || check.wrongPartition) {
          failures.push(`${prefix} rows differ from the ${stream.live.size} expected: ${check.missing} missing, ${check.extra} extra, ${check.wrongVersion} at a wrong version, ${check.wrongPartition} in a wrong partition`);
        }
        if (status === undefined) failures.push(`${prefix} the sink process did not answer on its status port at the end`);
        else if ((status.deadLettered ?? 0) > 0) failures.push(`${prefix} ${status.deadLettered} records dead-lettered (none expected)`);
        const rss = points.map((p) => p.rssMb).filter((mb) => mb > 0);
        const cpuUsed = atStreamEnd.sinks[destination].cpuSeconds - (samples[0]?.sinks[destination].cpuSeconds ?? 0);
        return [
          destination,
          {
            rssStartMb: rss[0] ?? null,
            rssPeakMb: maxOf([...rss, final.sinks[destination].rssMb]),
            rssEndMb: final.sinks[destination].rssMb,
            rssSlopeMbPerMin: round1(memory.slopeMbPerMin),
            cpuCoresMean: Math.round((cpuUsed / streamedSeconds) * 100) / 100,
            maxLag: maxOf(points.flatMap((p) => (p.lag === undefined ? [] : [p.lag]))),
            lagAtStreamEnd: atStreamEnd.sinks[destination].lag ?? null,
            lagSlopePerSecond: round1(lag.slopePerSecond),
            drainSeconds: drained ?? null,
            finalLag: final.sinks[destination].lag ?? null,
            written: status?.written ?? null,
            deleted: status?.deleted ?? null,
            retried: status?.retried ?? null,
            deadLettered: status?.deadLettered ?? null,
            // Upper bounds of the histogram buckets holding p50/p99 over the whole run (Kafka record time → write acknowledged); null past the top bucket.
            delayP50UpToMs: status?.delay?.p50UpToMs ?? null,
            delayP99UpToMs: status?.delay?.p99UpToMs ?? null,
            rows: check,
          },
        ];
      }),
    );
    const verdict = failures.length === 0 ? 'PASS' : 'FAIL';
    passed = verdict === 'PASS';
    for (const note of notes) console.log(`  ${note}`);
    for (const failure of failures) console.log(`  FAIL ${failure}`);
    console.log(`verdict: ${verdict}${passed ? '' : ` (data kept: keyspace ${keyspace}, topic ${topic})`}`);
    console.log(
      JSON.stringify({
        rate,
        achievedRate: Math.round(achievedRate),
        minutes,
        records: produced,
        mix: stream.counts,
        machine,
        expectedRows: stream.live.size,
        sinks: perSink,
        verdict,
        failures,
      }),
    );
  } finally {
    await Promise.all(sinks.map((s) => s.process.stop()));
    await Promise.all([producer.close(), offsets.admin.close(), offsets.consumer.close(), clients.source.shutdown(), clients.target.shutdown()]);
    if (passed && !args['keep-data'] && !stopStackAtEnd) await dropSoakData(keyspace, topic);
    if (stopStackAtEnd) await stopBenchStack();
  }
  if (!passed) process.exitCode = 1;
}

/** A passing run's rows and records are of no further use, and 10 minutes at 2,000/s is about a million of each. */
async function dropSoakData(keyspace: string, topic: string): Promise<void> {
  await onBothClusters([`DROP KEYSPACE IF EXISTS ${keyspace}`]);
  const admin = new Admin({ clientId: 'tandem-soak', ...kafkaConnection(benchConfig.kafka).options });
  try {
    const existing = new Set(await admin.listTopics());
    const ours = [topic, deadLetterTopicOf({ topic, deadLetterTopic: undefined })].filter((t) => existing.has(t));
    if (ours.length > 0) await admin.deleteTopics({ topics: ours });
  } finally {
    await admin.close();
  }
}

function printSample(sample: Sample, previous: Sample | undefined, label: string): void {
  const seconds = previous ? sample.atSeconds - previous.atSeconds : 0;
  const parts = destinationNames.map((destination) => {
    const now = sample.sinks[destination];
    const before = previous?.sinks[destination];
    const cpu = before && seconds > 0 ? `${Math.round(((now.cpuSeconds - before.cpuSeconds) / seconds) * 100)}%` : '-';
    const done = now.status ? (now.status.written ?? 0) + (now.status.deleted ?? 0) : '?';
    return `${destination} rss ${now.rssMb} MB cpu ${cpu} lag ${now.lag ?? '?'} done ${done}`;
  });
  console.log(`${Math.round(sample.atSeconds).toString().padStart(5)} s  produced ${sample.produced}  load ${sample.load.toFixed(1)}  | ${parts.join(' | ')}${label ? `  (${label})` : ''}`);
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
