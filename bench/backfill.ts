/**
 * npm run bench:backfill -- [--rows 500000] [--rows-per-partition 90] [--keep-stack] [--args '--concurrency 8']
 *
 * Measures `tandem backfill` (the real CLI, as its own process) copying a table with write times and
 * TTLs from the source to the target, against two ceilings measured in the same run on the same
 * servers: a plain full-table read of the source with the driver (token ranges, 4 in flight, no
 * WRITETIME/TTL) and plain prepared single-row inserts into the target with the driver at its
 * best concurrency. Prints rates and the ratio to the lower ceiling; the last line is one JSON object.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import cassandra from 'cassandra-driver';
import { stringify } from 'yaml';
import { TokenRangePlanner } from '../src/backfill/index.js';
import { createCqlClient } from '../src/cql/index.js';
import { referenceSchema } from '../test/helpers/cql.js';
import { benchConfig, cpuSeconds, onBothClusters, rawBenchConfig, rssMbOf, startBenchStack, stopBenchStack } from './bench-stack.js';

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
const baseUs = BigInt(Date.now() - 10 * 24 * 3600 * 1000) * 1000n;

function rowParams(i: number): unknown[] {
  return [
    `user${Math.floor(i / perPartition)}`,
    new Date(1_683_720_000_000 + i),
    `Activity ${i}: clicked on the 'Learn More' button of product page ${i % 977} from the campaign banner`,
    ['click', 'view', 'purchase'][i % 3],
    baseUs + BigInt(i),
    i % 10 === 0 ? 86_400 : 0,
  ];
}

async function seed(): Promise<void> {
  const client = createCqlClient(benchConfig.source);
  try {
    const cql = `INSERT INTO ${keyspace}.user_activity (user_id, activity_time, activity_details, activity_type) VALUES (?, ?, ?, ?) USING TIMESTAMP ? AND TTL ?`;
    for (let start = 0; start < total; start += 100_000) {
      const params = Array.from({ length: Math.min(100_000, total - start) }, (_, i) => rowParams(start + i));
      await cassandra.concurrent.executeConcurrent(client, cql, params, { concurrencyLevel: 512 });
    }
  } finally {
    await client.shutdown();
  }
}

/** Rows per second of a plain driver scan of the whole source table: 64 token ranges, 4 at a time. */
async function readCeiling(): Promise<number> {
  const client = createCqlClient(benchConfig.source);
  try {
    const planner = new TokenRangePlanner('Murmur3Partitioner');
    const ranges = planner.plan([0n], 64);
    let rows = 0;
    const began = performance.now();
    let next = 0;
    const scanOne = async () => {
      while (next < ranges.length) {
        const where = planner.where(['user_id'], ranges[next++]!);
        const cql = `SELECT user_id, activity_time, activity_details, activity_type FROM ${keyspace}.user_activity WHERE ${where.cql}`;
        let pageState: string | undefined;
        do {
          const page = await client.execute(cql, where.params, { prepare: true, fetchSize: 2000, ...(pageState ? { pageState } : {}) });
          rows += page.rowLength;
          pageState = page.pageState ?? undefined;
        } while (pageState);
      }
    };
    await Promise.all([scanOne(), scanOne(), scanOne(), scanOne()]);
    if (rows !== total) throw new Error(`read ${rows} rows, expected ${total}`);
    return (rows / (performance.now() - began)) * 1000;
  } finally {
    await client.shutdown();
  }
}

/** Rows per second of prepared single-row inserts into a scratch table of the target, best of two concurrencies. */
async function writeCeiling(): Promise<number> {
  const client = createCqlClient(benchConfig.target);
  try {
    const count = Math.min(total, 200_000);
    const cql = `INSERT INTO ${keyspace}.ceiling (user_id, activity_time, activity_details, activity_type) VALUES (?, ?, ?, ?) USING TIMESTAMP ? AND TTL ?`;
    const params = Array.from({ length: count }, (_, i) => rowParams(i));
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
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-'));
  const configFile = join(dir, 'tandem.yaml');
  writeFileSync(configFile, stringify(rawBenchConfig));
  const extra = args.args.split(' ').filter(Boolean);
  const child = spawn(process.execPath, ['bin/tandem.js', 'backfill', '--config', configFile, '--table', `${keyspace}.user_activity`, '--json', ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, TANDEM_LOG_LEVEL: 'warn' },
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  let peakRssMb = 0;
  let cpu = 0;
  const sampler = setInterval(() => {
    try {
      peakRssMb = Math.max(peakRssMb, rssMbOf(child.pid!));
      cpu = cpuSeconds(child.pid!);
    } catch {
      // The process has exited between two samples.
    }
  }, 200);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  if (code !== 0) throw new Error(`tandem backfill exited ${code}: ${stdout}`);
  const summary = JSON.parse(stdout) as { rowsWritten: number; thisProcess: { seconds: number; rowsPerSecond: number } };
  if (summary.rowsWritten !== total) throw new Error(`backfill wrote ${summary.rowsWritten} rows, expected ${total}`);
  return { rowsPerSecond: summary.thisProcess.rowsPerSecond, seconds: summary.thisProcess.seconds, cpuSecondsPerMillionRows: (cpu * 1_000_000) / total, peakRssMb };
}

async function main(): Promise<void> {
  console.log(`${await startBenchStack()}; ${total} rows, ${perPartition} per partition, every 10th with a TTL`);
  const schema = referenceSchema(keyspace).map((s) => s.replace(/^CREATE KEYSPACE (IF NOT EXISTS )?/i, 'CREATE KEYSPACE IF NOT EXISTS '));
  await onBothClusters([...schema, `CREATE TABLE ${keyspace}.ceiling (user_id text, activity_time timestamp, activity_type text, activity_details text, PRIMARY KEY (user_id, activity_time))`]);
  const seedBegan = performance.now();
  await seed();
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
