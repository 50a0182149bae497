import type { ClusterMetadata, ExtendedGroupProtocolSubscription } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { subscribedRoundRobinAssigner } from '../../src/kafka/index.js';

const members = (subscriptions: Record<string, string[]>) =>
  new Map<string, ExtendedGroupProtocolSubscription>(Object.entries(subscriptions).map(([memberId, topics]) => [memberId, { memberId, topics, version: 0 }]));
const metadata = (counts: Record<string, number>) => ({ topics: new Map(Object.entries(counts).map(([topic, partitionsCount]) => [topic, { partitionsCount }])) }) as unknown as ClusterMetadata;

/** memberId -> ['topic:partition', ...], sorted. */
function assign(subscriptions: Record<string, string[]>, counts: Record<string, number>, leader = Object.keys(subscriptions)[0]!) {
  const result = subscribedRoundRobinAssigner(leader, members(subscriptions), new Set(subscriptions[leader]), metadata(counts));
  return Object.fromEntries(result.map((m) => [m.memberId, [...m.assignments.values()].flatMap((a) => a.partitions.map((p) => `${a.topic}:${p}`)).sort()]));
}

describe('subscribedRoundRobinAssigner', () => {
  it("gives each member partitions of its own topics only, whoever leads (the library's assigner spread the leader's topics over everyone)", () => {
    const expected = { old: ['a:0', 'a:1', 'a:2'], new: ['b:0', 'b:1'] };
    expect(assign({ old: ['a'], new: ['b'] }, { a: 3, b: 2 }, 'old')).toEqual(expected);
    expect(assign({ old: ['a'], new: ['b'] }, { a: 3, b: 2 }, 'new')).toEqual(expected);
  });

  it('spreads a shared topic over its subscribers, and every partition goes to exactly one member', () => {
    const result = assign({ m1: ['a', 'b'], m2: ['b'], m3: ['b', 'c'] }, { a: 2, b: 6, c: 1 });
    expect(result.m1!.filter((p) => p.startsWith('a:'))).toEqual(['a:0', 'a:1']);
    expect(result.m2!.every((p) => p.startsWith('b:'))).toBe(true);
    expect(result.m3!.filter((p) => p.startsWith('c:'))).toEqual(['c:0']);
    const all = Object.values(result).flat().sort();
    expect(all).toEqual(['a:0', 'a:1', 'b:0', 'b:1', 'b:2', 'b:3', 'b:4', 'b:5', 'c:0']);
    for (const member of ['m1', 'm2', 'm3']) expect(result[member]!.filter((p) => p.startsWith('b:')).length).toBe(2);
  });

  it('leaves out a topic the metadata does not hold, and a member with no subscription gets nothing', () => {
    expect(assign({ m1: ['gone', 'a'], m2: [] }, { a: 1 })).toEqual({ m1: ['a:0'], m2: [] });
  });
});
