import { describe, expect, it } from 'vitest';
import { isBrokerRefusal, isUnparsableResponse, retryWhileKafkaIsAway } from '../../src/kafka/index.js';

/** The shapes @platformatic/kafka reports: a parse failure of @platformatic/dynamic-buffer, wrapped in its MultipleErrors. */
const outOfBounds = Object.assign(new Error('Out of bounds.'), { code: 'OUT_OF_BOUNDS' });
const wrapped = Object.assign(new AggregateError([new Error('timeout'), outOfBounds], 'fetch failed 2 times.'), { code: 'PLT_KFK_MULTIPLE' });
const networkError = Object.assign(new Error('Connection closed'), { code: 'PLT_KFK_NETWORK' });
/** A ListOffsets answered with FENCED_LEADER_EPOCH, as the client wraps it: a ResponseError of ProtocolErrors flagged hasStaleMetadata. */
const fencedEpoch = Object.assign(
  new AggregateError([Object.assign(new Error('The leader epoch in the request is older than the epoch on the broker.'), { code: 'PLT_KFK_PROTOCOL', apiId: 'FENCED_LEADER_EPOCH', hasStaleMetadata: true })], 'Received response with error while executing API ListOffsets(v9)'),
  { code: 'PLT_KFK_RESPONSE' },
);

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

  it('spends quickly the listOffsets retries a broker refused, as the client re-sends them unchanged', () => {
    expect(isBrokerRefusal(fencedEpoch)).toBe(true);
    expect(isBrokerRefusal(networkError)).toBe(false);
    const listOffsets = Array.from({ length: 20 }, (_, attempt) => retryWhileKafkaIsAway.retryDelay(undefined, 'listOffsets', attempt + 1, 20, fencedEpoch));
    expect(listOffsets.reduce((sum, delay) => sum + delay, 0)).toBeLessThanOrEqual(5_000);
    // Kafka away (no answer), or other operations: the backoff that rides out a broker restart stays.
    expect(retryWhileKafkaIsAway.retryDelay(undefined, 'fetch', 6, 20, fencedEpoch)).toBe(5_000);
    expect(retryWhileKafkaIsAway.retryDelay(undefined, 'listOffsets', 6, 20, networkError)).toBe(5_000);
  });
});
