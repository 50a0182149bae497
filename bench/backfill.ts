/**
 * npm run bench:backfill -- [--rows 500000] [--rows-per-partition 90] [--source-nodes 1] [--keep-stack] [--args '--concurrency 8']
 *
 * Measures `tandem backfill` (the real CLI, as its own process) copying a table with write times and
 * TTLs from the source to the target, against two ceilings measured in the same run on the same
 * servers: a plain full-table read of the source with the driver (token ranges, 4 in flight, no
 * WRITETIME/TTL) and plain prepared single-row inserts into the target with the driver at its
 * best concurrency. Prints rates and the ratio to the lower ceiling; the last line is one JSON object.
 *
 * `--source-nodes 3` reads from a source ring of three nodes (its own stack in `.tandem-bench-3n`,
 * on the same ports as the one-node bench stack, so only one runs at a time) whose keyspace has the
 * reference design's replication (NetworkTopologyStrategy, 3 copies); the read ceiling then scans
 * each token range from a replica of it at LOCAL_QUORUM, as the backfill does. The target is one node either way.
 */
import { parseArgs } from 'node:util';
import cassandra from 'cassandra-driver';
import { createCqlClient } from '../src/cql/index.js';
import { referenceSchema } from '../test/helpers/cql.js';
import { ReferenceRows, scanWithDriver } from './reference-rows.js';
import { benchConfig, benchSourceNodes, onBothClusters, runTandemMeasured, sourceNodeCpuSeconds, sourceNodeCpuSince, startBenchStack, stopBenchStack, useSourceNodes } from './bench-stack.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '500000' },
    'rows-per-partition': { type: 'string', default: '90' },
    /** Nodes of the source: 1, or 3 for a ring (a stack of its own; see above). */
    'source-nodes': { type: 'string', default: '1' },
    'keep-stack': { type: 'boolean', default: false },
    /** Extra `tandem backfill` options, e.g. '--concurrency 8 --page-size 5000'. */
    args: { type: 'string', default: '' },
  },
});
useSourceNodes(Number(args['source-nodes']));
const total = Number(args.rows);
const perPartition = Number(args['rows-per-partition']);
const keyspace = `bench_backfill_${Date.now()}`;
const rows = new ReferenceRows(keyspace, total, perPartition);

/** Rows per second of a plain driver scan of the whole source table (each range from a replica of it). */
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
  console.log(`${await startBenchStack()}; ${total} rows, ${perPartition} per partition, every 10th with a TTL; source of ${benchSourceNodes} node${benchSourceNodes === 1 ? '' : 's'}`);
  const schema = referenceSchema(keyspace).map((s) => s.replace(/^CREATE KEYSPACE (IF NOT EXISTS )?/i, 'CREATE KEYSPACE IF NOT EXISTS '));
  await onBothClusters([...schema, `CREATE TABLE ${keyspace}.ceiling (user_id text, activity_time timestamp, activity_type text, activity_details text, PRIMARY KEY (user_id, activity_time))`]);
  const seedBegan = performance.now();
  await rows.seed(benchConfig.source);
  console.log(`seeded the source in ${((performance.now() - seedBegan) / 1000).toFixed(1)} s`);

  // On a ring, what each node spent shows whether the reads were spread over its replicas.
  const onRing = benchSourceNodes > 1;
  let cpuBefore = onRing ? sourceNodeCpuSeconds() : undefined;
  const read = await readCeiling();
  console.log(`read ceiling (driver scan, no WRITETIME/TTL${onRing ? ', routed to replicas, LOCAL_QUORUM' : ''}):  ${Math.round(read)} rows/s${cpuBefore ? `; source nodes ${sourceNodeCpuSince(cpuBefore)}` : ''}`);
  const write = await writeCeiling();
  console.log(`write ceiling (driver single-row inserts):    ${Math.round(write)} rows/s`);
  cpuBefore = onRing ? sourceNodeCpuSeconds() : undefined;
  const measured = await backfill();
  if (cpuBefore) console.log(`tandem backfill: source nodes ${sourceNodeCpuSince(cpuBefore)}`);
  const copied = await scanWithDriver(benchConfig.target, keyspace);
  if (copied !== total) throw new Error(`the target holds ${copied} rows after the backfill, expected ${total}`);
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
      sourceNodes: benchSourceNodes,
      readCeiling: Math.round(read),
      writeCeiling: Math.round(write),
      backfill: { ...measured, rowsPerSecond: Math.round(measured.rowsPerSecond) },
      ratio: Number(ratio.toFixed(3)),
    }),
  );
}

try {
  await main();
} catch (error) {
  // A failed run leaves no servers behind unless asked to (five of them on a ring).
  if (!args['keep-stack']) await stopBenchStack();
  throw error;
}
