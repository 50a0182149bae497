/**
 * npm run bench:sink -- [--records 200000] [--rounds 2] [--keep-stack] [--sink '{"batchMaxRows": 30}']
 *
 * Measures each destination's sink (Kafka → Cassandra, through decode, window and commits) against
 * the ceiling: the same inserts issued directly with the driver at its best concurrency, in the
 * same run, on the same servers. Prints rates and ratios; the last line is one JSON object.
 */
import { parseArgs } from 'node:util';
import { Admin } from '@platformatic/kafka';
import cassandra from 'cassandra-driver';
import { createCqlClient, readTableSchema } from '../src/cql/index.js';
import { destinationNames, type DestinationName } from '../src/sink/index.js';
import { insertCql } from '../src/sink/statements.js';
import { produceRaw } from '../test/helpers/sinks.js';
import { benchConfig, clusterOf, cpuSeconds, onBothClusters, parseSinkOption, rssMbOf, spawnSink, startBenchStack, stopBenchStack } from './bench-stack.js';
import { kafkaConnection } from '../src/kafka/index.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '2' },
    'keep-stack': { type: 'boolean', default: false },
    /** Sink settings (the config's `sink:` section) as JSON, to compare tunings. */
    sink: { type: 'string', default: '{}' },
  },
});
const total = Number(args.records);
const sinkSettings = parseSinkOption(args.sink);
const rounds = Number(args.rounds);
const config = benchConfig;
const cluster = clusterOf;

function row(i: number): { user_id: string; activity_time: number; activity_type: string; activity_details: string } {
  return {
    user_id: `user${i % 10_000}`,
    activity_time: 1_683_720_000_000 + i,
    activity_type: ['click', 'view', 'purchase'][i % 3]!,
    activity_details: `Activity ${i}: clicked on the 'Learn More' button of product page ${i % 977} from the campaign banner`,
  };
}

async function ceiling(name: DestinationName, keyspace: string): Promise<number> {
  const client = createCqlClient(cluster(name));
  try {
    const table = (await readTableSchema(client, keyspace, 'user_activity'))!;
    const cql = insertCql(table, false);
    // Columns in the statement's order: user_id, activity_time, activity_details, activity_type.
    const params = Array.from({ length: total }, (_, i) => {
      const r = row(i);
      return [r.user_id, new Date(r.activity_time), r.activity_details, r.activity_type, BigInt(1_700_000_000_000_000 + i)];
    });
    let best = 0;
    for (const concurrencyLevel of [256, 1024]) {
      const began = performance.now();
      await cassandra.concurrent.executeConcurrent(client, cql, params, { concurrencyLevel });
      best = Math.max(best, (total / (performance.now() - began)) * 1000);
    }
    return best;
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
  console.log(`${await startBenchStack()}; ${total} records, ${rounds} rounds`);
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

  const results: Record<DestinationName, { sink: number[]; ceiling: number[]; runs: SinkRun[] }> = {
    source: { sink: [], ceiling: [], runs: [] },
    target: { sink: [], ceiling: [], runs: [] },
  };
  for (let round = 1; round <= rounds; round++) {
    for (const name of destinationNames) {
      // Alternate the order so warm-up and background compaction do not favour one side.
      for (const kind of round % 2 === 1 ? ['ceiling', 'sink'] : ['sink', 'ceiling']) {
        if (kind === 'ceiling') results[name].ceiling.push(await ceiling(name, keyspace));
        else {
          const run = await sink(name, topic, keyspace, round);
          results[name].sink.push(run.rate);
          results[name].runs.push(run);
        }
      }
      const r = results[name];
      const run = r.runs.at(-1)!;
      console.log(
        `round ${round} ${name}: sink ${Math.round(run.rate)} rec/s, driver ceiling ${Math.round(r.ceiling.at(-1)!)} rec/s, ratio ${(run.rate / r.ceiling.at(-1)!).toFixed(2)}; sink process RSS ${run.rssMbAt10k} MB at 10k, ${run.rssMbAtEnd} MB at ${total}; ${run.cpuPer100k.toFixed(1)} CPU-s per 100k records`,
      );
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const summary = Object.fromEntries(
    destinationNames.map((name) => {
      const r = results[name];
      return [
        name,
        {
          sink: Math.round(mean(r.sink)),
          ceiling: Math.round(mean(r.ceiling)),
          ratio: Number((mean(r.sink) / mean(r.ceiling)).toFixed(2)),
          rssMbAt10k: r.runs.at(-1)!.rssMbAt10k,
          rssMbAtEnd: r.runs.at(-1)!.rssMbAtEnd,
          cpuSecondsPer100k: Number(mean(r.runs.map((run) => run.cpuPer100k)).toFixed(1)),
        },
      ];
    }),
  ) as unknown as Record<DestinationName, { ratio: number }>;
  if (!args['keep-stack']) await stopBenchStack();
  console.log(JSON.stringify({ records: total, rounds, ...summary, ratio: Math.min(summary.source.ratio, summary.target.ratio) }));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
