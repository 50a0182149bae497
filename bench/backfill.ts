/**
 * npm run bench:backfill -- [--rows 500000] [--rows-per-partition 90] [--keep-stack] [--args '--concurrency 8']
 *
 * Measures `tandem backfill` (the real CLI, as its own process) copying a table with write times and
 * TTLs from the source to the target, against two ceilings measured in the same run on the same
 * servers: a plain full-table read of the source with the driver (token ranges, 4 in flight, no
 * WRITETIME/TTL) and plain prepared single-row inserts into the target with the driver at its
 * best concurrency. Prints rates and the ratio to the lower ceiling; the last line is one JSON object.
 */
import { parseArgs } from 'node:util';
import cassandra from 'cassandra-driver';
import { createCqlClient } from '../src/cql/index.js';
import { referenceSchema } from '../test/helpers/cql.js';
import { ReferenceRows, scanWithDriver } from './reference-rows.js';
import { benchConfig, onBothClusters, runTandemMeasured, startBenchStack, stopBenchStack } from './bench-stack.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '500000' },
    'rows-per-partition': { type: 'string', default: '90' },
    'keep-stack': { type: 'boolean', default: false },
    /** Extra `tandem backfill` options, e.g. '--concurrency 8 --page-size 5000'. */
    args: { type: 'string', default: '' },
  },
});
const total = Number(args.rows);
const perPartition = Number(args['rows-per-partition']);
const keyspace = `bench_backfill_${Date.now()}`;
const rows = new ReferenceRows(keyspace, total, perPartition);

/** Rows per second of a plain driver scan of the whole source table. */
async function readCeiling(): Promise<number> {
  const began = performance.now();
  const read = await scanWithDriver(benchConfig.source, keyspace);
  if (read !== total) throw new Error(`read ${read} rows, expected ${total}`);
  return (read / (performance.now() - began)) * 1000;
}

/** Rows per second of prepared single-row inserts into a scratch table of the target, best of two concurrencies. */
async function writeCeiling(): Promise<number> {
  const client = createCqlClient(benchConfig.target);
  try {
    const count = Math.min(total, 200_000);
    const cql = rows.insertCql('ceiling');
    const params = Array.from({ length: count }, (_, i) => rows.params(i));
    let best = 0;
    for (const concurrencyLevel of [256, 1024]) {
      const began = performance.now();
      await cassandra.concurrent.executeConcurrent(client, cql, params, { concurrencyLevel });
      best = Math.max(best, (count / (performance.now() - began)) * 1000);
    }
    return best;
  } finally {
    await client.shutdown();
  }
}

interface Measured {
  rowsPerSecond: number;
  seconds: number;
  cpuSecondsPerMillionRows: number;
  peakRssMb: number;
}

async function backfill(): Promise<Measured> {
  const extra = args.args.split(' ').filter(Boolean);
  const run = await runTandemMeasured(['backfill', '--table', `${keyspace}.user_activity`, '--json', ...extra]);
  if (run.code !== 0) throw new Error(`tandem backfill exited ${run.code}: ${run.stdout}`);
  const summary = JSON.parse(run.stdout) as { rowsWritten: number; thisProcess: { seconds: number; rowsPerSecond: number } };
  if (summary.rowsWritten !== total) throw new Error(`backfill wrote ${summary.rowsWritten} rows, expected ${total}`);
  return { rowsPerSecond: summary.thisProcess.rowsPerSecond, seconds: summary.thisProcess.seconds, cpuSecondsPerMillionRows: (run.cpuSeconds * 1_000_000) / total, peakRssMb: run.peakRssMb };
}

async function main(): Promise<void> {
  console.log(`${await startBenchStack()}; ${total} rows, ${perPartition} per partition, every 10th with a TTL`);
  const schema = referenceSchema(keyspace).map((s) => s.replace(/^CREATE KEYSPACE (IF NOT EXISTS )?/i, 'CREATE KEYSPACE IF NOT EXISTS '));
  await onBothClusters([...schema, `CREATE TABLE ${keyspace}.ceiling (user_id text, activity_time timestamp, activity_type text, activity_details text, PRIMARY KEY (user_id, activity_time))`]);
  const seedBegan = performance.now();
  await rows.seed(benchConfig.source);
  console.log(`seeded the source in ${((performance.now() - seedBegan) / 1000).toFixed(1)} s`);

  const read = await readCeiling();
  console.log(`read ceiling (driver scan, no WRITETIME/TTL):  ${Math.round(read)} rows/s`);
  const write = await writeCeiling();
  console.log(`write ceiling (driver single-row inserts):    ${Math.round(write)} rows/s`);
  const measured = await backfill();
  const ceiling = Math.min(read, write);
  const ratio = measured.rowsPerSecond / ceiling;
  console.log(
    `tandem backfill: ${Math.round(measured.rowsPerSecond)} rows/s in ${measured.seconds.toFixed(1)} s, ${measured.cpuSecondsPerMillionRows.toFixed(1)} CPU-s per 1M rows, peak RSS ${measured.peakRssMb} MB; ratio to the lower ceiling ${ratio.toFixed(2)}`,
  );
  if (!args['keep-stack']) await stopBenchStack();
  console.log(
    JSON.stringify({
      rows: total,
      rowsPerPartition: perPartition,
      readCeiling: Math.round(read),
      writeCeiling: Math.round(write),
      backfill: { ...measured, rowsPerSecond: Math.round(measured.rowsPerSecond) },
      ratio: Number(ratio.toFixed(3)),
    }),
  );
}

await main();
