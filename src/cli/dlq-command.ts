import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { DeadLettersExpiredError } from '../errors.js';
import { inspectDeadLetters, replayDeadLetters, type DeadLetterInspection, type ReplaySummary } from '../dlq/index.js';
import { checkKafkaAccess, kafkaConnection } from '../kafka/index.js';
import { CommandExit, exitCodes, type Output } from './output.js';
import { createLogger } from './logger.js';
import { wholeNumber } from './option-values.js';
import { stopOnSignals } from './stop-signals.js';

interface DlqOptions {
  config?: string;
  topic: string;
  json?: boolean;
}

export function registerDlqCommand(program: Command, output: Output): void {
  const dlq = program.command('dlq').description('look at dead-lettered records and replay them once their cause is fixed');

  dlq
    .command('inspect')
    .description('show the dead letters a replay has not consumed yet, with why each was refused')
    .option('-c, --config <file>', 'config file (default: ./tandem.yaml, else the local defaults)')
    .requiredOption('--topic <topic>', 'the dead-letter topic (a topic\'s deadLetterTopic, by default <topic>.dlq)')
    .option('--all', 'also the letters already replayed (all the broker still holds)')
    .option('--limit <n>', 'letters shown at most (all are counted)', '20')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  $ tandem dlq inspect --topic user-activity.dlq --limit 5')
    .action(async (options: DlqOptions & { all?: boolean; limit: string }) => {
      const limit = wholeNumber('--limit', options.limit, 0, 100_000);
      const { config } = loadConfig(options.config);
      await checkKafkaAccess(kafkaConnection(config.kafka));
      const inspection = await inspectDeadLetters(kafkaConnection(config.kafka), options.topic, { all: options.all ?? false, limit });
      if (options.json) output.info(JSON.stringify(inspection, (_key, value: unknown) => jsonValue(value), 2));
      else for (const line of formatInspection(inspection, options.all ?? false)) output.info(line);
    });

  dlq
    .command('replay')
    .description('write every undrained dead letter again, to the destination that refused it, with its original write time')
    .option('-c, --config <file>', 'config file (default: ./tandem.yaml, else the local defaults)')
    .requiredOption('--topic <topic>', 'the dead-letter topic to drain')
    .option('--json', 'print the summary as JSON')
    .option('--skip-expired', 'go past letters the broker deleted before a replay read them, once their tables were repaired')
    .addHelpText(
      'after',
      [
        '',
        'Fix the cause first (add the column, raise the limit): each letter is decoded again with the topic\'s mapping and the table as it is now.',
        'A letter that still cannot be written goes back to the end of the topic with its new reason; exit 1 when any did.',
        'Stopped halfway (Ctrl-C), the next replay goes on where it stopped.',
        'Letters the broker deleted unread (a topic whose retention was not forever) stop the replay with exit 2: their',
        'records were never written. Repair their tables (tandem validate --repair), then replay with --skip-expired.',
        '',
        'Example:',
        '  $ tandem dlq replay --topic user-activity.dlq',
      ].join('\n'),
    )
    .action(async (options: DlqOptions & { skipExpired?: boolean }) => {
      const { config, secrets } = loadConfig(options.config);
      await checkKafkaAccess(kafkaConnection(config.kafka));
      const logger = createLogger(secrets);
      const stop = stopOnSignals(() => output.progress('stopping: the letter being written is replayed next time'));
      let summary: ReplaySummary;
      try {
        summary = await replayDeadLetters({ config, topic: options.topic, logger, skipExpired: options.skipExpired ?? false }, stop.signal);
      } catch (error) {
        // Apart from exit 1 (letters dead-lettered again): nothing was replayed, and a replay alone cannot fix it.
        if (error instanceof DeadLettersExpiredError) throw new CommandExit(exitCodes.error, error);
        throw error;
      } finally {
        stop.dispose();
        logger.flush();
      }
      if (options.json) output.info(JSON.stringify(summary, null, 2));
      else for (const line of formatReplay(summary)) output.info(line);
      if (summary.deadLetteredAgain > 0 || summary.stopped) throw new CommandExit(exitCodes.failed);
    });
}

function jsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('utf8') : v]));
  if (value && typeof value === 'object' && (value as { type?: string }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return Buffer.from((value as { data: number[] }).data).toString('utf8');
  }
  return value;
}

function shorten(text: string, max = 160): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

export function formatInspection(inspection: DeadLetterInspection, all: boolean): string[] {
  const expired = inspection.expired > 0 ? ` (${inspection.expired} of them deleted by the broker unread: records never written)` : '';
  const lines = [`${inspection.topic}: ${inspection.undrained} dead letter(s) not replayed${expired}${all ? `, ${inspection.total} held in all` : ''}`];
  for (const letter of inspection.letters) {
    lines.push(
      `  ${letter.partition}:${letter.offset} ${letter.deadLetteredAt ?? ''} ${letter.destination ?? '?'} ${letter.reason}: ${shorten(letter.error)}`,
      `    from ${letter.sourceTopic ?? '?'}:${letter.sourcePartition ?? '?'}:${letter.sourceOffset ?? '?'}  key ${shorten(letter.original.key?.toString('utf8') ?? 'null')}  value ${shorten(letter.original.value?.toString('utf8') ?? 'null (a delete)')}`,
    );
  }
  if (inspection.letters.length < inspection.total) lines.push(`  … ${inspection.total - inspection.letters.length} more (--limit)`);
  return lines;
}

export function formatReplay(summary: ReplaySummary): string[] {
  const skipped = summary.expiredSkipped > 0 ? `, ${summary.expiredSkipped} deleted unread and gone past` : '';
  const lines = [`${summary.topic}: ${summary.read} read, ${summary.replayed} replayed, ${summary.deadLetteredAgain} dead-lettered again${skipped}${summary.stopped ? ' (stopped before the end)' : ''}`];
  for (const again of summary.again) lines.push(`  again: ${again.sourceTopic}@${again.sourceOffset} ${again.destination} ${again.reason}: ${shorten(again.error)}`);
  return lines;
}
