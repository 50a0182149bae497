/**
 * npm run bench:sink -- [--records 200000] [--rounds 2] [--keep-stack]
 *
 * Measures each destination's sink (Kafka → Cassandra, through decode, window and commits) against
 * the ceiling: the same inserts issued directly with the driver at its best concurrency, in the
 * same run, on the same servers. Prints rates and ratios; the last line is one JSON object.
 */
import { parseArgs } from 'node:util';
import cassandra from 'cassandra-driver';
import { pino } from 'pino';
import { parseConfig, type TandemConfig } from '../src/config/index.js';
import { createCqlClient, readTableSchema } from '../src/cql/index.js';
import { CqlDestination, destinationNames, runSinkWorker, SinkCounters, type DestinationName } from '../src/sink/index.js';
import { insertCql } from '../src/sink/statements.js';
import { startStack, stackSpecFromConfig, stopStack } from '../src/stack/index.js';
import { produceRaw } from '../test/helpers/sinks.js';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '2' },
    'keep-stack': { type: 'boolean', default: false },
  },
});
const total = Number(args.records);
const rounds = Number(args.rounds);
const dataDir = '.tandem-bench';
const logger = pino({ level: 'silent' });
const rssMb = () => Math.round(process.memoryUsage().rss / 1024 / 1024);

const rawConfig = {
    kafka: { brokers: ['127.0.0.1:49092'] },
    source: { contactPoints: ['127.0.0.1:49042'], auth: { username: 'cassandra', password: 'cassandra' } },
    target: {
      profile: 'cassandra',
      contactPoints: ['127.0.0.1:49142'],
      tls: { caFile: `${dataDir}/target/tls/ca.pem` },
      auth: { username: 'ks-user', password: 'ks-password' },
    },
};
const configWith = (topics: unknown[] = []): TandemConfig => parseConfig({ ...rawConfig, topics }, 'bench', {}, process.cwd()).config;
const config = configWith();

const cluster = (name: DestinationName) => (name === 'source' ? config.source : config.target);

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

async function sink(name: DestinationName, topic: string, keyspace: string, round: number): Promise<{ rate: number; rssAt10k: number; rssAtEnd: number }> {
  const counters = new SinkCounters(name);
  const controller = new AbortController();
  const destination = new CqlDestination(name, createCqlClient(cluster(name)), 'cassandra');
  const { topics } = configWith([{ topic, table: `${keyspace}.user_activity` }]);
  const sinkConfig = { ...config.sink, groupIdPrefix: `bench-${Date.now()}-${round}` };
  const worker = runSinkWorker({ destination, brokers: config.kafka.brokers, topics, sink: sinkConfig, logger, counters }, controller.signal);
  let first = 0;
  let rssAt10k = 0;
  while (counters.written < total) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (!first && counters.written > 0) first = performance.now();
    if (!rssAt10k && counters.written >= 10_000) rssAt10k = rssMb();
  }
  const rate = (total / (performance.now() - first)) * 1000;
  const rssAtEnd = rssMb();
  controller.abort();
  await worker;
  await destination.close();
  return { rate, rssAt10k, rssAtEnd };
}

async function main(): Promise<void> {
  const spec = stackSpecFromConfig(config, { dataDir });
  const up = await startStack(spec);
  console.log(`stack ${up.alreadyRunning ? 'reused' : 'started'} (${dataDir}); ${total} records, ${rounds} rounds`);
  const keyspace = `bench_${Date.now()}`;
  for (const name of destinationNames) {
    const client = createCqlClient(cluster(name));
    await client.execute(`CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    await client.execute(
      `CREATE TABLE ${keyspace}.user_activity (user_id text, activity_time timestamp, activity_details text, activity_type text, PRIMARY KEY (user_id, activity_time)) WITH CLUSTERING ORDER BY (activity_time DESC)`,
    );
    await client.shutdown();
  }
  const topic = `bench-${Date.now()}`;
  await produceRaw(
    config.kafka.brokers,
    topic,
    Array.from({ length: total }, (_, i) => {
      const r = row(i);
      return { key: JSON.stringify({ user_id: r.user_id }), value: JSON.stringify(r), headers: { 'tandem-ts-us': String(1_700_000_000_000_000 + i) } };
    }),
  );

  const results: Record<DestinationName, { sink: number[]; ceiling: number[]; rssAt10k: number; rssAtEnd: number }> = {
    source: { sink: [], ceiling: [], rssAt10k: 0, rssAtEnd: 0 },
    target: { sink: [], ceiling: [], rssAt10k: 0, rssAtEnd: 0 },
  };
  for (let round = 1; round <= rounds; round++) {
    for (const name of destinationNames) {
      // Alternate the order so warm-up and background compaction do not favour one side.
      const first = round % 2 === 1 ? 'ceiling' : 'sink';
      for (const kind of first === 'ceiling' ? ['ceiling', 'sink'] : ['sink', 'ceiling']) {
        if (kind === 'ceiling') results[name].ceiling.push(await ceiling(name, keyspace));
        else {
          const measured = await sink(name, topic, keyspace, round);
          results[name].sink.push(measured.rate);
          results[name].rssAt10k = measured.rssAt10k;
          results[name].rssAtEnd = measured.rssAtEnd;
        }
      }
      const r = results[name];
      console.log(
        `round ${round} ${name}: sink ${Math.round(r.sink.at(-1)!)} rec/s, driver ceiling ${Math.round(r.ceiling.at(-1)!)} rec/s, ratio ${(r.sink.at(-1)! / r.ceiling.at(-1)!).toFixed(2)}, RSS ${r.rssAt10k} MB at 10k, ${r.rssAtEnd} MB at ${total}`,
      );
    }
  }
  const summary = Object.fromEntries(
    destinationNames.map((name) => {
      const r = results[name];
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      return [name, { sink: Math.round(mean(r.sink)), ceiling: Math.round(mean(r.ceiling)), ratio: Number((mean(r.sink) / mean(r.ceiling)).toFixed(2)), rssMbAt10k: r.rssAt10k, rssMbAtEnd: r.rssAtEnd }];
    }),
  ) as unknown as Record<DestinationName, { ratio: number }>;
  if (!args['keep-stack']) await stopStack(dataDir, { purge: true, graceMs: 10_000 });
  console.log(JSON.stringify({ records: total, rounds, ...summary, ratio: Math.min(summary.source.ratio, summary.target.ratio) }));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
