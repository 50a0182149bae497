import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import { jobTopics } from '../jobs/index.js';
import { splitTable } from '../cql/index.js';
import { checkKafkaAccess, kafkaConnection } from '../kafka/index.js';
import { compareModes, newValidationJobName, runValidation, type CompareMode, type ValidationReport } from '../validate/index.js';
import { printConfig } from './config-command.js';
import { stopOnSignals } from './stop-signals.js';
import { createLogger } from './logger.js';
import { CommandExit, exitCodes, type Output } from './output.js';
import { wholeNumber, timeOption } from './option-values.js';
import { progressDisplay } from './progress-display.js';

interface ValidateCommandOptions {
  config?: string;
  printConfig?: boolean;
  table: string;
  splits: string;
  concurrency: string;
  pageSize: string;
  compare: string;
  repair?: boolean;
  repairExtra?: boolean;
  sourceWins?: boolean;
  job?: string;
  worker?: boolean;
  sample: string;
  examples: string;
  dualWritesSince?: string;
  json?: boolean;
}


export function registerValidateCommand(program: Command, output: Output): void {
  program
    .command('validate')
    .description('compare a table on the source and the target range by range; --repair rewrites missing and mismatched rows on the target')
    .option('-c, --config <file>', 'config file (default: ./tandem.yaml, else the local defaults)')
    .requiredOption('-t, --table <keyspace.table>', 'the table to compare')
    .option('--splits <n>', 'token ranges to split the ring into, at least', '64')
    .option('--concurrency <n>', 'ranges compared at once', '4')
    .option('--page-size <rows>', 'rows read per page on each side', '2000')
    .option('--compare <what>', `${compareModes.join(' or ')}: with values+writetime a cell whose value matches but whose write time differs is a difference too`, 'values')
    .option('--repair', 'write the source version of every missing or mismatched row to the target, each cell with its source write time and TTL, then check it again')
    .option(
      '--repair-extra',
      'also delete rows only the target holds, each at the newest write time it holds there, so a newer write on its way still wins',
    )
    .option(
      '--source-wins',
      'with --repair (and --repair-extra): for rows the target holds a newer value or delete of, write the source version above it (above now for a delete), listing each row and the timestamp used; refused while the sinks are behind',
    )
    .option('--job <name>', 'job name: progress is kept in Kafka under it, so the same name resumes or joins it (default: a new job, validate-<keyspace>.<table>-<time>)')
    .option('--worker', 'join a job planned by another `tandem validate --job NAME` instead of planning it')
    .option('--sample <percent>', 'compare this share of the ranges, picked at random', '100')
    .option('--examples <n>', 'differences listed by key (all are counted)', '20')
    .option('--dual-writes-since <time>', 'when the sinks started (ISO-8601): lets repair write rows that have only key columns, at that time')
    .option('--json', 'print the report as JSON on stdout')
    .option('--print-config', 'print the effective config (secrets masked) and exit')
    .addHelpText(
      'after',
      [
        '',
        'Rows that differ are read again on both sides before they are reported, so a validation while the sinks run does not report rows they were writing.',
        'Repair never overwrites a newer value or delete on the target, unless --source-wins says so. Extra rows on the target are reported and left alone unless --repair-extra.',
        'A row that differs while the sinks have not yet written what Kafka held when it was seen is "unsettled": never reported as a difference, never repaired.',
        'The comparison is a job kept in Kafka: stopped, it resumes with the same --job; --worker processes share its ranges.',
        'Exits 0 when both sides hold the same rows, 1 when differences remain, 3 when the only differences are unsettled (run again once the sinks caught up), 2 on an error.',
        '',
        'Examples:',
        '  $ tandem validate --table msk_ks_cass_blog.user_activity',
        '  $ tandem validate --table msk_ks_cass_blog.user_activity --compare values+writetime --repair',
        '  $ tandem validate --table msk_ks_cass_blog.user_activity --repair --source-wins   # the source version wins over hand damage on the target',
        '  $ tandem validate --table msk_ks_cass_blog.user_activity --job ua-check --splits 1024   # on one machine',
        '  $ tandem validate --table msk_ks_cass_blog.user_activity --job ua-check --worker        # on each other machine',
      ].join('\n'),
    )
    .action(async (options: ValidateCommandOptions) => {
      let report: ValidationReport | undefined;
      try {
        report = await validate(options, output);
      } catch (error) {
        throw new CommandExit(exitCodes.error, error);
      }
      if (!report) return;
      if (options.json) output.info(JSON.stringify(report, null, 2));
      else for (const line of formatReport(report)) output.info(line);
      if (!report.clean) throw new CommandExit(differencesLeft(report) > 0 ? exitCodes.failed : exitCodes.unsettled);
    });
}

/** Runs the validation the options ask for; undefined for --print-config. */
async function validate(options: ValidateCommandOptions, output: Output): Promise<ValidationReport | undefined> {
  const loaded = loadConfig(options.config);
  if (options.printConfig) {
    printConfig(loaded, output);
    return undefined;
  }
  const { config, secrets } = loaded;
  const job = options.job ?? newValidationJobName(splitTable(options.table).join('.'));
  jobTopics(job, 'validate');
  if (options.sourceWins && !options.repair && !options.repairExtra) {
    throw new ConfigError('--source-wins decides what repair does: use it with --repair (and --repair-extra for rows only the target holds)');
  }
  const settings = {
    config,
    table: options.table,
    job,
    worker: options.worker ?? false,
    splits: wholeNumber('--splits', options.splits, 1, 100_000),
    concurrency: wholeNumber('--concurrency', options.concurrency, 1, 256),
    pageSize: wholeNumber('--page-size', options.pageSize, 1, 100_000),
    compare: compareMode(options.compare),
    repair: options.repair ?? false,
    repairExtra: options.repairExtra ?? false,
    sourceWins: options.sourceWins ?? false,
    samplePercent: wholeNumber('--sample', options.sample, 1, 100),
    maxExamples: wholeNumber('--examples', options.examples, 0, 100_000),
    dualWritesSinceMs: options.dualWritesSince === undefined ? undefined : timeOption('--dual-writes-since', options.dualWritesSince),
  };
  await checkKafkaAccess(kafkaConnection(config.kafka));
  const logger = createLogger(secrets);
  const stop = stopOnSignals(() => output.progress(`stopping: resume with --job ${job}`));
  output.progress(`validation job ${job}`);
  const display = progressDisplay(output, `validate ${job}`, 'ranges');
  try {
    return await runValidation(
      {
        ...settings,
        logger,
        onProgress: (p) => display.update({ done: p.rangesDone, total: p.rangesTotal, detail: `${p.rowsCompared.toLocaleString('en-US')} rows compared` }),
      },
      stop.signal,
    );
  } finally {
    display.stop();
    stop.dispose();
    logger.flush();
  }
}

function compareMode(text: string): CompareMode {
  if ((compareModes as readonly string[]).includes(text)) return text as CompareMode;
  throw new ConfigError(`--compare ${text} is not one of ${compareModes.join(', ')}`);
}

export function formatReport(r: ValidationReport): string[] {
  const d = r.differences;
  const lines = [
    `validate ${r.table} (${r.compare}), job ${r.job}: ${r.rangesCompared} of ${r.rangesTotal} ranges, ${r.sourceRows} source rows, ${r.targetRows} target rows`,
    `  this run: ${r.thisProcess.ranges} ranges, ${r.thisProcess.rowsCompared} rows in ${r.seconds.toFixed(1)} s (${Math.round(r.rowsPerSecond)} rows/s)`,
    `  missing in target: ${d.missing}`,
    `  extra in target:   ${d.extra}`,
    `  mismatched:        ${d.mismatched}`,
    `  changed while compared (read again, then equal): ${r.changedWhileCompared}`,
    `  unsettled (the sinks were behind; not judged): ${r.unsettled}`,
  ];
  for (const e of r.examples) {
    const columns = e.columns.map((c) => `${c.column}${c.kind === 'writetime' ? ' (write time)' : c.kind === 'ttl' ? ' (expires at)' : ''}: ${c.source} vs ${c.target}`).join('; ');
    lines.push(`  ${e.kind.padEnd(10)} ${e.key}${columns ? `  ${columns}` : ''}`);
  }
  for (const e of r.unsettledExamples) lines.push(`  unsettled  ${e.key} (${e.kind}): ${e.reason ?? ''}`);
  if (r.repair) {
    lines.push(`  repair: ${r.repair.fixed} of ${r.repair.attempted} rows fixed`);
    if (r.repair.sourceWins) {
      lines.push(`  source wins: ${r.repair.sourceWon ?? r.repair.sourceWins.length} row(s) written over a newer target version`);
      for (const w of r.repair.sourceWins) lines.push(`  source won ${w.key} (${w.kind}) at timestamp ${w.timestampUs} (${new Date(Number(BigInt(w.timestampUs) / 1000n)).toISOString()})`);
    }
    for (const e of r.repair.notFixed) lines.push(`  not fixed  ${e.key} (${e.kind}): ${e.reason ?? ''}`);
  }
  const left = differencesLeft(r);
  if (r.clean) lines.push('verdict: CLEAN, the target holds what the source holds');
  else if (left > 0) lines.push(`verdict: DIFFERENT, ${left} row(s) differ${r.repair ? ' after repair' : ''}${r.unsettled > 0 ? `, and ${r.unsettled} more are unsettled` : ''}`);
  else lines.push(`verdict: UNSETTLED, ${r.unsettled} row(s) differ while the sinks are behind; nothing was judged or repaired for them: validate again once the sinks have caught up`);
  return lines;
}

function differencesLeft(r: ValidationReport): number {
  return r.remaining.missing + r.remaining.extra + r.remaining.mismatched;
}
