import { Command, CommanderError } from 'commander';
import { CommandExit, consoleOutput, exitCodes, reportError, type Output } from './output.js';
import { registerConfigCommand } from './config-command.js';
import { registerProduceCommand } from './produce-command.js';
import { registerAssessCommand } from './assess-command.js';
import { registerSchemaCommand } from './schema-command.js';
import { registerBackfillCommand } from './backfill-command.js';
import { registerValidateCommand } from './validate-command.js';
import { registerDemoCommand } from './demo-command.js';
import { registerSinkCommand } from './sink-command.js';
import { registerDlqCommand } from './dlq-command.js';
import { registerStackCommands } from './stack-commands.js';
import { registerStatusCommand } from './status-command.js';
import { registerDashboardCommand } from './dashboard-command.js';

export function buildProgram(output: Output = consoleOutput): Command {
  const program = new Command('tandem')
    .description('Move a live Cassandra application to Amazon Keyspaces (or any CQL database) with Kafka dual writes')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError();
  registerStackCommands(program, output);
  registerStatusCommand(program, output);
  registerDashboardCommand(program, output);
  registerProduceCommand(program, output);
  registerSinkCommand(program, output);
  registerDlqCommand(program, output);
  registerConfigCommand(program, output);
  registerAssessCommand(program, output);
  registerSchemaCommand(program, output);
  registerBackfillCommand(program, output);
  registerValidateCommand(program, output);
  registerDemoCommand(program, output);
  return program;
}

/** Runs the CLI and returns the exit code: 0 done, 1 failed, 2 usage error. */
export async function main(argv: readonly string[], output: Output = consoleOutput): Promise<number> {
  const program = buildProgram(output);
  try {
    await program.parseAsync(argv as string[]);
    return exitCodes.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? exitCodes.ok : exitCodes.error;
    if (error instanceof CommandExit) {
      if (error.error !== undefined) reportError(output, error.error);
      return error.exitCode;
    }
    return reportError(output, error);
  }
}
