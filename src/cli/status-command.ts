import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../config/index.js';
import { readRunningSinks, StatusCollector } from '../status/index.js';
import type { Output } from './output.js';
import { formatStatusReport } from './status-output.js';

interface StatusOptions {
  config?: string;
  dataDir?: string;
  json?: boolean;
}

/** Throughput is what the sinks committed between two looks at Kafka this far apart. */
const throughputWindowMs = 1_000;

export function registerStatusCommand(program: Command, output: Output): void {
  program
    .command('status')
    .description('show the migration phase, the local stack, each sink\'s lag and throughput, backfill and validation jobs, and the cutover gates')
    .option('-c, --config <file>', 'config of the migration (default: ./tandem.yaml, else the local defaults)')
    .option('-d, --data-dir <dir>', 'data dir of the local stack (default: ./.tandem)')
    .option('--json', 'print the status as JSON (the same object as /api/status of `tandem dashboard`)')
    .addHelpText(
      'after',
      '\nTakes about a second: throughput is measured over one. Kafka being down is shown, not an error.\n\nExample:\n  $ tandem status --config tandem.yaml\n  $ tandem status --json | jq \'.gates[] | select(.pass | not)\'',
    )
    .action(async (options: StatusOptions) => {
      const { config } = loadConfig(options.config);
      const collector = new StatusCollector({ config, dataDir: options.dataDir, sinkProcesses: () => readRunningSinks(config.status) });
      try {
        let report = await collector.collect();
        if (report.kafka.reachable && report.sinks.length > 0) {
          await sleep(throughputWindowMs);
          report = await collector.collect();
        }
        if (options.json) output.info(JSON.stringify(report, null, 2));
        else for (const line of formatStatusReport(report)) output.info(line);
      } finally {
        await collector.close();
      }
    });
}
