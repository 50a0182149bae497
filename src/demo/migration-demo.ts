import { createReadStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import cassandra from 'cassandra-driver';
import type { Logger } from 'pino';
import { stringify } from 'yaml';
import { runBackfill, type BackfillSummary } from '../backfill/index.js';
import { parseConfig, type TandemConfig } from '../config/index.js';
import { connectCluster, createCqlClient } from '../cql/index.js';
import { consumerGroupLag, kafkaConnection } from '../kafka/index.js';
import { linesOf, produceJsonLines } from '../produce/index.js';
import { copySchema, describeItem } from '../schema/index.js';
import { consumerGroupOf, CqlDestination, runSinkWorker, SinkCounters, type SinkState } from '../sink/index.js';
import { startStack, stackSpecFromConfig, type UpResult } from '../stack/index.js';
import { serveSinkStatus, StatusCollector, type Gate, type MigrationPhase } from '../status/index.js';
import { runValidation, type ValidationReport } from '../validate/index.js';

export const demoKeyspace = 'msk_ks_cass_blog';
export const demoTable = `${demoKeyspace}.user_activity`;
const demoTopic = 'user_activity';
const fixturesDir = resolve(import.meta.dirname, '..', '..', 'fixtures');

export interface DemoOptions {
  /** The stack's addresses and credentials; the demo adds its topic and sink group. */
  readonly base: TandemConfig;
  /** Where the stack keeps its data and the demo its config. */
  readonly dataDir: string;
  readonly historyRows: number;
  /** Synthetic live activity published while the backfill runs, records per second and seconds. */
  readonly streamRate: number;
  readonly streamSeconds: number;
  readonly logger: Logger;
  /** One line per step, for a person to follow. */
  readonly step: (line: string) => void;
}

export interface DestinationReport {
  readonly destination: 'source' | 'target';
  readonly rows: number;
  readonly lag: number;
  readonly written: number;
  readonly deadLettered: number;
  readonly state: SinkState;
}

export interface DemoReport {
  readonly configFile: string;
  /** The config the demo ran with: addresses to show the user. */
  readonly config: TandemConfig;
  readonly stack: UpResult;
  readonly statusUrl: string | undefined;
  readonly produced: { readonly samples: number; readonly live: number };
  readonly destinations: readonly DestinationReport[];
  readonly backfill: BackfillSummary;
  readonly validation: ValidationReport;
  /** Phase and cutover gates as `tandem status` and the dashboard judge them. */
  readonly phase: MigrationPhase;
  readonly gates: readonly Gate[];
  readonly ready: boolean;
}

/**
 * The whole migration on the local stack, as the reference design runs it: the source holds the
 * application's history; Tandem copies the schema to the target, starts one sink per destination,
 * the application's writes (the reference's four sample records and a live stream) go through
 * Kafka to both, the history is backfilled cell by cell, both sides are validated, and the gates
 * of a cutover are checked. Safe to run again: the stack is reused, the history rewritten with the
 * same write times, and each run's backfill is a job of its own.
 */
export async function runMigrationDemo(options: DemoOptions): Promise<DemoReport> {
  const { step, logger } = options;
  const dataDir = resolve(options.dataDir);
  const startedMs = Date.now();
  const raw = demoConfigOf(options.base, dataDir);
  const config = parseConfig(raw, 'demo', {}, dataDir).config;
  mkdirSync(dataDir, { recursive: true });
  const configFile = join(dataDir, 'demo.yaml');
  writeFileSync(configFile, stringify(raw));

  step('Starting the local stack (Kafka, source Cassandra, Keyspaces-like target)...');
  const stack = await startStack(stackSpecFromConfig(config, { dataDir }), {
    onFetchStart: (specs, cacheDir) => step(`  fetching ${specs.map((s) => s.id).join(' and ')} from Maven Central into ${cacheDir} (once)`),
    onStarting: (names) => step(`  starting ${names.join(', ')}`),
  });
  step(`  ${stack.alreadyRunning ? 'reused the running stack' : 'stack up'}: ${stack.servers.map((s) => `${s.name} ${s.address}`).join(', ')}`);

  const source = createCqlClient(config.source);
  const target = createCqlClient(config.target, { profile: config.target.profile });
  try {
    await connectCluster(source, 'source', config.source);
    await connectCluster(target, 'target', config.target);
    step(`Loading the reference schema and ${options.historyRows} rows of history into the source...`);
    for (const statement of referenceSchema()) await source.execute(statement);
    await loadHistory(source, options.historyRows);

    step('Copying the schema to the target (tandem schema)...');
    const schema = await copySchema({
      source,
      target,
      targetProfile: config.target.profile,
      dialectProfile: config.target.profile,
      keyspaces: [demoKeyspace],
      dryRun: false,
      sampleRows: 100,
      ttlTables: new Set(),
    });
    step(`  ${schema.items.map((i) => `${describeItem(i)}: ${i.status}`).join(', ')}`);
  } finally {
    await Promise.all([source.shutdown(), target.shutdown()]);
  }

  step('Starting one sink per destination (consumer groups tandem-demo-source and tandem-demo-target)...');
  const sinks = new AbortController();
  const counters = [new SinkCounters('source'), new SinkCounters('target')];
  const server = await serveSinkStatus(config, config.status.port, counters, logger);
  const running = counters.map((c) => {
    const destination = new CqlDestination(
      c.destination,
      c.destination === 'source' ? createCqlClient(config.source) : createCqlClient(config.target, { profile: config.target.profile }),
      c.destination === 'source' ? 'cassandra' : config.target.profile,
    );
    return runSinkWorker({ destination, kafka: kafkaConnection(config.kafka), topics: config.topics, sink: config.sink, logger, counters: c }, sinks.signal).finally(() => destination.close());
  });

  try {
    step('Publishing the four sample records of the reference design (tandem produce)...');
    const samples = await produceJsonLines({
      kafka: kafkaConnection(config.kafka),
      topic: demoTopic,
      keyColumns: ['user_id'],
      lines: linesOf(() => createReadStream(join(fixturesDir, 'user_activity.jsonl'))),
    });

    step(`Streaming live activity at ${options.streamRate} records/s for ${options.streamSeconds} s while the history is backfilled...`);
    const live = streamActivity(config, options.streamRate, options.streamSeconds);
    const backfill = await runBackfill(
      {
        config,
        table: demoTable,
        job: `demo-${startedMs}`,
        worker: false,
        splits: 32,
        concurrency: 4,
        pageSize: 2000,
        dualWritesSinceMs: startedMs,
        logger,
      },
      new AbortController().signal,
    );
    step(`  backfill: ${backfill.rowsWritten} rows in ${backfill.rangesTotal} ranges, ${backfill.rowsRejected} refused`);
    const liveCount = await live;

    step('Waiting for both sinks to catch up...');
    const lags = await waitForZeroLag(config, 60_000);

    step('Validating both sides range by range (tandem validate)...');
    const validation = await runValidation(
      { config, table: demoTable, splits: 32, concurrency: 4, pageSize: 2000, compare: 'values', repair: false, samplePercent: 100, maxExamples: 10, logger },
      new AbortController().signal,
    );

    const rows = await countBoth(config);
    const destinations = counters.map((c): DestinationReport => {
      const s = c.snapshot();
      return { destination: c.destination, rows: rows[c.destination], lag: lags[c.destination], written: s.written, deadLettered: s.deadLettered, state: c.state };
    });
    const { phase, gates, ready } = await judgeCutover(config, dataDir);
    return {
      configFile,
      config,
      stack,
      statusUrl: server?.url,
      produced: { samples: samples.produced, live: liveCount },
      destinations,
      backfill,
      validation,
      phase,
      gates,
      ready,
    };
  } finally {
    sinks.abort();
    await Promise.allSettled(running);
    await server?.close();
  }
}

/** The gates as `tandem status` and the dashboard judge them, from what Kafka holds: sink groups, dead letters, the jobs' logs. */
async function judgeCutover(config: TandemConfig, dataDir: string) {
  const collector = new StatusCollector({ config, dataDir, sinkProcesses: async () => [] });
  const status = await collector.collect().finally(() => collector.close());
  return { phase: status.phase, gates: status.gates, ready: status.ready };
}

/** The base config with the demo's topic and sink group, and the stack's CA file made absolute. */
function demoConfigOf(base: TandemConfig, dataDir: string): Record<string, unknown> {
  return {
    kafka: base.kafka,
    source: base.source,
    target: { ...base.target, tls: { ...base.target.tls, caFile: base.target.tls?.caFile ? resolve(base.target.tls.caFile) : join(dataDir, 'target', 'tls', 'ca.pem') } },
    stack: { ...base.stack, dataDir },
    status: base.status,
    topics: [{ topic: demoTopic, table: demoTable }],
    sink: { ...base.sink, groupIdPrefix: 'tandem-demo' },
  };
}

/** The reference design's schema (fixtures/user_activity.cql), one statement at a time. */
function referenceSchema(): string[] {
  return readFileSync(join(fixturesDir, 'user_activity.cql'), 'utf8')
    .replace(/^--.*$/gm, '')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The application's history, written straight to the source before dual writes began: a few days
 * old, every tenth row with a TTL, so the backfill has write times and TTLs to keep. Deterministic,
 * so a second run rewrites the same cells.
 */
async function loadHistory(source: cassandra.Client, rows: number): Promise<void> {
  const dayMs = 24 * 3600 * 1000;
  const base = Math.floor(Date.now() / dayMs) * dayMs - 3 * dayMs;
  const types = ['click', 'view', 'purchase', 'search'];
  const params = Array.from({ length: rows }, (_, i) => [
    `user${1000 + (i % 250)}`,
    new Date(base + i * 1000),
    types[i % types.length],
    `historical activity ${i}`,
    BigInt(base + i * 1000) * 1000n,
    i % 10 === 0 ? 30 * 24 * 3600 : 0,
  ]);
  await cassandra.concurrent.executeConcurrent(
    source,
    `INSERT INTO ${demoTable} (user_id, activity_time, activity_type, activity_details) VALUES (?, ?, ?, ?) USING TIMESTAMP ? AND TTL ?`,
    params,
    { concurrencyLevel: 128 },
  );
}

/** Publishes synthetic activity at a steady rate, as the application would; resolves with the count. */
async function streamActivity(config: TandemConfig, perSecond: number, seconds: number): Promise<number> {
  const total = perSecond * seconds;
  const lines = async function* () {
    const began = Date.now();
    for (let i = 0; i < total; i++) {
      const due = began + (i * 1000) / perSecond;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      yield JSON.stringify({
        user_id: `user${2000 + (i % 100)}`,
        activity_time: new Date().toISOString(),
        activity_type: ['click', 'view', 'purchase'][i % 3],
        activity_details: `live activity ${i}`,
      });
    }
  };
  const result = await produceJsonLines({ kafka: kafkaConnection(config.kafka), topic: demoTopic, keyColumns: ['user_id'], lines: lines(), batchSize: Math.max(1, Math.floor(perSecond / 20)) });
  return result.produced;
}

async function waitForZeroLag(config: TandemConfig, timeoutMs: number): Promise<Record<'source' | 'target', number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lags = { source: 0, target: 0 };
    for (const destination of ['source', 'target'] as const) {
      const partitions = await consumerGroupLag(kafkaConnection(config.kafka), consumerGroupOf(config.sink, destination), [demoTopic]);
      lags[destination] = Number(partitions.reduce((sum, p) => sum + p.lag, 0n));
    }
    if ((lags.source === 0 && lags.target === 0) || Date.now() > deadline) return lags;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function countBoth(config: TandemConfig): Promise<Record<'source' | 'target', number>> {
  const count = async (client: cassandra.Client) => {
    try {
      return Number((await client.execute(`SELECT count(*) FROM ${demoTable}`)).first().get(0));
    } finally {
      await client.shutdown();
    }
  };
  const [source, target] = await Promise.all([count(createCqlClient(config.source)), count(createCqlClient(config.target, { profile: config.target.profile }))]);
  return { source, target };
}
