import { describe, expect, it } from 'vitest';
import { MicrosecondClock, prepareLine } from '../../src/produce/index.js';

describe('prepareLine', () => {
  it('keys a record by its partition key columns, as JSON', () => {
    expect(prepareLine(' {"user_id": "user123", "activity_time": "2023-05-10T12:00:00Z"} ', ['user_id'])).toEqual({
      key: '{"user_id":"user123"}',
      value: '{"user_id": "user123", "activity_time": "2023-05-10T12:00:00Z"}',
    });
    expect(prepareLine('{"b": 2, "a": 1}', ['a', 'b'])).toMatchObject({ key: '{"a":1,"b":2}' });
  });

  it('skips blank lines without complaint', () => {
    expect(prepareLine('   ', ['a'])).toBeUndefined();
  });

  it('reports lines that are not JSON objects', () => {
    expect(prepareLine('{"user_id": ', ['user_id'])).toMatchObject({ problem: expect.stringMatching(/^not valid JSON/) });
    expect(prepareLine('[1, 2]', ['user_id'])).toEqual({ problem: 'not a JSON object' });
    expect(prepareLine('"text"', ['user_id'])).toEqual({ problem: 'not a JSON object' });
  });

  it('publishes a record without its key columns unkeyed, for the sinks to dead-letter with a reason', () => {
    expect(prepareLine('{"other": 1}', ['user_id'])).toEqual({
      problem: 'no user_id: published without a key',
      unkeyed: { key: undefined, value: '{"other": 1}' },
    });
  });
});

describe('MicrosecondClock', () => {
  it('counts in microseconds and never goes backwards, even when time does', () => {
    const times = [1000.0015, 1000.0015, 999, 1000.5, 2000];
    const clock = new MicrosecondClock(() => times.shift()!);
    expect([clock.now(), clock.now(), clock.now(), clock.now(), clock.now()]).toEqual([1000001n, 1000002n, 1000003n, 1000500n, 2000000n]);
  });

  it('is close to the wall clock by default', () => {
    const now = new MicrosecondClock().now();
    expect(Number(now / 1000n)).toBeGreaterThan(Date.now() - 5_000);
    expect(Number(now / 1000n)).toBeLessThanOrEqual(Date.now() + 5_000);
  });
});
