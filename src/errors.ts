/**
 * Every error Tandem raises on purpose. Each class fixes its own code, so callers and retry loops
 * tell errors apart by `code` and `retryable`, never by their prose.
 *
 * @example
 *   throw new PortInUseError('Port 9042 (source CQL) is already in use', { hint: 'Stop what holds it or pick another port' });
 */
export const errorCodes = [
  'TANDEM_CONFIG_INVALID',
  'TANDEM_SECRET_MISSING',
  'TANDEM_TOOL_MISSING',
  'TANDEM_FETCH_FAILED',
  'TANDEM_CACHE_CORRUPT',
  'TANDEM_PORT_IN_USE',
  'TANDEM_SERVER_EXITED',
  'TANDEM_SERVER_TIMEOUT',
  'TANDEM_STACK_STATE',
  'TANDEM_RECORD_REJECTED',
  'TANDEM_CONNECT_FAILED',
  'TANDEM_SCHEMA_CONFLICT',
  'TANDEM_SCHEMA_APPLY_FAILED',
  'TANDEM_BACKFILL_INCOMPLETE',
  'TANDEM_VALIDATION_INCOMPLETE',
  'TANDEM_SCAN_ORDER',
  'TANDEM_SINK_STOPPED',
  'TANDEM_DEAD_LETTER_TOO_LARGE',
  'TANDEM_DEAD_LETTERS_EXPIRED',
  'TANDEM_TABLE_MISSING',
  'TANDEM_KAFKA_ACCESS',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export interface TandemErrorOptions {
  cause?: unknown;
  /** What the user can do about it; printed after the message. */
  hint?: string;
}

export abstract class TandemError extends Error {
  abstract readonly code: ErrorCode;
  /** Whether trying the same operation again may succeed without anyone changing anything. */
  readonly retryable: boolean = false;
  readonly hint: string | undefined;

  constructor(message: string, options: TandemErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** A config file or option that does not validate; the message names the setting. */
export class ConfigError extends TandemError {
  readonly code = 'TANDEM_CONFIG_INVALID';
}

/** A `${env:NAME}` or `${file:PATH}` reference that resolves to nothing. */
export class SecretMissingError extends TandemError {
  readonly code = 'TANDEM_SECRET_MISSING';
}

/** A program Tandem needs (java, mvn, openssl) is not installed or too old. */
export class ToolMissingError extends TandemError {
  readonly code = 'TANDEM_TOOL_MISSING';
}

/** Downloading server artifacts from Maven Central failed. */
export class FetchFailedError extends TandemError {
  readonly code = 'TANDEM_FETCH_FAILED';
  override readonly retryable = true;
}

/** The artifact cache is incomplete or damaged and could not be repaired. */
export class CacheCorruptError extends TandemError {
  readonly code = 'TANDEM_CACHE_CORRUPT';
}

export class PortInUseError extends TandemError {
  readonly code = 'TANDEM_PORT_IN_USE';
}

/** A server process died while starting; the message names its log file. */
export class ServerExitedError extends TandemError {
  readonly code = 'TANDEM_SERVER_EXITED';
}

/** A server process runs but did not answer within the start timeout. */
export class ServerTimeoutError extends TandemError {
  readonly code = 'TANDEM_SERVER_TIMEOUT';
  override readonly retryable = true;
}

/** The stack state file is unreadable or describes processes that are not ours. */
export class StackStateError extends TandemError {
  readonly code = 'TANDEM_STACK_STATE';
}

/** Why a record can never be written; each becomes the dead-letter reason header. */
export const recordRejections = [
  'malformed-json',
  'not-an-object',
  'missing-key-column',
  'bad-value',
  'unknown-field',
  'row-too-large',
  'bad-timestamp',
  'bad-ttl',
  'unsupported-table',
  'unknown-table',
  'server-rejected',
  /** A dead letter replayed whose topic is no longer in the config. */
  'unknown-topic',
] as const;
export type RecordRejection = (typeof recordRejections)[number];

/** A record that can never be written as it is: it goes to the dead-letter topic with this reason. */
export class RecordRejectedError extends TandemError {
  readonly code = 'TANDEM_RECORD_REJECTED';

  constructor(
    readonly reason: RecordRejection,
    message: string,
    options: TandemErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** A cluster that cannot be reached or refuses the credentials; the message names which one and why. */
export class ConnectFailedError extends TandemError {
  readonly code = 'TANDEM_CONNECT_FAILED';
}

/** Objects that exist on the target with another definition; Tandem never alters or drops them. */
export class SchemaConflictError extends TandemError {
  readonly code = 'TANDEM_SCHEMA_CONFLICT';
}

/** A DDL statement the target refused; the message says what was created before it. */
export class SchemaApplyError extends TandemError {
  readonly code = 'TANDEM_SCHEMA_APPLY_FAILED';
}

/** A backfill that stopped before every range was copied, or that copied all but rows the target refused. */
export class BackfillIncompleteError extends TandemError {
  readonly code = 'TANDEM_BACKFILL_INCOMPLETE';
}

/** A validation stopped before every range was compared; the same job name resumes it. */
export class ValidationIncompleteError extends TandemError {
  readonly code = 'TANDEM_VALIDATION_INCOMPLETE';
}

/** A range scan that went backwards: the two clusters order partitions differently, or a scan repeated rows. */
export class ScanOrderError extends TandemError {
  readonly code = 'TANDEM_SCAN_ORDER';
}

/** One destination's sink ended for good (its cause attached); the process ends with it, so a supervisor restarts it. */
export class SinkStoppedError extends TandemError {
  readonly code = 'TANDEM_SINK_STOPPED';
}

/**
 * A dead letter Kafka refuses for its size: retrying cannot help, and dropping it would lose the
 * record, so the sink (or replay) stops with the record, its size and the topic's limit named.
 */
export class DeadLetterTooLargeError extends TandemError {
  readonly code = 'TANDEM_DEAD_LETTER_TOO_LARGE';
}

/** Dead letters the broker deleted (retention) before a replay read them: their records were never written. */
export class DeadLettersExpiredError extends TandemError {
  readonly code = 'TANDEM_DEAD_LETTERS_EXPIRED';
}

/** A table a sink writes to that does not exist yet (`tandem schema` not run): waited for. */
export class TableMissingError extends TandemError {
  readonly code = 'TANDEM_TABLE_MISSING';
  override readonly retryable = true;
}

/**
 * Kafka refused Tandem's connection or request for its settings: an untrusted certificate, a TLS
 * mismatch, a refused login, a missing permission. Waiting cannot help: the message names the
 * setting or permission to change, and the command exits 2.
 */
export class KafkaAccessError extends TandemError {
  readonly code = 'TANDEM_KAFKA_ACCESS';
}

export function isTandemError(error: unknown): error is TandemError {
  return error instanceof TandemError;
}

/**
 * One line for a human: the message, then the hint if there is one. An error standing for several
 * attempts (a Kafka client's "fetch failed 21 times") also names the last attempt's own error,
 * which is the one that says what went wrong.
 */
export function describeError(error: unknown): string {
  if (error instanceof TandemError) {
    return error.hint ? `${error.message}. ${error.hint}` : error.message;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof AggregateError && error.errors.length > 0) {
    const first = describeError(error.errors[0]);
    const last = describeError(error.errors.at(-1));
    return first === last ? `${message} (last: ${last})` : `${message} (first: ${first}; last: ${last})`;
  }
  return message;
}
