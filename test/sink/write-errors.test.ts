import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { backoffMs, classifyWriteError } from '../../src/sink/write-errors.js';

const codes = cassandra.types.responseErrorCodes;
const response = (code: number, message: string) => new cassandra.errors.ResponseError(code, message);

describe('classifyWriteError', () => {
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
    expect(classifyWriteError(error).action).toBe(action);
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
