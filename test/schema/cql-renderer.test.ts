import { describe, expect, it } from 'vitest';
import { parseCqlType } from '../../src/cql/index.js';
import { renderCreateKeyspace, renderCreateTable, renderCreateType, renderType, type CqlDialect } from '../../src/schema/cql-renderer.js';
import { translateKeyspace } from '../../src/schema/translate-keyspace.js';
import { keyspace, userActivity } from './schema-fixtures.js';

const keyspaces: CqlDialect = { profile: 'keyspaces' };
const standIn: CqlDialect = { profile: 'cassandra', dataCenter: 'datacenter1', replicationFactor: 1 };
const toKeyspaces = { target: { profile: 'keyspaces' } } as const;

describe('Keyspaces CQL for the reference schema', () => {
  const target = translateKeyspace(userActivity(), toKeyspaces);

  it('creates the keyspace single-Region', () => {
    expect(renderCreateKeyspace(target.name, keyspaces)).toBe(`CREATE KEYSPACE "msk_ks_cass_blog" WITH REPLICATION = {'class': 'SingleRegionStrategy'}`);
  });

  it('creates the table with its clustering order and client-side timestamps', () => {
    expect(renderCreateTable(target.tables[0]!, keyspaces)).toBe(
      [
        'CREATE TABLE "msk_ks_cass_blog"."user_activity" (',
        '  "user_id" text,',
        '  "activity_time" timestamp,',
        '  "activity_details" text,',
        '  "activity_type" text,',
        '  PRIMARY KEY ("user_id", "activity_time")',
        ') WITH CLUSTERING ORDER BY ("activity_time" DESC)',
        "  AND CUSTOM_PROPERTIES = {'client_side_timestamps': {'status': 'enabled'}}",
      ].join('\n'),
    );
  });

  it('gives the stand-in the same table without custom properties, and replication in its data center', () => {
    expect(renderCreateKeyspace(target.name, standIn)).toBe(
      `CREATE KEYSPACE "msk_ks_cass_blog" WITH REPLICATION = {'class': 'NetworkTopologyStrategy', 'datacenter1': '1'}`,
    );
    expect(renderCreateKeyspace('ks', { profile: 'cassandra', dataCenter: '', replicationFactor: 1 })).toBe(
      `CREATE KEYSPACE "ks" WITH REPLICATION = {'class': 'SimpleStrategy', 'replication_factor': '1'}`,
    );
    const cql = renderCreateTable(target.tables[0]!, standIn);
    expect(cql).toBe(renderCreateTable(target.tables[0]!, keyspaces).replace(/\n {2}AND CUSTOM_PROPERTIES.*$/, ''));
    expect(cql).not.toContain('CUSTOM_PROPERTIES');
  });
});

describe('Keyspaces CQL for a rich table', () => {
  const source = keyspace({
    name: 'Shop',
    types: { geo: ['lat:double', 'lon:double'] },
    tables: [
      {
        name: 'Events',
        columns: [
          'tenant:text:pk',
          'region:text:pk',
          'day:date:ck:desc',
          'at:timestamp:ck:asc',
          'seq:int:ck:desc',
          'owner:text:static',
          'where:frozen<geo>',
          'tags:map<text, frozen<list<int>>>',
          'pair:frozen<tuple<int, text>>',
        ],
        options: { default_time_to_live: 86400 },
      },
      { name: 'hits', columns: ['page:text:pk', 'views:counter'] },
    ],
  });
  const target = translateKeyspace(source, { ...toKeyspaces, ttlTables: new Set(['Events']) });

  it('quotes every name, keeps the composite key, mixed orders, statics, frozen types and the default TTL, and enables TTL', () => {
    expect(renderCreateTable(target.tables.find((t) => t.name === 'Events')!, keyspaces)).toBe(
      [
        'CREATE TABLE "Shop"."Events" (',
        '  "tenant" text,',
        '  "region" text,',
        '  "day" date,',
        '  "at" timestamp,',
        '  "seq" int,',
        '  "owner" text STATIC,',
        '  "pair" tuple<int, text>,',
        '  "tags" map<text, frozen<list<int>>>,',
        '  "where" frozen<"geo">,',
        '  PRIMARY KEY (("tenant", "region"), "day", "at", "seq")',
        ') WITH CLUSTERING ORDER BY ("day" DESC, "at" ASC, "seq" DESC)',
        '  AND default_time_to_live = 86400',
        "  AND CUSTOM_PROPERTIES = {'client_side_timestamps': {'status': 'enabled'}, 'ttl': {'status': 'enabled'}}",
      ].join('\n'),
    );
  });

  it('creates a counter table without custom properties: counters take no USING TIMESTAMP', () => {
    expect(renderCreateTable(target.tables.find((t) => t.name === 'hits')!, keyspaces)).toBe(
      ['CREATE TABLE "Shop"."hits" (', '  "page" text,', '  "views" counter,', '  PRIMARY KEY ("page")', ')'].join('\n'),
    );
  });

  it('creates types field by field', () => {
    expect(renderCreateType(target.types[0]!)).toBe('CREATE TYPE "Shop"."geo" (\n  "lat" double,\n  "lon" double\n)');
  });
});

describe('Keyspaces CQL for nested UDTs', () => {
  const source = keyspace({
    name: 'crm',
    types: {
      geo: ['lat:double', 'lon:double'],
      Address: ['street:text', 'location:frozen<geo>', 'tags:frozen<set<text>>'],
      contact: ['email:text', 'homes:frozen<list<frozen<"Address">>>', 'main:frozen<"Address">'],
    },
  });
  const target = translateKeyspace(source, toKeyspaces);

  it('creates each type after the ones it nests, frozen and quoted as Keyspaces takes them', () => {
    expect(target.types.map((t) => t.name)).toEqual(['geo', 'Address', 'contact']);
    expect(renderCreateType(target.types[1]!)).toBe(['CREATE TYPE "crm"."Address" (', '  "street" text,', '  "location" frozen<"geo">,', '  "tags" frozen<set<text>>', ')'].join('\n'));
    expect(renderCreateType(target.types[2]!)).toBe(
      ['CREATE TYPE "crm"."contact" (', '  "email" text,', '  "homes" frozen<list<frozen<"Address">>>,', '  "main" frozen<"Address">', ')'].join('\n'),
    );
  });
});

describe('renderType', () => {
  const udts = new Map([
    ['Addr', [{ name: 'zip', type: 'int' }]],
    ['person', [{ name: 'home', type: 'frozen<"Addr">' }]],
  ]);
  it.each([
    ['varchar', 'text'],
    ['frozen<map<text, frozen<set<int>>>>', 'frozen<map<text, frozen<set<int>>>>'],
    ['list<frozen<person>>', 'list<frozen<"person">>'],
    ['"Addr"', '"Addr"'],
    ['frozen<tuple<int, frozen<list<"Addr">>>>', 'tuple<int, frozen<list<"Addr">>>'],
    ['vector<float, 3>', 'vector<float, 3>'],
  ])('%s is written %s', (text, expected) => {
    expect(renderType(parseCqlType(text, 'ks', udts))).toBe(expected);
  });
});
