import type { Command } from 'commander';
import { backfillJobName, runBackfill, type BackfillSummary } from '../backfill/index.js';
import { loadConfig } from '../config/index.js';
import { BackfillIncompleteError } from '../errors.js';
import { checkKafkaAccess, kafkaConnection } from '../kafka/index.js';
import { printConfig } from './config-command.js';
import { stopOnSignals } from './stop-signals.js';
import { createLogger } from './logger.js';
import type { Output } from './output.js';
import { wholeNumber, timeOption } from './option-values.js';
import { formatEta, progressDisplay } from './progress-display.js';

interface BackfillCommandOptions {
  config?: string;
  printConfig?: boolean;
  table: string;
  job?: string;
  worker?: boolean;
  splits: string;
  concurrency: string;
  pageSize: string;
  maxRowsPerSecond?: string;
  dualWritesSince?: string;
  json?: boolean;
}

export function registerBackfillCommand(program: Command, output: Output): void {
  program
    .command('backfill')
    .description('copy the rows written before dual writes began from the source to the target, range by range, each cell with its source write time and TTL')
    .option('-c, --config <file>', 'config file (default: ./tandem.yaml, else the local defaults)')
    .requiredOption('-t, --table <keyspace.table>', 'the table to copy')
    .option('--job <name>', 'job name: progress is kept in Kafka under it, so the same name resumes (default: backfill-<keyspace>.<table>)')
    .option('--worker', 'join a job planned by another `tandem backfill --job NAME` instead of planning it; run as many as you like')
    .option('--splits <n>', 'token ranges to split the ring into, at least (a new job only)', '256')
    .option('--concurrency <n>', 'ranges this process copies at once', '4')
    .option('--page-size <rows>', 'rows read per page', '2000')
    .option('--max-rows-per-second <n>', 'pace writes to the target (e.g. its provisioned capacity)')
    .option('--dual-writes-since <time>', 'when the sinks started (ISO-8601): the write time given to rows that have only primary key columns (default: when the job is planned)')
    .option('--json', 'print the summary as JSON on stdout')
    .option('--print-config', 'print the effective config (secrets masked) and exit')
    .addHelpText(
      'after',
      [
        '',
        'Start the sinks first: a row backfilled with its old write time never overwrites a newer dual write.',
        'Stopped (Ctrl-C, a crash) and started again with the same --job, it redoes at most the ranges that were in flight.',
        'Exits 0 when every range is copied and every row taken, 1 otherwise.',
        '',
        'Examples:',
        '  $ tandem backfill --table msk_ks_cass_blog.user_activity',
        '  $ tandem backfill --table msk_ks_cass_blog.user_activity --job ua --splits 1024   # on one machine',
        '  $ tandem backfill --table msk_ks_cass_blog.user_activity --job ua --worker        # on each other machine',
      ].join('\n'),
    )
    .action(async (options: BackfillCommandOptions) => {
      const loaded = loadConfig(options.config);
      if (options.printConfig) return printConfig(loaded, output);
      const { config, secrets } = loaded;
      await checkKafkaAccess(kafkaConnection(config.kafka));
      const job = options.job ?? backfillJobName(options.table);
      const logger = createLogger(secrets);
      const stop = stopOnSignals(() => output.progress('stopping: ranges in flight will be redone when the job runs again'));
      const display = progressDisplay(output, `backfill ${job}`, 'ranges');
      let summary: BackfillSummary;
      try {
        summary = await runBackfill(
          {
            config,
            table: options.table,
            job,
            worker: options.worker ?? false,
            splits: wholeNumber('--splits', options.splits, 1, 100_000),
            concurrency: wholeNumber('--concurrency', options.concurrency, 1, 256),
            pageSize: wholeNumber('--page-size', options.pageSize, 1, 100_000),
            maxRowsPerSecond: options.maxRowsPerSecond === undefined ? undefined : wholeNumber('--max-rows-per-second', options.maxRowsPerSecond, 1, 10_000_000),
            dualWritesSinceMs: options.dualWritesSince === undefined ? undefined : timeOption('--dual-writes-since', options.dualWritesSince),
            logger,
            onProgress: (p) =>
              display.update({
                done: p.rangesDone,
                total: p.rangesTotal,
                detail: `${p.rowsWritten.toLocaleString('en-US')} rows | ${Math.round(p.rowsPerSecond).toLocaleString('en-US')} rows/s | ETA ${formatEta(p.etaSeconds)}`,
              }),
          },
          stop.signal,
        );
      } finally {
        display.stop();
        stop.dispose();
        logger.flush();
      }
      if (options.json) output.info(JSON.stringify(summary, null, 2));
      else for (const line of formatSummary(summary)) output.info(line);
      if (!summary.complete) {
        throw new BackfillIncompleteError(`job ${job} stopped with ${summary.rangesDone} of ${summary.rangesTotal} ranges copied`, { hint: `Run the same command again (--job ${job}) to resume` });
      }
      if (summary.rowsRejected > 0) {
        throw new BackfillIncompleteError(`the target refused ${summary.rowsRejected} row(s); every other row is copied`, { hint: 'The summary lists the first refused keys and why; fix them and run validate --repair' });
      }
    });
}



export function formatSummary(s: BackfillSummary): string[] {
  const lines = [
    `backfill ${s.job} (${s.table}): ${s.complete ? 'complete' : 'incomplete'}`,
    `  ranges:   ${s.rangesDone} of ${s.rangesTotal} copied`,
    `  rows:     ${s.rowsRead} read, ${s.rowsWritten} written, ${s.rowsRejected} refused by the target`,
    `  this run: ${s.thisProcess.ranges} ranges, ${s.thisProcess.rowsWritten} rows in ${s.thisProcess.seconds.toFixed(1)} s (${Math.round(s.thisProcess.rowsPerSecond)} rows/s), ${s.thisProcess.retries} retries`,
  ];
  for (const r of s.rejections) lines.push(`  refused:  ${r.key}: ${r.reason}`);
  return lines;
}
