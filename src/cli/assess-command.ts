import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { connectCluster, createCqlClient } from '../cql/index.js';
import { runAssessment } from '../schema/index.js';
import type { Output } from './output.js';
import { formatAssessment } from './schema-output.js';
import { parseProfile, parseSampleRows } from './schema-options.js';

interface AssessCommandOptions {
  config?: string;
  keyspace?: string[];
  profile?: string;
  sampleRows: string;
  json?: boolean;
}

export function registerAssessCommand(program: Command, output: Output): void {
  program
    .command('assess')
    .description('list what blocks or changes moving the source keyspaces to the target, with severity (blocker, change, note) and the fix')
    .option('-c, --config <file>', 'config file (default: ./tandem.yaml, else the local defaults)')
    .option('-k, --keyspace <name...>', 'keyspaces to assess (default: every keyspace of the source but system, DSE and OpsCenter ones)')
    .option('--profile <profile>', 'assess for this target profile instead of target.profile: keyspaces or cassandra')
    .option('--sample-rows <n>', 'rows read per table to check row and key sizes and TTL use (keyspaces profile; 0 = none)', '300')
    .option('--json', 'print the findings as JSON')
    .addHelpText(
      'after',
      '\nExits 0 once the assessment ran, whatever it found; blockers are listed first.\n\nExample:\n  $ tandem assess --keyspace msk_ks_cass_blog --profile keyspaces',
    )
    .action(async (options: AssessCommandOptions) => {
      const { config } = loadConfig(options.config);
      const profile = parseProfile(options.profile, config.target.profile);
      const sampleRows = parseSampleRows(options.sampleRows);
      const source = createCqlClient(config.source);
      // Only a Cassandra target is asked anything: its release decides which types it has.
      const target = profile === 'cassandra' ? createCqlClient(config.target, { profile: config.target.profile }) : undefined;
      try {
        await connectCluster(source, 'source', config.source);
        if (target) await connectCluster(target, 'target', config.target);
        const report = await runAssessment({ source, target, profile, keyspaces: options.keyspace, sampleRows });
        if (options.json) output.info(JSON.stringify(report, null, 2));
        else for (const line of formatAssessment(report)) output.info(line);
      } finally {
        await Promise.all([source.shutdown(), target?.shutdown()]);
      }
    });
}
