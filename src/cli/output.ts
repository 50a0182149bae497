import { describeError, isTandemError, KafkaAccessError } from '../errors.js';

/** Where a command writes: stdout for results, stderr for progress and errors. Injected for tests. */
export interface Output {
  info(line: string): void;
  progress(line: string): void;
  error(line: string): void;
}

export const consoleOutput: Output = {
  info: (line) => process.stdout.write(`${line}\n`),
  progress: (line) => process.stderr.write(`${line}\n`),
  error: (line) => process.stderr.write(`${line}\n`),
};

/** Exit codes shared by every command. */
/** Exit codes shared by every command; `unsettled`: validate could not judge rows while the sinks were behind. */
export const exitCodes = { ok: 0, failed: 1, error: 2, unsettled: 3 } as const;

/**
 * Ends a command with a chosen exit code, after reporting `error` if there is one: e.g. validate
 * exits 1 for differences found and 2 for an error, where other commands exit 1 on any error.
 */
export class CommandExit extends Error {
  constructor(
    readonly exitCode: number,
    readonly error?: unknown,
  ) {
    super(`exit ${exitCode}`);
  }
}

/**
 * Prints an error as one line (plus any log excerpt it carries) and returns the exit code: 2 for
 * settings Kafka refuses (running again unchanged cannot help), 1 for anything else.
 */
export function reportError(output: Output, error: unknown): number {
  output.error(`tandem: ${describeError(error)}`);
  if (!isTandemError(error) && process.env.TANDEM_DEBUG && error instanceof Error && error.stack) output.error(error.stack);
  const refusedByKafka = error instanceof KafkaAccessError || (error instanceof Error && error.cause instanceof KafkaAccessError);
  return refusedByKafka ? exitCodes.error : exitCodes.failed;
}

/** Fixed-width columns for small tables of servers, ranges and the like. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}
