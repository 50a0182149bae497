import { resolve } from 'node:path';
import { Admin, Consumer } from '@platformatic/kafka';
import type { TandemConfig } from '../config/index.js';
import { describeError } from '../errors.js';
import { explainKafkaAccessError, groupLag, kafkaConnection, statusConnection, type OffsetClients } from '../kafka/index.js';
import { splitTable } from '../cql/index.js';
import { consumerGroupOf, countDeadLetters, deadLetterLagOptions, deadLetterReplayGroup, deadLetterTopicOf, destinationNames, type DestinationName } from '../sink/index.js';
import { stackStatus } from '../stack/index.js';
import type { BackfillJobStatus, ValidationJobStatus } from './job-progress.js';
import { JobProgressReader } from './job-progress-reader.js';
import { assessMigration, type DeadLetterBacklog, type Gate, type MigrationPhase } from './migration-status.js';
import type { RunningSink } from './running-sinks.js';

/** One destination: its consumer group in Kafka, and the counters of the sink process when one reports them. */
export interface SinkStatus extends Partial<Omit<RunningSink, 'destination'>> {
  readonly destination: DestinationName;
  readonly group: string;
  /** Records the group trails its topics by. */
  readonly lag?: number;
  /** Offsets committed, summed over partitions. */
  readonly committed?: number;
  /** Records committed per second since the previous sample; absent on the first. */
  readonly throughput?: number;
  readonly partitions?: readonly { topic: string; partition: number; committed: string; end: string; lag: string }[];
  /** Why lag is unknown. */
  readonly error?: string;
}

export interface StackServerStatus {
  readonly name: string;
  readonly running: boolean;
  readonly address?: string;
  readonly pid?: number;
  readonly version?: string;
}

/**
 * What `tandem status --json` prints and every `/api/status` serves: the phase, the cutover gates
 * and what they were judged from.
 */
export interface MigrationStatusReport {
  readonly generatedAtMs: number;
  readonly phase: MigrationPhase;
  readonly ready: boolean;
  readonly gates: readonly Gate[];
  readonly kafka: { readonly brokers: readonly string[]; readonly reachable: boolean; readonly error?: string };
  readonly tables: readonly string[];
  readonly stack: readonly StackServerStatus[];
  readonly sinks: readonly SinkStatus[];
  /** Undefined when Kafka could not say. */
  readonly deadLetters?: readonly DeadLetterBacklog[];
  /** Jobs of the configured tables (of every table when none is configured), newest first. */
  readonly backfill: readonly BackfillJobStatus[];
  readonly validation: readonly ValidationJobStatus[];
}

export interface StatusCollectorOptions {
  readonly config: TandemConfig;
  /** Where the local stack's state file is; default: the config's, else ./.tandem. */
  readonly dataDir?: string | undefined;
  /** Counters of the sinks: those of this process, or what a sink serving elsewhere reports. */
  readonly sinkProcesses: () => Promise<readonly RunningSink[]>;
  readonly clock?: () => number;
}

/**
 * Gathers the migration's status from Kafka (sink groups, dead-letter backlog, job progress logs),
 * the local stack's state file and the sink processes, then judges phase and gates. It keeps its
 * Kafka clients between polls and reads job logs incrementally; Kafka being down is a report, not
 * an exception.
 *
 * @example
 *   const collector = new StatusCollector({ config, sinkProcesses: () => readRunningSinks(config.status) });
 *   const report = await collector.collect();
 *   await collector.close();
 */
export class StatusCollector {
  private clients: (OffsetClients & { jobs: JobProgressReader }) | undefined;
  /** Committed offsets of recent polls, for throughput over about a second whatever the polling rate. */
  private samples: { atMs: number; committed: Map<DestinationName, number> }[] = [];
  private inFlight: Promise<MigrationStatusReport> | undefined;
  private readonly clock: () => number;

  constructor(private readonly options: StatusCollectorOptions) {
    this.clock = options.clock ?? Date.now;
  }

  /** Callers asking while a collection runs share it: a `/metrics` scrape's gauges and the page's poll read Kafka once. */
  collect(): Promise<MigrationStatusReport> {
    this.inFlight ??= this.gather().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  async close(): Promise<void> {
    await this.inFlight?.catch(() => undefined);
    await this.dropClients();
  }

  private async gather(): Promise<MigrationStatusReport> {
    const { config } = this.options;
    // As job plans name them: unquoted, case as Cassandra keeps it (`"Ks"."T"` is Ks.T, `Ks.T` is ks.t).
    const tables = [...new Set(config.topics.map((t) => splitTable(t.table).join('.')))];
    const [kafka, processes] = await Promise.all([this.readKafka(), this.options.sinkProcesses().catch(() => [])]);
    const atMs = this.clock();
    const sinks = this.sinkStatuses(kafka, processes, atMs);
    const ofTables = <J extends { table: string }>(jobs: readonly J[]) => (tables.length === 0 ? jobs : jobs.filter((j) => tables.includes(j.table)));
    const backfill = kafka.jobs && [...ofTables(kafka.jobs.backfill)].sort((a, b) => b.plannedAtMs - a.plannedAtMs);
    const validation = kafka.jobs && [...ofTables(kafka.jobs.validation)].sort((a, b) => newestOf(b) - newestOf(a));
    const assessment = assessMigration({ kafkaReachable: kafka.error === undefined, tables, sinks, deadLetters: kafka.deadLetters, backfill, validation });
    const report: MigrationStatusReport = {
      generatedAtMs: atMs,
      ...assessment,
      kafka: { brokers: config.kafka.brokers, reachable: kafka.error === undefined, ...(kafka.error === undefined ? {} : { error: kafka.error }) },
      tables,
      stack: this.stack(),
      sinks,
      ...(kafka.deadLetters ? { deadLetters: kafka.deadLetters } : {}),
      backfill: backfill ?? [],
      validation: validation ?? [],
    };
    return report;
  }

  private sinkStatuses(kafka: KafkaView, processes: readonly RunningSink[], atMs: number): SinkStatus[] {
    if (this.options.config.topics.length === 0) return [];
    const committedNow = new Map<DestinationName, number>();
    const baseline = this.baselineSample(atMs);
    const sinks = destinationNames.map((destination): SinkStatus => {
      const group = consumerGroupOf(this.options.config.sink, destination);
      const { destination: _, ...counters } = processes.find((p) => p.destination === destination) ?? { destination };
      const lag = kafka.sinkLags?.get(destination);
      if (!lag || 'error' in lag) return { destination, group, ...counters, error: lag?.error ?? kafka.error ?? 'unknown' };
      committedNow.set(destination, lag.committed);
      const before = baseline?.committed.get(destination);
      const seconds = baseline ? (atMs - baseline.atMs) / 1000 : 0;
      const throughput = before !== undefined && seconds > 0 ? Math.max(0, Math.round(((lag.committed - before) / seconds) * 10) / 10) : undefined;
      return { destination, group, ...counters, lag: lag.lag, committed: lag.committed, ...(throughput === undefined ? {} : { throughput }), partitions: lag.partitions };
    });
    if (committedNow.size > 0) this.samples.push({ atMs, committed: committedNow });
    return sinks;
  }

  /**
   * The newest sample at least `throughputWindowMs` old (older ones are dropped), else the oldest
   * if it is old enough to divide by: polls a few milliseconds apart would make throughput noise.
   */
  private baselineSample(atMs: number): { atMs: number; committed: Map<DestinationName, number> } | undefined {
    const settled = this.samples.findLastIndex((s) => atMs - s.atMs >= throughputWindowMs);
    if (settled > 0) this.samples.splice(0, settled);
    const oldest = this.samples[0];
    return oldest && atMs - oldest.atMs >= minThroughputWindowMs ? oldest : undefined;
  }

  private stack(): StackServerStatus[] {
    try {
      // As `tandem up` places it; a config for a real cluster has no local stack, and shows it stopped.
      const dataDir = resolve(this.options.dataDir ?? this.options.config.stack.dataDir ?? '.tandem');
      return stackStatus(dataDir).map((s) => ({
        name: s.name,
        running: s.running,
        ...(s.record ? { address: s.record.address, pid: s.record.pid, version: s.record.version } : {}),
      }));
    } catch {
      // A damaged state file is `tandem up`'s to report; status of the migration goes on without it.
      return [];
    }
  }

  private async readKafka(): Promise<KafkaView> {
    const { config } = this.options;
    const clients = this.openClients();
    let existing: Set<string>;
    try {
      existing = new Set(await clients.admin.listTopics({ includeInternals: false }));
    } catch (error) {
      await this.dropClients();
      // Refused for its settings (a certificate, a login): say which setting, as the commands do.
      const refused = explainKafkaAccessError(error, kafkaConnection(config.kafka).settings);
      return { error: refused ? describeError(refused) : messageOf(error) };
    }
    const topics = config.topics.map((t) => t.topic).filter((t) => existing.has(t));
    const deadLetterTopics = [...new Set(config.topics.map(deadLetterTopicOf))].filter((t) => existing.has(t));
    const [sinkLags, deadLetters, jobs] = await Promise.all([
      Promise.all(
        destinationNames.map(async (destination): Promise<[DestinationName, SinkLag]> => {
          try {
            const partitions = await groupLag(clients, consumerGroupOf(config.sink, destination), topics);
            return [
              destination,
              {
                lag: Number(partitions.reduce((sum, p) => sum + p.lag, 0n)),
                committed: Number(partitions.reduce((sum, p) => sum + p.committed, 0n)),
                partitions: partitions.map((p) => ({ topic: p.topic, partition: p.partition, committed: String(p.committed), end: String(p.end), lag: String(p.lag) })),
              },
            ];
          } catch (error) {
            return [destination, { error: messageOf(error) }];
          }
        }),
      ),
      groupLag(clients, deadLetterReplayGroup, deadLetterTopics, deadLetterLagOptions)
        .then((partitions) => [...new Set(config.topics.map(deadLetterTopicOf))].map((topic) => ({ topic, ...countDeadLetters(partitions, topic) })))
        .catch(() => undefined),
      clients.jobs.read(existing).catch(() => undefined),
    ]);
    return { sinkLags: new Map(sinkLags), deadLetters, jobs };
  }

  private openClients(): OffsetClients & { jobs: JobProgressReader } {
    if (!this.clients) {
      const connection = { ...kafkaConnection(this.options.config.kafka).options, ...statusConnection };
      const admin = new Admin({ clientId: 'tandem-status', ...connection });
      // Never joins its group: it only lists offsets and fetches by offset.
      const consumer = new Consumer({ clientId: 'tandem-status', groupId: 'tandem-status-reader', ...connection });
      this.clients = { admin, consumer, jobs: new JobProgressReader({ admin, consumer }) };
    }
    return this.clients;
  }

  /** After a failure the next poll starts with fresh connections, so a Kafka that comes back is seen. */
  private async dropClients(): Promise<void> {
    const clients = this.clients;
    this.clients = undefined;
    if (clients) await Promise.all([clients.admin.close(), clients.consumer.close()]).catch(() => undefined);
  }
}

type SinkLag = { lag: number; committed: number; partitions: SinkStatus['partitions'] } | { error: string };

interface KafkaView {
  /** Set when Kafka could not be reached at all. */
  readonly error?: string;
  readonly sinkLags?: ReadonlyMap<DestinationName, SinkLag>;
  readonly deadLetters?: DeadLetterBacklog[] | undefined;
  readonly jobs?: { backfill: BackfillJobStatus[]; validation: ValidationJobStatus[] } | undefined;
}

/** Throughput is measured over about this long. */
const throughputWindowMs = 1_000;
const minThroughputWindowMs = 250;

const newestOf = (job: ValidationJobStatus) => job.result?.finishedAtMs ?? job.plannedAtMs ?? 0;

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // The client wraps the reason (refused, timed out) in `errors` of an aggregate.
  const inner = (error as { errors?: unknown[] }).errors?.map((e) => (e instanceof Error ? e.message : String(e)));
  return inner && inner.length > 0 ? `${message.replace(/\.$/, '')}: ${[...new Set(inner)].join('; ')}` : message;
}
