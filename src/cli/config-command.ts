import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadConfig, redact, type LoadedConfig } from '../config/index.js';
import type { Output } from './output.js';

export function registerConfigCommand(program: Command, output: Output): void {
  program
    .command('config')
    .description('print the effective config (file, defaults filled in), with every secret shown as ***')
    .option('-c, --config <file>', 'config file (default: ./tandem.yaml, else the local defaults)')
    .addHelpText('after', '\nExample:\n  $ KEYSPACES_PASSWORD=... tandem config --config tandem.yaml')
    .action((options: { config?: string }) => printConfig(loadConfig(options.config), output));
}

/** The config as YAML, passwords masked by field and every substituted secret by value. */
export function printConfig({ config, origin, secrets }: LoadedConfig, output: Output): void {
  output.info(`# ${origin}`);
  // Masked by field as well as by value: a password written literally in the file is a secret too.
  const masked = stringify(config, (key, value: unknown) => (key === 'password' ? '***' : value));
  output.info(redact(masked, secrets).trimEnd());
}
