/**
 * npm run bench:validate -- [--rows 300000] [--rows-per-partition 90] [--keep-stack] [--args '--concurrency 8']
 *
 * Measures `tandem validate` (the real CLI, as its own process) comparing a table on the source and
 * the target, against a ceiling measured in the same run on the same servers: reading both tables
 * in full with the driver at once (token ranges, 4 in flight per side, no WRITETIME, no
 * comparison). Both sides hold the same rows (copied by `tandem backfill`), so the validation
 * compares every row and finds nothing. Prints rates and the ratio; the last line is one JSON object.
 */
import { parseArgs } from 'node:util';
import { referenceSchema } from '../test/helpers/cql.js';
import { benchConfig, onBothClusters, runTandemMeasured, startBenchStack, stopBenchStack } from './bench-stack.js';
import { ReferenceRows, scanWithDriver } from './reference-rows.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '300000' },
    'rows-per-partition': { type: 'string', default: '90' },
    'keep-stack': { type: 'boolean', default: false },
    /** Extra `tandem validate` options, e.g. '--concurrency 8 --compare values+writetime'. */
    args: { type: 'string', default: '' },
  },
});
const total = Number(args.rows);
const keyspace = `bench_validate_${Date.now()}`;
const rows = new ReferenceRows(keyspace, total, Number(args['rows-per-partition']));

/** Rows per second (of one side) of reading both tables in full at once with the driver. */
async function readBothCeiling(): Promise<number> {
  const began = performance.now();
  const [onSource, onTarget] = await Promise.all([scanWithDriver(benchConfig.source, keyspace), scanWithDriver(benchConfig.target, keyspace)]);
  if (onSource !== total || onTarget !== total) throw new Error(`read ${onSource} and ${onTarget} rows, expected ${total} on each side`);
  return (total / (performance.now() - began)) * 1000;
}

interface Measured {
  rowsPerSecond: number;
  seconds: number;
  cpuSecondsPerMillionRows: number;
  peakRssMb: number;
}

async function validate(): Promise<Measured> {
  const extra = args.args.split(' ').filter(Boolean);
  const run = await runTandemMeasured(['validate', '--table', `${keyspace}.user_activity`, '--json', ...extra]);
  const report = JSON.parse(run.stdout || '{}') as { sourceRows?: number; targetRows?: number; clean?: boolean; seconds: number; rowsPerSecond: number };
  if (run.code !== 0 || report.sourceRows !== total || report.targetRows !== total || !report.clean) {
    throw new Error(`tandem validate exited ${run.code} and compared ${report.sourceRows} rows (expected ${total} on each side, clean): ${run.stdout}`);
  }
  return { rowsPerSecond: report.rowsPerSecond, seconds: report.seconds, cpuSecondsPerMillionRows: (run.cpuSeconds * 1_000_000) / total, peakRssMb: run.peakRssMb };
}

async function main(): Promise<void> {
  console.log(`${await startBenchStack()}; ${total} rows, ${rows.perPartition} per partition, every 10th with a TTL`);
  const schema = referenceSchema(keyspace).map((s) => s.replace(/^CREATE KEYSPACE (IF NOT EXISTS )?/i, 'CREATE KEYSPACE IF NOT EXISTS '));
  await onBothClusters(schema);
  const seedBegan = performance.now();
  await rows.seed(benchConfig.source);
  const copy = await runTandemMeasured(['backfill', '--table', `${keyspace}.user_activity`, '--json']);
  if (copy.code !== 0) throw new Error(`tandem backfill exited ${copy.code}: ${copy.stdout}`);
  console.log(`seeded the source and backfilled the target in ${((performance.now() - seedBegan) / 1000).toFixed(1)} s`);

  const ceiling = await readBothCeiling();
  console.log(`ceiling (driver reads both tables in full at once, no write times, no comparison): ${Math.round(ceiling)} rows/s`);
  const measured = await validate();
  const ratio = measured.rowsPerSecond / ceiling;
  console.log(
    `tandem validate: ${Math.round(measured.rowsPerSecond)} rows/s compared in ${measured.seconds.toFixed(1)} s, ${measured.cpuSecondsPerMillionRows.toFixed(1)} CPU-s per 1M rows, peak RSS ${measured.peakRssMb} MB; ratio to the ceiling ${ratio.toFixed(2)}`,
  );
  if (!args['keep-stack']) await stopBenchStack();
  console.log(
    JSON.stringify({
      rows: total,
      rowsPerPartition: rows.perPartition,
      ceiling: Math.round(ceiling),
      validate: { ...measured, rowsPerSecond: Math.round(measured.rowsPerSecond) },
      ratio: Number(ratio.toFixed(3)),
    }),
  );
}

await main();
