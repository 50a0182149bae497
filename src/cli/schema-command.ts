import type { Command } from 'commander';
import { loadConfig, type TandemConfig } from '../config/index.js';
import { connectCluster, createCqlClient, splitTable } from '../cql/index.js';
import { ConfigError, SchemaConflictError } from '../errors.js';
import { copySchema, describeItem, sampleKey } from '../schema/index.js';
import type { Output } from './output.js';
import { formatSchemaItem, formatSchemaPlan, formatSchemaReport } from './schema-output.js';
import { parseProfile, parseSampleRows } from './schema-options.js';

interface SchemaCommandOptions {
  config?: string;
  keyspace?: string[];
  dryRun?: boolean;
  profile?: string;
  sampleRows: string;
  json?: boolean;
}

export function registerSchemaCommand(program: Command, output: Output): void {
  program
    .command('schema')
    .description('create the source keyspaces, types and tables on the target, translated for its profile; identical ones are left alone, differing ones reported as conflicts')
    .option('-c, --config <file>', 'config file (default: ./tandem.yaml, else the local defaults)')
    .option('-k, --keyspace <name...>', 'keyspaces to create (default: every keyspace of the source but system, DSE and OpsCenter ones)')
    .option('--dry-run', 'print the CQL it would run and run nothing')
    .option('--profile <profile>', 'with --dry-run: write the CQL for this profile (keyspaces or cassandra) instead of target.profile')
    .option('--sample-rows <n>', 'keyspaces profile: rows read per table to see whether its data uses TTL (0 = none: TTL is then enabled on every table)', '300')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nNever alters or drops: a table or type that differs on the target is reported as a conflict and the run exits 1.\n\nExample:\n  $ tandem schema --keyspace msk_ks_cass_blog --dry-run --profile keyspaces',
    )
    .action(async (options: SchemaCommandOptions) => {
      const { config } = loadConfig(options.config);
      const dialectProfile = parseProfile(options.profile, config.target.profile);
      // copySchema refuses this too; said here first, before anything is connected.
      if (dialectProfile !== config.target.profile && !options.dryRun) {
        throw new ConfigError(`--profile ${dialectProfile} needs --dry-run: the target's profile is target.profile (${config.target.profile})`);
      }
      const sampleRows = parseSampleRows(options.sampleRows);
      const source = createCqlClient(config.source);
      const target = createCqlClient(config.target, { profile: config.target.profile });
      try {
        await connectCluster(source, 'source', config.source);
        await connectCluster(target, 'target', config.target);
        const report = await copySchema({
          source,
          target,
          targetProfile: config.target.profile,
          dialectProfile,
          keyspaces: options.keyspace,
          dryRun: options.dryRun ?? false,
          sampleRows,
          ttlTables: configuredTtlTables(config),
          // On stderr as it happens: the plan first, so conflicts and skips are known even if a CREATE fails.
          onPlan: (items) => formatSchemaPlan(items).forEach((line) => output.progress(line)),
          onItem: (item) => output.progress(formatSchemaItem(item)),
        });
        if (options.json) output.info(JSON.stringify(report, null, 2));
        else for (const line of formatSchemaReport(report)) output.info(line);
        const conflicts = report.items.filter((i) => i.status === 'conflict');
        if (conflicts.length > 0) {
          throw new SchemaConflictError(`${conflicts.map(describeItem).join(', ')} ${conflicts.length === 1 ? 'differs' : 'differ'} on the target and ${conflicts.length === 1 ? 'was' : 'were'} left as is`, {
            hint: 'Tandem never alters or drops: change or drop it on the target yourself if the source definition should win, then run tandem schema again',
          });
        }
      } finally {
        await Promise.all([source.shutdown(), target.shutdown()]);
      }
    });
}

/** Tables a topic writes with TTLs: Keyspaces must have TTL enabled on them. */
function configuredTtlTables(config: TandemConfig): Set<string> {
  return new Set(config.topics.filter((t) => t.ttl !== 'none').map((t) => sampleKey(...splitTable(t.table))));
}
