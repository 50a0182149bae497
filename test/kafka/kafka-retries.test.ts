import { describe, expect, it } from 'vitest';
import { isUnparsableResponse, retryWhileKafkaIsAway } from '../../src/kafka/index.js';

/** The shapes @platformatic/kafka reports: a parse failure of @platformatic/dynamic-buffer, wrapped in its MultipleErrors. */
const outOfBounds = Object.assign(new Error('Out of bounds.'), { code: 'OUT_OF_BOUNDS' });
const wrapped = Object.assign(new AggregateError([new Error('timeout'), outOfBounds], 'fetch failed 2 times.'), { code: 'PLT_KFK_MULTIPLE' });
const networkError = Object.assign(new Error('Connection closed'), { code: 'PLT_KFK_NETWORK' });

describe('Kafka client retries', () => {
  it('backs off up to 5 s while Kafka is away', () => {
    const delays = [0, 1, 2, 6, 19].map((attempt) => retryWhileKafkaIsAway.retryDelay(undefined, 'fetch', attempt, 20, networkError));
    expect(delays).toEqual([100, 200, 400, 5_000, 5_000]);
  });

  it('retries at once a response the client cannot parse, so a fresh client takes over sooner', () => {
    expect(isUnparsableResponse(outOfBounds)).toBe(true);
    expect(isUnparsableResponse(wrapped)).toBe(true);
    expect(isUnparsableResponse(new Error('x', { cause: outOfBounds }))).toBe(true);
    expect(isUnparsableResponse(networkError)).toBe(false);
    expect(isUnparsableResponse(undefined)).toBe(false);
    expect(retryWhileKafkaIsAway.retryDelay(undefined, 'fetch', 3, 20, wrapped)).toBe(0);
  });
});
