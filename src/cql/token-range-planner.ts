import { ConfigError } from '../errors.js';
import { quoteIdentifier } from './quote.js';

/** Partitioners whose tokens are integers, so a ring can be split arithmetically. */
export const partitionerNames = ['Murmur3Partitioner', 'RandomPartitioner'] as const;
export type PartitionerName = (typeof partitionerNames)[number];

/**
 * The keys with `start < token(pk) <= end`, the bounds of Cassandra's own `Range`. Ranges the
 * planner returns never wrap: `start < end`, both inside the partitioner's token space.
 */
export interface TokenRange {
  readonly start: bigint;
  readonly end: bigint;
}

/** The WHERE clause selecting one range, with its bind values (bigint: varint or bigint on the wire). */
export interface TokenRangeWhere {
  readonly cql: string;
  readonly params: [bigint, bigint];
}

/**
 * Token spaces. `min` is the partitioner's minimum token, which no key ever has: Murmur3 maps the
 * one hash equal to Long.MIN_VALUE to Long.MAX_VALUE (Murmur3Partitioner.normalize), and
 * RandomPartitioner's tokens are abs(md5) in [0, 2^127] while its MINIMUM is -1. So `token > min`
 * selects every key, and `(min, max]` is the whole ring.
 */
const tokenSpaces: Readonly<Record<PartitionerName, { readonly min: bigint; readonly max: bigint }>> = {
  Murmur3Partitioner: { min: -(2n ** 63n), max: 2n ** 63n - 1n },
  RandomPartitioner: { min: -1n, max: 2n ** 127n },
};

/**
 * The planner's name for a partitioner class as `system.local` reports it. Amazon Keyspaces'
 * DefaultPartitioner computes RandomPartitioner's tokens, so it plans the same way.
 *
 * @example
 *   partitionerFromClassName('org.apache.cassandra.dht.Murmur3Partitioner') // 'Murmur3Partitioner'
 *   partitionerFromClassName('com.amazonaws.cassandra.DefaultPartitioner')  // 'RandomPartitioner'
 */
export function partitionerFromClassName(className: string): PartitionerName {
  const simple = className.slice(className.lastIndexOf('.') + 1);
  if (simple === 'Murmur3Partitioner') return 'Murmur3Partitioner';
  if (simple === 'RandomPartitioner' || simple === 'DefaultPartitioner') return 'RandomPartitioner';
  throw new ConfigError(`partitioner ${className} is not supported for token-range scans`, {
    hint: 'Tandem scans clusters using Murmur3Partitioner, RandomPartitioner or Keyspaces DefaultPartitioner',
  });
}

/**
 * Splits a partitioner's token ring into scan ranges. The ring's own ranges come first (each node
 * token ends one), so a range is served by one replica set; each is then cut into pieces in
 * proportion to its share of the ring until there are at least `splits`.
 *
 * @example
 *   const planner = new TokenRangePlanner('Murmur3Partitioner');
 *   const ranges = planner.plan([0n], 4);
 *   // [(-2^63, -2^62], (-2^62, 0], (0, 2^62 - 1], (2^62 - 1, 2^63 - 1]]
 *   planner.where(['user_id'], ranges[0]!)
 *   // { cql: 'token("user_id") > ? AND token("user_id") <= ?', params: [-(2n ** 63n), -(2n ** 62n)] }
 */
export class TokenRangePlanner {
  readonly minToken: bigint;
  readonly maxToken: bigint;

  constructor(readonly partitioner: PartitionerName) {
    ({ min: this.minToken, max: this.maxToken } = tokenSpaces[partitioner]);
  }

  /**
   * The ring's own ranges in token order, the wrap-around one cut in two at the end of the token
   * space: `(last, max]` and `(min, first]`. One node token (a one-node ring) makes both halves of
   * a single range `(t, t]`, which in Cassandra is the whole ring.
   */
  ringRanges(ringTokens: readonly bigint[]): TokenRange[] {
    const tokens = this.normalizeRing(ringTokens);
    const bounds = [this.minToken, ...tokens.filter((t) => t !== this.minToken && t !== this.maxToken), this.maxToken];
    return bounds.slice(1).map((end, i) => ({ start: bounds[i]!, end }));
  }

  /** Scan ranges covering every token once, none crossing a node token, at least `splits` of them. */
  plan(ringTokens: readonly bigint[], splits: number): TokenRange[] {
    if (!Number.isSafeInteger(splits) || splits < 1) {
      throw new ConfigError(`splits must be a positive integer, got ${splits}`, { hint: 'Pass --splits with a whole number such as 64' });
    }
    const ring = this.ringRanges(ringTokens);
    const total = this.maxToken - this.minToken;
    const wanted = BigInt(splits);
    // Largest-remainder apportionment: each range gets floor(splits × its share), at least one, and
    // the ranges with the largest leftovers take one more each until the count reaches `splits`.
    const pieces = ring.map((r) => {
      const size = r.end - r.start;
      const exact = wanted * size;
      return { size, count: exact / total > 0n ? exact / total : 1n, remainder: exact % total };
    });
    let missing = wanted - pieces.reduce((sum, p) => sum + p.count, 0n);
    const byRemainder = [...pieces.keys()].sort((a, b) => compare(pieces[b]!.remainder, pieces[a]!.remainder) || a - b);
    for (const index of byRemainder) {
      if (missing <= 0n) break;
      pieces[index]!.count += 1n;
      missing -= 1n;
    }
    return ring.flatMap((range, i) => subdivide(range, pieces[i]!.count < pieces[i]!.size ? pieces[i]!.count : pieces[i]!.size));
  }

  /**
   * A range as Cassandra's ring describes it, which may wrap past the end of the token space, as
   * the ranges CQL can select: CQL cannot wrap (a start above the end selects nothing), so
   * `(start, end]` with `start >= end` becomes `(start, max]` and `(min, end]`. Halves that hold no
   * token are dropped: `token > max` is empty, and `token <= min` must never be sent because
   * Cassandra reads an end bound equal to the minimum token as "no end" (CASSANDRA-5573), which
   * would scan the rest of the ring.
   */
  unwrap(range: TokenRange): TokenRange[] {
    this.checkToken(range.start);
    this.checkToken(range.end);
    if (range.start < range.end) return [range];
    const halves: TokenRange[] = [];
    if (range.start < this.maxToken) halves.push({ start: range.start, end: this.maxToken });
    if (range.end > this.minToken) halves.push({ start: this.minToken, end: range.end });
    return halves;
  }

  /** The WHERE clause for one non-wrapping range; both bounds are always sent, so no range can mean "to the end". */
  where(partitionKey: readonly string[], range: TokenRange): TokenRangeWhere {
    this.checkToken(range.start);
    this.checkToken(range.end);
    if (range.start >= range.end) {
      throw new ConfigError(`token range (${range.start}, ${range.end}] wraps or is empty`, { hint: 'Pass it through unwrap() first' });
    }
    if (partitionKey.length === 0) throw new ConfigError('a token range needs the partition key columns');
    const token = `token(${partitionKey.map(quoteIdentifier).join(', ')})`;
    return { cql: `${token} > ? AND ${token} <= ?`, params: [range.start, range.end] };
  }

  private normalizeRing(ringTokens: readonly bigint[]): bigint[] {
    if (ringTokens.length === 0) throw new ConfigError('the token ring has no tokens', { hint: 'Read the tokens from system.local and system.peers' });
    ringTokens.forEach((t) => this.checkToken(t));
    return [...new Set(ringTokens)].sort(compare);
  }

  private checkToken(token: bigint): void {
    if (token < this.minToken || token > this.maxToken) {
      throw new ConfigError(`token ${token} is outside the ${this.partitioner} token space [${this.minToken}, ${this.maxToken}]`, {
        hint: 'Check that the partitioner matches the cluster (system.local partitioner)',
      });
    }
  }
}

/** `count` contiguous pieces of nearly equal size; `count <= size`, so none is empty. */
function subdivide(range: TokenRange, count: bigint): TokenRange[] {
  const size = range.end - range.start;
  const pieces: TokenRange[] = [];
  let start = range.start;
  for (let i = 1n; i <= count; i += 1n) {
    const end = i === count ? range.end : range.start + (size * i) / count;
    pieces.push({ start, end });
    start = end;
  }
  return pieces;
}

function compare(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
