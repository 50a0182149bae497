import { pino, type Logger } from 'pino';
import { redact } from '../config/index.js';

/**
 * Structured logs, one JSON event per line on stderr (stdout carries results). Every line passes
 * through `redact`, so a secret from the config never reaches a log, whatever carried it there.
 */
export function createLogger(secrets: ReadonlySet<string>, level = process.env.TANDEM_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      level,
      base: undefined,
      hooks: { streamWrite: (line) => (secrets.size === 0 ? line : redact(line, secrets)) },
    },
    pino.destination({ fd: 2, sync: false }),
  );
}
