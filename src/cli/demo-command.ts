import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { demoTable, runMigrationDemo, type DemoReport } from '../demo/index.js';
import { loadConfig } from '../config/index.js';
import { createLogger } from './logger.js';
import { wholeNumber } from './option-values.js';
import { table, type Output } from './output.js';

interface DemoCommandOptions {
  config?: string;
  dataDir?: string;
  historyRows: string;
  rate: string;
  seconds: string;
}

export function registerDemoCommand(program: Command, output: Output): void {
  program
    .command('demo')
    .description('run a whole migration on the local stack: schema, dual writes, backfill, validation and the cutover gates (what `npm start` runs)')
    .option('-c, --config <file>', 'config with the stack addresses (default: ./tandem.yaml, else the local defaults)')
    .option('-d, --data-dir <dir>', 'where the stack and the demo keep their data (default: the config\'s stack.dataDir, else ./.tandem)')
    .option('--history-rows <n>', 'rows of history written to the source before dual writes begin', '5000')
    .option('--rate <n>', 'records per second of live activity during the backfill', '200')
    .option('--seconds <n>', 'how long the live activity lasts', '10')
    .addHelpText('after', '\nStarts the stack if it is not running and leaves it running; `tandem down` stops it.\n\nExample:\n  $ tandem demo --history-rows 20000 --rate 500')
    .action(async (options: DemoCommandOptions) => {
      const { config: base, secrets } = loadConfig(options.config);
      const logger = createLogger(secrets, process.env.TANDEM_LOG_LEVEL ?? 'warn');
      const report = await runMigrationDemo({
        base,
        dataDir: options.dataDir ?? base.stack.dataDir ?? '.tandem',
        historyRows: wholeNumber('--history-rows', options.historyRows, 1, 1_000_000),
        streamRate: wholeNumber('--rate', options.rate, 1, 100_000),
        streamSeconds: wholeNumber('--seconds', options.seconds, 1, 3600),
        logger,
        step: (line) => output.progress(line),
      });
      logger.flush();
      for (const line of formatDemoReport(report)) output.info(line);
    });
}


/** `--data-dir X` when the stack lives elsewhere than `tandem down` looks by default. */
function dataDirOption(config: DemoReport['config']): string {
  const dir = config.stack.dataDir;
  return dir && resolve(dir) !== resolve('.tandem') ? ` --data-dir ${shown(dir)}` : '';
}

const shown = (path: string) => {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
};

export function formatDemoReport(r: DemoReport): string[] {
  const config = shown(r.configFile);
  const v = r.validation;
  return [
    '',
    `Migration of ${demoTable}: source Cassandra -> target (Keyspaces-like, TLS on 9142)`,
    '',
    ...table([
      ['', 'rows', 'sink lag', 'written by sink', 'dead-lettered', 'sink group'],
      ...r.destinations.map((d) => [d.destination, String(d.rows), String(d.lag), String(d.written), String(d.deadLettered), `tandem-demo-${d.destination}`]),
    ]).map((line) => `  ${line}`),
    '',
    `  dual writes: ${r.produced.samples} sample records of the reference design + ${r.produced.live} live records, each to both sides with the same USING TIMESTAMP`,
    `  backfill:    ${r.backfill.rowsWritten} historical rows copied in ${r.backfill.rangesTotal} token ranges, each cell with its source write time and TTL (${Math.round(r.backfill.thisProcess.rowsPerSecond)} rows/s)`,
    `  validation:  ${v.sourceRows} source rows vs ${v.targetRows} target rows: ${v.clean ? 'CLEAN' : `${v.remaining.missing} missing, ${v.remaining.extra} extra, ${v.remaining.mismatched} mismatched`}`,
    '',
    'Cutover gates:',
    ...r.gates.map((g) => `  [${g.pass ? 'pass' : 'FAIL'}] ${g.name} (${g.reason})`),
    '',
    r.ready ? 'READY TO CUT OVER: the target holds what the source holds and both sinks are caught up.' : 'NOT READY: see the failing gates above.',
    '',
    `Keep dual-writing: tandem sink --config ${config}   (status: http://${r.config.status.host}:${r.config.status.port}/api/status and /metrics)`,
    'Look at the data yourself:',
    `  tandem validate --config ${config} --table ${demoTable} --compare values+writetime`,
    `  tandem status --config ${config}`,
    `  tandem dashboard --config ${config}   (then open http://127.0.0.1:9465/: lag, throughput, backfill by range, validation, gates)`,
    `  any CQL client: source ${r.config.source.contactPoints[0]} (cassandra/cassandra), target ${r.config.target.contactPoints[0]} with TLS (CA ${shown(r.stack.caFile)}, ks-user/ks-password)`,
    `Stop the stack: tandem down${dataDirOption(r.config)}   (add --purge to delete its data)`,
  ];
}
