import { describe, expect, it } from 'vitest';
import * as errors from '../src/errors.js';

const expectedCodes: Record<string, errors.ErrorCode> = {
  ConfigError: 'TANDEM_CONFIG_INVALID',
  SecretMissingError: 'TANDEM_SECRET_MISSING',
  ToolMissingError: 'TANDEM_TOOL_MISSING',
  FetchFailedError: 'TANDEM_FETCH_FAILED',
  CacheCorruptError: 'TANDEM_CACHE_CORRUPT',
  PortInUseError: 'TANDEM_PORT_IN_USE',
  ServerExitedError: 'TANDEM_SERVER_EXITED',
  ServerTimeoutError: 'TANDEM_SERVER_TIMEOUT',
  StackStateError: 'TANDEM_STACK_STATE',
  RecordRejectedError: 'TANDEM_RECORD_REJECTED',
  ConnectFailedError: 'TANDEM_CONNECT_FAILED',
  SchemaConflictError: 'TANDEM_SCHEMA_CONFLICT',
  SchemaApplyError: 'TANDEM_SCHEMA_APPLY_FAILED',
  BackfillIncompleteError: 'TANDEM_BACKFILL_INCOMPLETE',
  ValidationIncompleteError: 'TANDEM_VALIDATION_INCOMPLETE',
  ScanOrderError: 'TANDEM_SCAN_ORDER',
  SinkStoppedError: 'TANDEM_SINK_STOPPED',
  DeadLetterTooLargeError: 'TANDEM_DEAD_LETTER_TOO_LARGE',
  DeadLettersExpiredError: 'TANDEM_DEAD_LETTERS_EXPIRED',
  TableMissingError: 'TANDEM_TABLE_MISSING',
  KafkaAccessError: 'TANDEM_KAFKA_ACCESS',
};

describe('errors', () => {
  type ErrorClass = new (message: string, options?: errors.TandemErrorOptions) => errors.TandemError;
  const classes = (Object.entries(errors) as [string, unknown][]).filter(
    (entry): entry is [string, ErrorClass] => typeof entry[1] === 'function' && entry[1].prototype instanceof errors.TandemError,
  );

  it('every error class is listed here, and every code is used by exactly one class', () => {
    expect(classes.map(([name]) => name).sort()).toEqual(Object.keys(expectedCodes).sort());
    expect(new Set(Object.values(expectedCodes)).size).toBe(errors.errorCodes.length);
  });

  it.each(Object.entries(expectedCodes))('%s carries code %s, its own name and the cause', (name, code) => {
    const ErrorClass = classes.find(([n]) => n === name)![1];
    const cause = new Error('underlying');
    const error = name === 'RecordRejectedError'
      ? new errors.RecordRejectedError('bad-value', 'message', { cause, hint: 'do this' })
      : new ErrorClass('message', { cause, hint: 'do this' });
    expect(error.code).toBe(code);
    expect(error.name).toBe(name);
    expect(error.cause).toBe(cause);
    expect(errors.describeError(error)).toBe('message. do this');
  });

  it('names the last attempt of an error standing for several', () => {
    const attempts = new AggregateError([new Error('timeout'), new AggregateError([new Error('NOT_LEADER_OR_FOLLOWER')], 'Received response with error')], 'fetch failed 2 times.');
    expect(errors.describeError(attempts)).toBe('fetch failed 2 times. (first: timeout; last: Received response with error (last: NOT_LEADER_OR_FOLLOWER))');
    expect(errors.describeError(new AggregateError([new Error('timeout'), new Error('timeout')], 'fetch failed 2 times.'))).toBe('fetch failed 2 times. (last: timeout)');
    expect(errors.describeError(new Error('plain'))).toBe('plain');
  });

  it('marks only transient failures retryable', () => {
    const retryable = classes.filter(([, C]) => new C('x').retryable).map(([name]) => name);
    expect(retryable.sort()).toEqual(['FetchFailedError', 'ServerTimeoutError', 'TableMissingError']);
  });
});
