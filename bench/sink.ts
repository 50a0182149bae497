/**
 * npm run bench:sink -- [--records 200000] [--rounds 2] [--source-nodes 1] [--keep-stack] [--sink '{"batchMaxRows": 30}']
 *
 * Measures each destination's sink (Kafka → Cassandra, through decode, window and commits) against
 * the ceiling: the same inserts issued directly with the driver at its best concurrency, in the
 * same run, on the same servers. Prints rates and ratios; the last line is one JSON object.
 *
 * `--source-nodes 3` measures the sink into a source ring of three nodes (its own stack in
 * `.tandem-bench-3n`, on the same ports as the one-node bench stack, so only one runs at a time),
 * the keyspace replicated three times (NetworkTopologyStrategy), where the sink batches only rows
 * of one partition. The target (one node, as before) is not measured then. Beside the driver's
 * single-row ceiling it measures the driver sending the same rows as one-partition unlogged batches,
 * the best a writer may do on a ring, and gives the sink's ratio to the better of the two too.
 */
import { parseArgs } from 'node:util';
import { Admin } from '@platformatic/kafka';
import cassandra from 'cassandra-driver';
import { createCqlClient, mutationDataSize, readTableSchema, type TableSchema } from '../src/cql/index.js';
import { parseConfig } from '../src/config/index.js';
import { destinationNames, type DestinationName } from '../src/sink/index.js';
import { insertCql } from '../src/sink/statements.js';
import { produceRaw } from '../test/helpers/sinks.js';
import {
  benchConfig,
  benchSourceNodes,
  clusterOf,
  cpuSeconds,
  onBothClusters,
  parseSinkOption,
  rawBenchConfig,
  rssMbOf,
  sendConcurrently,
  sourceNodeCpuSeconds,
  sourceNodeCpuSince,
  spawnSink,
  startBenchStack,
  stopBenchStack,
  useSourceNodes,
} from './bench-stack.js';
import { scanWithDriver } from './reference-rows.js';
import { kafkaConnection } from '../src/kafka/index.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '2' },
    /** Nodes of the source: 1, or 3 for a ring (a stack of its own; see above). */
    'source-nodes': { type: 'string', default: '1' },
    'keep-stack': { type: 'boolean', default: false },
    /** Sink settings (the config's `sink:` section) as JSON, to compare tunings. */
    sink: { type: 'string', default: '{}' },
  },
});
useSourceNodes(Number(args['source-nodes']));
const total = Number(args.records);
const sinkSettings = parseSinkOption(args.sink);
const rounds = Number(args.rounds);
const config = benchConfig;
const cluster = clusterOf;
const onRing = benchSourceNodes > 1;
/** On a ring only the source is measured: the target is the one node it always is. */
const measured: readonly DestinationName[] = onRing ? ['source'] : destinationNames;

function row(i: number): { user_id: string; activity_time: number; activity_type: string; activity_details: string } {
  return {
    user_id: `user${i % 10_000}`,
    activity_time: 1_683_720_000_000 + i,
    activity_type: ['click', 'view', 'purchase'][i % 3]!,
    activity_details: `Activity ${i}: clicked on the 'Learn More' button of product page ${i % 977} from the campaign banner`,
  };
}

/** The bench's inserts as bind values, in the statement's column order: user_id, activity_time, activity_details, activity_type, then the timestamp. */
function insertParams(): unknown[][] {
  return Array.from({ length: total }, (_, i) => {
    const r = row(i);
    return [r.user_id, new Date(r.activity_time), r.activity_details, r.activity_type, BigInt(1_700_000_000_000_000 + i)];
  });
}

/** A driver ceiling's best rate, and the requests it had to retry (on a ring only). */
interface Ceiling {
  readonly rate: number;
  readonly retries: number;
}

async function ceiling(name: DestinationName, keyspace: string): Promise<Ceiling> {
  const client = createCqlClient(cluster(name));
  try {
    const table = (await readTableSchema(client, keyspace, 'user_activity'))!;
    const cql = insertCql(table, false);
    const params = insertParams();
    let best = 0;
    let retries = 0;
    for (const concurrencyLevel of [256, 1024]) {
      const began = performance.now();
      // On a ring a cold or busy node times out a write now and then, which would end executeConcurrent.
      if (onRing) retries += await sendConcurrently(params, concurrencyLevel, (values) => client.execute(cql, values, { prepare: true }));
      else await cassandra.concurrent.executeConcurrent(client, cql, params, { concurrencyLevel });
      best = Math.max(best, (total / (performance.now() - began)) * 1000);
    }
    return { rate: best, retries };
  } finally {
    await client.shutdown();
  }
}

/**
 * The same inserts cut into unlogged batches of one partition each, as large as the sink's
 * batchMaxRows and batchMaxBytes let them be: what a writer gets on a ring if every row of a
 * partition waited for its batch (the sink's batches are that at best).
 */
function partitionBatches(table: TableSchema, cql: string): { query: string; params: unknown[] }[][] {
  const { batchMaxRows, batchMaxBytes } = parseConfig({ ...rawBenchConfig, sink: sinkSettings }, 'bench', {}, process.cwd()).config.sink;
  const byPartition = new Map<unknown, unknown[][]>();
  for (const params of insertParams()) {
    const rows = byPartition.get(params[0]);
    if (rows) rows.push(params);
    else byPartition.set(params[0], [params]);
  }
  const batches: { query: string; params: unknown[] }[][] = [];
  for (const rows of byPartition.values()) {
    let batch: { query: string; params: unknown[] }[] = [];
    let bytes = 0;
    for (const params of rows) {
      const size = mutationDataSize(table, new Map(table.columns.map((c, k) => [c.name, params[k]])), false);
      if (batch.length > 0 && (batch.length >= batchMaxRows || bytes + size > batchMaxBytes)) {
        batches.push(batch);
        batch = [];
        bytes = 0;
      }
      batch.push({ query: cql, params });
      bytes += size;
    }
    batches.push(batch);
  }
  return batches;
}

/** Records per second of the driver sending `partitionBatches` (token-aware: each to a replica of its partition), best of two concurrencies. */
async function batchCeiling(name: DestinationName, keyspace: string): Promise<Ceiling & { rowsPerBatch: number }> {
  const client = createCqlClient(cluster(name));
  try {
    const table = (await readTableSchema(client, keyspace, 'user_activity'))!;
    const batches = partitionBatches(table, insertCql(table, false));
    const options = { prepare: true, logged: false, consistency: cassandra.types.consistencies.localQuorum };
    let best = 0;
    let retries = 0;
    for (const concurrency of [64, 256]) {
      const began = performance.now();
      retries += await sendConcurrently(batches, concurrency, (batch) => client.batch(batch, options));
      best = Math.max(best, (total / (performance.now() - began)) * 1000);
    }
    return { rate: best, retries, rowsPerBatch: total / batches.length };
  } finally {
    await client.shutdown();
  }
}

interface SinkRun {
  rate: number;
  rssMbAt10k: number;
  rssMbAtEnd: number;
  /** CPU seconds the sink process spent per 100,000 records. */
  cpuPer100k: number;
}

/**
 * Runs the real `tandem sink` as its own process, so its memory and CPU are the product's alone,
 * and follows its progress through the consumer group's committed offsets.
 */
async function sink(name: DestinationName, topic: string, keyspace: string, round: number): Promise<SinkRun> {
  const groupIdPrefix = `bench-${Date.now()}-${round}`;
  const sinkProcess = spawnSink({ topics: [{ topic, table: `${keyspace}.user_activity` }], sink: { ...sinkSettings, groupIdPrefix } }, name);
  const { child } = sinkProcess;
  // One admin connection for the whole run: a client per poll would cost the sink's CPU share on 2 cores.
  const admin = new Admin({ clientId: 'bench-progress', ...kafkaConnection(config.kafka).options });
  const group = `${groupIdPrefix}-${name}`;
  const settled = async () => {
    const [offsets] = await admin.listConsumerGroupOffsets({ groups: [group] });
    return (offsets?.topics ?? []).flatMap((t) => t.partitions).reduce((sum, p) => sum + Math.max(0, Number(p.committedOffset)), 0);
  };
  let first = 0;
  let firstCpu = 0;
  let rssMbAt10k = 0;
  let done = 0;
  while (done < total) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    done = await settled();
    if (!first && done > 0) {
      first = performance.now();
      firstCpu = cpuSeconds(child.pid!);
    }
    if (!rssMbAt10k && done >= 10_000) rssMbAt10k = rssMbOf(child.pid!);
  }
  const rate = ((total - 0) / (performance.now() - first)) * 1000;
  const cpuPer100k = ((cpuSeconds(child.pid!) - firstCpu) / total) * 100_000;
  const rssMbAtEnd = rssMbOf(child.pid!);
  await sinkProcess.stop();
  await admin.close();
  return { rate, rssMbAt10k, rssMbAtEnd, cpuPer100k };
}

async function main(): Promise<void> {
  console.log(`${await startBenchStack()}; ${total} records, ${rounds} rounds; source of ${benchSourceNodes} node${benchSourceNodes === 1 ? '' : 's'}`);
  const keyspace = `bench_${Date.now()}`;
  await onBothClusters([
    `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
    `CREATE TABLE ${keyspace}.user_activity (user_id text, activity_time timestamp, activity_details text, activity_type text, PRIMARY KEY (user_id, activity_time)) WITH CLUSTERING ORDER BY (activity_time DESC)`,
  ]);
  const topic = `bench-${Date.now()}`;
  await produceRaw(
    kafkaConnection(config.kafka),
    topic,
    Array.from({ length: total }, (_, i) => {
      const r = row(i);
      return { key: JSON.stringify({ user_id: r.user_id }), value: JSON.stringify(r), headers: { 'tandem-ts-us': String(1_700_000_000_000_000 + i) } };
    }),
  );

  interface Results {
    sink: number[];
    ceiling: number[];
    /** One-partition batches' ceiling (on a ring only) and the rows its batches held on average. */
    batchCeiling: number[];
    rowsPerBatch: number;
    /** Requests the driver ceilings retried (on a ring only): single rows, batches. */
    retries: { ceiling: number; batchCeiling: number };
    runs: SinkRun[];
  }
  const results: Record<DestinationName, Results> = {
    source: { sink: [], ceiling: [], batchCeiling: [], rowsPerBatch: 0, retries: { ceiling: 0, batchCeiling: 0 }, runs: [] },
    target: { sink: [], ceiling: [], batchCeiling: [], rowsPerBatch: 0, retries: { ceiling: 0, batchCeiling: 0 }, runs: [] },
  };
  const kinds = onRing ? ['ceiling', 'batchCeiling', 'sink'] : ['ceiling', 'sink'];
  for (let round = 1; round <= rounds; round++) {
    for (const name of measured) {
      const r = results[name];
      // Alternate the order so warm-up and background compaction do not favour one side.
      for (const kind of round % 2 === 1 ? kinds : kinds.toReversed()) {
        // On a ring, what each node spent shows how evenly the writes were spread.
        const cpuBefore = onRing ? sourceNodeCpuSeconds() : undefined;
        if (kind === 'ceiling') {
          const single = await ceiling(name, keyspace);
          r.ceiling.push(single.rate);
          r.retries.ceiling += single.retries;
        } else if (kind === 'batchCeiling') {
          const batches = await batchCeiling(name, keyspace);
          r.batchCeiling.push(batches.rate);
          r.retries.batchCeiling += batches.retries;
          r.rowsPerBatch = batches.rowsPerBatch;
        } else {
          const run = await sink(name, topic, keyspace, round);
          r.sink.push(run.rate);
          r.runs.push(run);
        }
        if (cpuBefore) console.log(`  round ${round} ${kind}: source nodes ${sourceNodeCpuSince(cpuBefore)}`);
      }
      const run = r.runs.at(-1)!;
      const sinkFigures = `sink process RSS ${run.rssMbAt10k} MB at 10k, ${run.rssMbAtEnd} MB at ${total}; ${run.cpuPer100k.toFixed(1)} CPU-s per 100k records`;
      if (onRing) {
        const single = r.ceiling.at(-1)!;
        const batches = r.batchCeiling.at(-1)!;
        console.log(
          `round ${round} ${name} (${benchSourceNodes} nodes, RF ${Math.min(3, benchSourceNodes)}): sink ${Math.round(run.rate)} rec/s; driver ceilings: single-row inserts ${Math.round(single)} rec/s, one-partition unlogged batches ${Math.round(batches)} rec/s (${r.rowsPerBatch.toFixed(1)} rows per batch), retried ${r.retries.ceiling} and ${r.retries.batchCeiling} requests so far; ratio sink/single-row ceiling ${(run.rate / single).toFixed(2)}, sink/better ceiling (${batches > single ? 'batches' : 'single-row'}) ${(run.rate / Math.max(single, batches)).toFixed(2)}; ${sinkFigures}`,
        );
      } else {
        console.log(`round ${round} ${name}: sink ${Math.round(run.rate)} rec/s, driver ceiling ${Math.round(r.ceiling.at(-1)!)} rec/s, ratio ${(run.rate / r.ceiling.at(-1)!).toFixed(2)}; ${sinkFigures}`);
      }
    }
  }
  // Every record is on each destination measured: committed offsets alone would count dead letters as written.
  for (const name of measured) {
    const stored = await scanWithDriver(cluster(name), keyspace);
    if (stored !== total) throw new Error(`${name} holds ${stored} rows, expected ${total}`);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const summary = Object.fromEntries(
    measured.map((name) => {
      const r = results[name];
      const onRingOnly = onRing
        ? {
            batchCeiling: Math.round(mean(r.batchCeiling)),
            rowsPerBatch: Number(r.rowsPerBatch.toFixed(1)),
            ceilingRetries: r.retries,
            betterCeiling: mean(r.batchCeiling) > mean(r.ceiling) ? 'batches' : 'single-row',
            ratioToBetterCeiling: Number((mean(r.sink) / Math.max(mean(r.ceiling), mean(r.batchCeiling))).toFixed(2)),
          }
        : {};
      return [
        name,
        {
          sink: Math.round(mean(r.sink)),
          ceiling: Math.round(mean(r.ceiling)),
          ratio: Number((mean(r.sink) / mean(r.ceiling)).toFixed(2)),
          ...onRingOnly,
          rssMbAt10k: r.runs.at(-1)!.rssMbAt10k,
          rssMbAtEnd: r.runs.at(-1)!.rssMbAtEnd,
          cpuSecondsPer100k: Number(mean(r.runs.map((run) => run.cpuPer100k)).toFixed(1)),
        },
      ];
    }),
  ) as unknown as Partial<Record<DestinationName, { ratio: number }>>;
  if (!args['keep-stack']) await stopBenchStack();
  const ratio = Math.min(...measured.map((name) => summary[name]!.ratio));
  console.log(JSON.stringify({ records: total, rounds, sourceNodes: benchSourceNodes, ...summary, ratio }));
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    console.error(error);
    // A failed run leaves no servers behind unless asked to (five of them on a ring).
    if (!args['keep-stack']) await stopBenchStack();
    process.exit(1);
  },
);
