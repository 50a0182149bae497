import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { classifyCqlError, mayBeStaleStatement, retryTransient } from '../../src/cql/index.js';
import { backoffMs } from '../../src/retry.js';

const codes = cassandra.types.responseErrorCodes;
const response = (code: number, message: string) => new cassandra.errors.ResponseError(code, message);

describe('classifyCqlError', () => {
  it.each([
    ['a client timeout', new cassandra.errors.OperationTimedOutError('timed out'), 'retry'],
    ['no host available', new cassandra.errors.NoHostAvailableError({}), 'retry'],
    ['unavailable', response(codes.unavailableException, 'Cannot achieve consistency level'), 'retry'],
    ['overloaded', response(codes.overloaded, 'overloaded'), 'retry'],
    ['a write timeout', response(codes.writeTimeout, 'Operation timed out'), 'retry'],
    ['Keyspaces throttling', response(codes.serverError, 'The write request exceeded the provisioned throughput'), 'retry'],
    ['a missing table', response(codes.invalid, 'unconfigured table user_activity'), 'retry'],
    ['a missing keyspace', response(codes.invalid, 'Keyspace ks does not exist'), 'retry'],
    ['missing permission', response(codes.unauthorized, 'User ks-user has no MODIFY permission'), 'retry'],
    ['a guardrail', response(codes.invalid, 'Guardrail column_value_size violated: Value of column v has size 2MiB'), 'reject'],
    ['a syntax error', response(codes.syntaxError, 'line 1:0 no viable alternative'), 'reject'],
    ['an unencodable value', new TypeError('Expected Number, obtained string'), 'reject'],
  ])('%s → %s', (_what, error, action) => {
    expect(classifyCqlError(error).action).toBe(action);
  });
});

describe('mayBeStaleStatement', () => {
  const unprepared = () => response(codes.unprepared, 'Prepared query with ID 0a not found');
  it.each([
    ['a dropped column named by the statement', response(codes.invalid, 'Undefined column name activity_details in table ks.t'), true],
    ['every host forgot the statement and would not prepare it again', new cassandra.errors.NoHostAvailableError({ '127.0.0.1:9042': unprepared(), '127.0.0.2:9042': unprepared() }), true],
    ['hosts down', new cassandra.errors.NoHostAvailableError({ '127.0.0.1:9042': new Error('ECONNREFUSED') }), false],
    ['no host tried', new cassandra.errors.NoHostAvailableError({}), false],
    ['a bad value', response(codes.invalid, 'Invalid unset value for column v'), false],
  ])('%s → %s', (_what, error, stale) => {
    expect(mayBeStaleStatement(error)).toBe(stale);
  });
});

describe('backoffMs', () => {
  it('grows exponentially up to the cap, with full jitter', () => {
    expect(backoffMs(0, () => 0.999)).toBe(49);
    expect(backoffMs(3, () => 0.999)).toBe(399);
    expect(backoffMs(30, () => 0.999)).toBe(9990);
    expect(backoffMs(5, () => 0)).toBe(0);
  });
});

describe('retryTransient', () => {
  const timeout = () => new cassandra.errors.OperationTimedOutError('timed out');

  it('retries what may pass, telling each retry, until it succeeds', async () => {
    const retries: number[] = [];
    let calls = 0;
    const result = await retryTransient(
      async () => {
        calls += 1;
        if (calls < 3) throw timeout();
        return 'read';
      },
      new AbortController().signal,
      (_reason, attempt) => retries.push(attempt),
    );
    expect(result).toBe('read');
    expect(retries).toEqual([0, 1]);
  });

  it('throws what will not pass at once', async () => {
    let calls = 0;
    const refused = response(codes.syntaxError, 'line 1:0 no viable alternative');
    await expect(
      retryTransient(async () => {
        calls += 1;
        throw refused;
      }, new AbortController().signal),
    ).rejects.toBe(refused);
    expect(calls).toBe(1);
  });

  it('stops retrying when the signal aborts, with the error `aborted` makes', async () => {
    const controller = new AbortController();
    const stopped = new Error('stopped');
    const pending = retryTransient(
      async () => {
        throw timeout();
      },
      controller.signal,
      undefined,
      () => stopped,
    );
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toBe(stopped);
  });
});
