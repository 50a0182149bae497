import { describe, expect, it } from 'vitest';
import { parseCqlType } from '../../src/cql/index.js';
import { compareVersions, nestingDepth, unsupportedTypeReason } from '../../src/schema/type-support.js';

const type = (text: string) => parseCqlType(text, 'ks', new Map([['emb', [{ name: 'v', type: 'vector<float, 2>' }]]]));

describe('type support', () => {
  it.each([
    ['5.0.9', '5.0', 1],
    ['5.0', '5.0.0', 0],
    ['3.11.2', '3.9', 1],
    ['4.1-SNAPSHOT', '4.1', 0],
    ['2.2.19', '3.10', -1],
  ])('compareVersions(%s, %s) is %d', (a, b, sign) => {
    expect(compareVersions(a, b)).toBe(sign);
  });

  it('finds a vector anywhere in a type, including inside a UDT, for Keyspaces', () => {
    expect(unsupportedTypeReason(type('map<text, frozen<list<vector<float, 4>>>>'), { profile: 'keyspaces' })).toBe('Amazon Keyspaces has no vector type');
    expect(unsupportedTypeReason(type('frozen<emb>'), { profile: 'keyspaces' })).toBe('Amazon Keyspaces has no vector type');
    expect(unsupportedTypeReason(type('frozen<map<duration, frozen<tuple<smallint, date>>>>'), { profile: 'keyspaces' })).toBeUndefined();
  });

  it('names the release a Cassandra target lacks for a type', () => {
    expect(unsupportedTypeReason(type('duration'), { profile: 'cassandra', releaseVersion: '3.0.29' })).toBe('the target runs Cassandra 3.0.29; duration needs 3.10 or later');
    expect(unsupportedTypeReason(type('list<smallint>'), { profile: 'cassandra', releaseVersion: '2.1.22' })).toBe('the target runs Cassandra 2.1.22; smallint needs 2.2 or later');
    expect(unsupportedTypeReason(type('vector<float, 2>'), { profile: 'cassandra', releaseVersion: '5.0.9' })).toBeUndefined();
  });

  it('measures how deep collections nest', () => {
    expect(nestingDepth(type('int'))).toBe(0);
    expect(nestingDepth(type('frozen<list<frozen<set<int>>>>'))).toBe(2);
    expect(nestingDepth(type('map<text, frozen<map<int, frozen<list<text>>>>>'))).toBe(3);
    expect(nestingDepth(type('frozen<emb>'))).toBe(2);
  });
});
