import { describe, expect, it } from 'vitest';
import { balancedVnodeTokens } from '../../src/stack/stack-spec.js';
import { TokenRangePlanner, partitionerFromClassName, partitionerNames, type TokenRange } from '../../src/cql/index.js';
import { ConfigError } from '../../src/errors.js';
import { seededRandom } from '../helpers/seeded-random.js';

const murmurMin = -(2n ** 63n);
const murmurMax = 2n ** 63n - 1n;

function randomToken(next: () => number, planner: TokenRangePlanner): bigint {
  let bits = 0n;
  for (let i = 0; i < 5; i += 1) bits = (bits << 32n) | BigInt(Math.floor(next() * 2 ** 32));
  const span = planner.maxToken - planner.minToken + 1n;
  return planner.minToken + (bits % span);
}

/** The checks every plan must pass: exact cover of (min, max], no range crossing a node token, enough ranges. */
function expectValidPlan(planner: TokenRangePlanner, ring: readonly bigint[], splits: number, ranges: readonly TokenRange[]): void {
  expect(ranges[0]!.start).toBe(planner.minToken);
  expect(ranges.at(-1)!.end).toBe(planner.maxToken);
  ranges.forEach((range, i) => {
    expect(range.start < range.end).toBe(true);
    // Contiguity from min to max means no gap and no overlap.
    if (i > 0) expect(range.start).toBe(ranges[i - 1]!.end);
  });
  const boundaries = new Set(ranges.map((r) => r.end));
  for (const token of ring) {
    if (token !== planner.minToken) expect(boundaries.has(token)).toBe(true);
  }
  const ringRanges = planner.ringRanges(ring).length;
  expect(ranges.length).toBeGreaterThanOrEqual(splits);
  expect(ranges.length).toBeLessThanOrEqual(Math.max(splits, ringRanges) + ringRanges);
}

/** The ranges of a plan that hold a token (a valid plan has exactly one for any key token). */
function rangesHolding(ranges: readonly TokenRange[], token: bigint): TokenRange[] {
  return ranges.filter((r) => token > r.start && token <= r.end);
}

describe('TokenRangePlanner.plan', () => {
  it.each(partitionerNames)('covers the %s ring exactly once for random rings and split counts', (partitioner) => {
    const planner = new TokenRangePlanner(partitioner);
    for (let seed = 1; seed <= 200; seed += 1) {
      const next = seededRandom(seed);
      const ring = Array.from({ length: 1 + Math.floor(next() * 48) }, () => randomToken(next, planner)).sort((a, b) => (a < b ? -1 : 1));
      const splits = 1 + Math.floor(next() * 300);
      const ranges = planner.plan(ring, splits);
      expectValidPlan(planner, ring, splits, ranges);
      for (let probe = 0; probe < 20; probe += 1) {
        const token = randomToken(next, planner);
        // Every token a key can have lies in exactly one range; the minimum token belongs to no key.
        expect(rangesHolding(ranges, token)).toHaveLength(token === planner.minToken ? 0 : 1);
      }
    }
  });

  it('splits a one-node ring with its token at 0 into the two halves of the token space', () => {
    const planner = new TokenRangePlanner('Murmur3Partitioner');
    expect(planner.plan([0n], 1)).toEqual([
      { start: murmurMin, end: 0n },
      { start: 0n, end: murmurMax },
    ]);
    expect(planner.plan([0n], 4)).toEqual([
      { start: murmurMin, end: -(2n ** 62n) },
      { start: -(2n ** 62n), end: 0n },
      { start: 0n, end: 2n ** 62n - 1n },
      { start: 2n ** 62n - 1n, end: murmurMax },
    ]);
  });

  it('starts at the minimum token with ">" so no key is missed, and makes no empty range for a node at the minimum or maximum', () => {
    const planner = new TokenRangePlanner('Murmur3Partitioner');
    expect(planner.plan([murmurMin], 1)).toEqual([{ start: murmurMin, end: murmurMax }]);
    expect(planner.plan([murmurMax], 1)).toEqual([{ start: murmurMin, end: murmurMax }]);
    expect(planner.plan([murmurMin, 5n, murmurMax], 1)).toEqual([
      { start: murmurMin, end: 5n },
      { start: 5n, end: murmurMax },
    ]);
  });

  it('returns at least N ranges when N exceeds the ring size, aligned to every node token', () => {
    const planner = new TokenRangePlanner('Murmur3Partitioner');
    const ring = [-100n, 7n, 3_000_000_000n];
    const ranges = planner.plan(ring, 1000);
    expectValidPlan(planner, ring, 1000, ranges);
    expect(ranges.length).toBe(1000);
  });

  it('never cuts a ring range below one token, even a one-token range', () => {
    const planner = new TokenRangePlanner('Murmur3Partitioner');
    const ring = [0n, 1n, 2n];
    const ranges = planner.plan(ring, 64);
    expectValidPlan(planner, ring, 64, ranges);
    expect(ranges.filter((r) => r.start >= 0n && r.end <= 2n)).toEqual([
      { start: 0n, end: 1n },
      { start: 1n, end: 2n },
    ]);
  });

  it('keeps one range per vnode when the ring already has more ranges than asked for', () => {
    const planner = new TokenRangePlanner('Murmur3Partitioner');
    const ring = Array.from({ length: 256 }, (_, i) => murmurMin + 1n + BigInt(i) * (2n ** 56n));
    const ranges = planner.plan(ring, 16);
    expectValidPlan(planner, ring, 16, ranges);
    expect(ranges).toEqual(planner.ringRanges(ring));
  });

  it('uses RandomPartitioner bounds: (-1, 2^127], so token 0 is covered', () => {
    const planner = new TokenRangePlanner('RandomPartitioner');
    expect(planner.plan([2n ** 126n], 1)).toEqual([
      { start: -1n, end: 2n ** 126n },
      { start: 2n ** 126n, end: 2n ** 127n },
    ]);
    expect(rangesHolding(planner.plan([2n ** 126n], 3), 0n)).toHaveLength(1);
  });

  it('accepts unsorted and repeated node tokens', () => {
    const planner = new TokenRangePlanner('Murmur3Partitioner');
    expect(planner.plan([10n, -10n, 10n], 1)).toEqual(planner.plan([-10n, 10n], 1));
  });

  it('refuses bad input with a config error', () => {
    const planner = new TokenRangePlanner('Murmur3Partitioner');
    expect(() => planner.plan([], 4)).toThrow(ConfigError);
    expect(() => planner.plan([0n], 0)).toThrow(/positive integer/);
    expect(() => planner.plan([0n], 1.5)).toThrow(/positive integer/);
    expect(() => planner.plan([2n ** 63n], 4)).toThrow(/outside the Murmur3Partitioner token space/);
    expect(() => new TokenRangePlanner('RandomPartitioner').plan([-2n], 4)).toThrow(/outside/);
  });
});

describe('TokenRangePlanner on a three-node ring of 16 vnodes each', () => {
  const planner = new TokenRangePlanner('Murmur3Partitioner');
  const ring = balancedVnodeTokens(3, 16).flat().map(BigInt);

  it('plans every vnode range, the wrap-around one as its two halves, each covered once and none crossing a node token', () => {
    for (const splits of [1, 48, 64, 500]) {
      const ranges = planner.plan(ring, splits);
      expect(ranges.length).toBeGreaterThanOrEqual(Math.max(49, splits));
      expect(ranges[0]!.start).toBe(planner.minToken);
      expect(ranges.at(-1)!.end).toBe(planner.maxToken);
      for (let i = 1; i < ranges.length; i += 1) expect(ranges[i]!.start).toBe(ranges[i - 1]!.end);
      for (const range of ranges) expect(ring.some((token) => range.start < token && token < range.end)).toBe(false);
      // Every node token ends a range, so each range has one replica set.
      for (const token of ring) expect(ranges.some((range) => range.end === token)).toBe(true);
    }
  });
});

describe('TokenRangePlanner.unwrap and where', () => {
  const planner = new TokenRangePlanner('Murmur3Partitioner');

  it('passes a non-wrapping range through', () => {
    expect(planner.unwrap({ start: -5n, end: 5n })).toEqual([{ start: -5n, end: 5n }]);
  });

  it('cuts a wrapping range at the end of the token space into two CQL ranges', () => {
    expect(planner.unwrap({ start: 100n, end: -100n })).toEqual([
      { start: 100n, end: murmurMax },
      { start: murmurMin, end: -100n },
    ]);
  });

  it('reads (t, t] as the whole ring, as Cassandra does', () => {
    expect(planner.unwrap({ start: 0n, end: 0n })).toEqual([
      { start: 0n, end: murmurMax },
      { start: murmurMin, end: 0n },
    ]);
  });

  it('drops the empty half: nothing is above the maximum, and an end at the minimum is never sent', () => {
    expect(planner.unwrap({ start: murmurMax, end: 10n })).toEqual([{ start: murmurMin, end: 10n }]);
    expect(planner.unwrap({ start: 10n, end: murmurMin })).toEqual([{ start: 10n, end: murmurMax }]);
    expect(planner.unwrap({ start: murmurMax, end: murmurMin })).toEqual([]);
  });

  it('renders both bounds with bind values, quoting every partition key column', () => {
    expect(planner.where(['user_id'], { start: murmurMin, end: 0n })).toEqual({
      cql: 'token("user_id") > ? AND token("user_id") <= ?',
      params: [murmurMin, 0n],
    });
    expect(planner.where(['a', 'Weird "b"'], { start: 1n, end: 2n }).cql).toBe('token("a", "Weird ""b""") > ? AND token("a", "Weird ""b""") <= ?');
  });

  it('refuses to render a wrapping or empty range', () => {
    expect(() => planner.where(['k'], { start: 5n, end: 5n })).toThrow(/wraps or is empty/);
    expect(() => planner.where(['k'], { start: 5n, end: -5n })).toThrow(/wraps or is empty/);
    expect(() => planner.where([], { start: 1n, end: 2n })).toThrow(ConfigError);
  });
});

describe('partitionerFromClassName', () => {
  it('maps Cassandra and Keyspaces partitioner classes', () => {
    expect(partitionerFromClassName('org.apache.cassandra.dht.Murmur3Partitioner')).toBe('Murmur3Partitioner');
    expect(partitionerFromClassName('org.apache.cassandra.dht.RandomPartitioner')).toBe('RandomPartitioner');
    expect(partitionerFromClassName('com.amazonaws.cassandra.DefaultPartitioner')).toBe('RandomPartitioner');
    expect(() => partitionerFromClassName('org.apache.cassandra.dht.ByteOrderedPartitioner')).toThrow(ConfigError);
  });
});
