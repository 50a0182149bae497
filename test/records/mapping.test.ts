import { describe, expect, it } from 'vitest';
import { checkMapping, defaultMapping, MappingError, parseMapping } from '../../src/records/index.js';
import { userActivity } from '../helpers/tables.js';

describe('parseMapping', () => {
  it('reads the reference deployment\'s connector mapping', () => {
    const mapping = parseMapping('user_id=value.user_id, activity_time=value.activity_time, activity_type=value.activity_type, activity_details=value.activity_details');
    expect(mapping.columns).toEqual([
      { column: 'user_id', source: { from: 'value', path: ['user_id'] } },
      { column: 'activity_time', source: { from: 'value', path: ['activity_time'] } },
      { column: 'activity_type', source: { from: 'value', path: ['activity_type'] } },
      { column: 'activity_details', source: { from: 'value', path: ['activity_details'] } },
    ]);
    expect(mapping.isDefault).toBe(false);
  });

  it('reads key, header, nested and quoted sources, __ttl and __timestamp', () => {
    const mapping = parseMapping('id=key.id, "Mixed Col"=value."a.b".c, Src=header.origin, whole=value, __ttl=value.expires, __timestamp=value.ts');
    expect(mapping.columns).toEqual([
      { column: 'id', source: { from: 'key', path: ['id'] } },
      { column: 'Mixed Col', source: { from: 'value', path: ['a.b', 'c'] } },
      { column: 'src', source: { from: 'header', name: 'origin' } },
      { column: 'whole', source: { from: 'value', path: [] } },
    ]);
    expect(mapping.ttl).toEqual({ from: 'value', path: ['expires'] });
    expect(mapping.timestamp).toEqual({ from: 'value', path: ['ts'] });
  });

  it.each([
    ['an entry without "="', 'user_id value.user_id', 'is not column=source'],
    ['an unknown source', 'user_id=body.user_id', 'the source must be value.<field>, key.<field> or header.<name>'],
    ['a column mapped twice', 'a=value.a, a=value.b', 'column a is mapped twice'],
    ['an unquoted odd name', 'my col=value.x', 'needs double quotes'],
    ['nothing', ' , ', 'maps no columns'],
  ])('refuses %s', (_what, text, message) => {
    expect(() => parseMapping(text)).toThrow(MappingError);
    expect(() => parseMapping(text)).toThrow(message);
  });
});

describe('checkMapping', () => {
  it('accepts a mapping of every key column', () => {
    expect(() => checkMapping(parseMapping('user_id=value.u, activity_time=value.t'), userActivity)).not.toThrow();
  });

  it('refuses unknown columns and unmapped key columns', () => {
    expect(() => checkMapping(parseMapping('user_id=value.u, activity_time=value.t, nope=value.n'), userActivity)).toThrow(
      'maps nope, which msk_ks_cass_blog.user_activity does not have',
    );
    expect(() => checkMapping(parseMapping('user_id=value.u, activity_type=value.t'), userActivity)).toThrow('does not map primary key column activity_time');
  });

  it('the default maps every column by name, key columns with the record key as fallback', () => {
    const mapping = defaultMapping(userActivity);
    expect(mapping.columns.map((c) => [c.column, c.keyFallback])).toEqual([
      ['user_id', true],
      ['activity_time', true],
      ['activity_details', false],
      ['activity_type', false],
    ]);
    expect(() => checkMapping(mapping, userActivity)).not.toThrow();
  });
});
