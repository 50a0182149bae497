import { describe, expect, it } from 'vitest';
import type { CqlDialect } from '../../src/schema/cql-renderer.js';
import { planKeyspace } from '../../src/schema/schema-plan.js';
import { translateKeyspace } from '../../src/schema/translate-keyspace.js';
import { keyspace, type TableSpec } from './schema-fixtures.js';

const keyspaces: CqlDialect = { profile: 'keyspaces' };
const standIn: CqlDialect = { profile: 'cassandra', dataCenter: 'datacenter1', replicationFactor: 1 };

const orders: TableSpec = {
  name: 'orders',
  columns: ['shop:text:pk', 'placed:timestamp:ck:desc', 'id:uuid:ck', 'total:decimal', 'lines:list<frozen<line>>', 'owner:text:static'],
  options: { default_time_to_live: 0 },
};
const types = { line: ['sku:text', 'qty:int'] };
const source = keyspace({ name: 'shop', types, tables: [orders] });

function plan(existingTables: TableSpec[] | undefined, existingTypes: Record<string, string[]> = types, dialect = standIn) {
  const existing = existingTables ? keyspace({ name: 'shop', types: existingTypes, tables: existingTables }) : undefined;
  return planKeyspace(translateKeyspace(source, { target: { profile: 'keyspaces' } }), existing, dialect);
}

const statusOf = (items: ReturnType<typeof plan>) => items.map((i) => `${i.kind} ${i.name}: ${i.status}`);

describe('planKeyspace', () => {
  it('creates everything on an empty target, keyspace first, then types, then tables', () => {
    const items = plan(undefined);
    expect(statusOf(items)).toEqual(['keyspace shop: create', 'type line: create', 'table orders: create']);
    expect(items.map((i) => i.cql?.split(' (')[0])).toEqual([
      `CREATE KEYSPACE "shop" WITH REPLICATION = {'class': 'NetworkTopologyStrategy', 'datacenter1': '1'}`,
      'CREATE TYPE "shop"."line"',
      'CREATE TABLE "shop"."orders"',
    ]);
  });

  it('leaves an identical keyspace, type and table alone', () => {
    expect(statusOf(plan([orders]))).toEqual(['keyspace shop: unchanged', 'type line: unchanged', 'table orders: unchanged']);
  });

  it('creates only what is missing', () => {
    expect(statusOf(plan([]))).toEqual(['keyspace shop: unchanged', 'type line: unchanged', 'table orders: create']);
  });

  const keys = ['shop:text:pk', 'placed:timestamp:ck:desc', 'id:uuid:ck', 'lines:list<frozen<line>>'];
  it.each([
    ['a column of another type', [...keys, 'total:double', 'owner:text:static'], 'column total is double on the target, decimal on the source'],
    ['a missing column', [...keys, 'owner:text:static'], 'column total is missing on the target'],
    ['an extra column', [...keys, 'total:decimal', 'owner:text:static', 'note:text'], 'the target has column note, which the source lacks'],
    ['a regular column where the source has a static one', [...keys, 'total:decimal', 'owner:text'], 'column owner is a regular column on the target, a static column on the source'],
  ])('reports %s as a conflict, naming it', (_what, columns, difference) => {
    const table = plan([{ ...orders, columns }]).find((i) => i.kind === 'table')!;
    expect(table.status).toBe('conflict');
    expect(table.details).toEqual([difference]);
    expect(table.cql).toBeUndefined();
  });

  it('reports another clustering order, another key order and another default TTL as conflicts', () => {
    const reordered = ['shop:text:pk', 'placed:timestamp:ck:asc', 'id:uuid:ck', 'total:decimal', 'lines:list<frozen<line>>', 'owner:text:static'];
    expect(plan([{ ...orders, columns: reordered }]).find((i) => i.kind === 'table')!.details).toEqual([
      'column placed sorts asc on the target, desc on the source',
    ]);
    const swapped = ['shop:text:pk', 'id:uuid:ck', 'placed:timestamp:ck:desc', 'total:decimal', 'lines:list<frozen<line>>', 'owner:text:static'];
    expect(plan([{ ...orders, columns: swapped }]).find((i) => i.kind === 'table')!.details).toEqual([
      'column placed is clustering #2 on the target, clustering #1 on the source',
      'column id is clustering #1 on the target, clustering #2 on the source',
    ]);
    expect(plan([{ ...orders, options: { default_time_to_live: 60 } }]).find((i) => i.kind === 'table')!.details).toEqual([
      'default_time_to_live is 60 on the target, 0 on the source',
    ]);
  });

  it('reports a type with other fields as a conflict and holds back new tables that use it', () => {
    const items = plan([], { line: ['sku:text', 'qty:bigint'] });
    expect(statusOf(items)).toEqual(['keyspace shop: unchanged', 'type line: conflict', 'table orders: skipped']);
    expect(items[1]!.details).toEqual(['fields are (sku text, qty bigint) on the target, (sku text, qty int) on the source']);
    expect(items[2]!.details).toEqual(['it uses type line, which differs on the target']);
  });

  it('on Keyspaces, reports an existing table without client-side timestamps as a conflict', () => {
    const without = { ...orders, keyspaces: { status: 'ACTIVE', custom_properties: new Map([['capacity_mode', new Map([['throughput_mode', 'PAY_PER_REQUEST']])]]) } };
    expect(plan([without], types, keyspaces).find((i) => i.kind === 'table')!.details).toEqual(['client_side_timestamps is not enabled, so USING TIMESTAMP is refused']);
    const withIt = { ...orders, keyspaces: { status: 'ACTIVE', custom_properties: new Map([['client_side_timestamps', new Map([['status', 'enabled']])]]) } };
    expect(plan([withIt], types, keyspaces).find((i) => i.kind === 'table')!.status).toBe('unchanged');
  });

  it('on Keyspaces, reports an existing table without TTL as a conflict when the source needs TTL', () => {
    const withTtl = planKeyspace(translateKeyspace(source, { target: { profile: 'keyspaces' }, ttlTables: new Set(['orders']) }), keyspace({
      name: 'shop',
      types,
      tables: [{ ...orders, keyspaces: { status: 'ACTIVE', custom_properties: new Map([['client_side_timestamps', new Map([['status', 'enabled']])], ['ttl', new Map([['status', 'disabled']])]]) } }],
    }), keyspaces);
    expect(withTtl.find((i) => i.kind === 'table')).toMatchObject({ status: 'conflict', details: ['ttl is not enabled, so USING TTL is refused'] });
  });

  it('holds back a new type that nests a differing type, and the tables that use either', () => {
    const nested = keyspace({
      name: 'shop',
      types: { line: ['sku:text', 'qty:int'], basket: ['lines:frozen<list<frozen<line>>>'], note: ['text:text'] },
      tables: [
        { name: 'carts', columns: ['id:int:pk', 'basket:frozen<basket>'] },
        { name: 'orders', columns: ['id:int:pk', 'line:frozen<line>', 'note:frozen<note>'] },
        { name: 'plain', columns: ['id:int:pk', 'note:frozen<note>'] },
      ],
    });
    const existing = keyspace({ name: 'shop', types: { line: ['sku:text', 'qty:bigint'] } });
    const items = planKeyspace(translateKeyspace(nested, { target: { profile: 'keyspaces' } }), existing, standIn);
    expect(items.map((i) => `${i.kind} ${i.name}: ${i.status}${i.details ? ` (${i.details.join('; ')})` : ''}`)).toEqual([
      'keyspace shop: unchanged',
      'type line: conflict (fields are (sku text, qty bigint) on the target, (sku text, qty int) on the source)',
      'type basket: skipped (it uses type line, which differs on the target)',
      'type note: create',
      // Types nest: carts uses line through basket.
      'table carts: skipped (it uses type line, which differs on the target; it uses type basket, held back because it uses a type that differs on the target)',
      'table orders: skipped (it uses type line, which differs on the target)',
      'table plain: create',
    ]);
  });

  it('reports a table whose definition on the target cannot be read as a conflict, never creating it', () => {
    const existing = keyspace({ name: 'shop', types, tables: [{ name: 'orders', columns: ['shop:text:pk', ':empty'] }] });
    const items = planKeyspace(translateKeyspace(source, { target: { profile: 'keyspaces' } }), existing, standIn);
    expect(items.find((i) => i.kind === 'table')).toMatchObject({ status: 'conflict', details: ['its definition on the target cannot be read: unknown type empty in empty'] });
  });

  it('lists skipped objects after the ones it creates', () => {
    const withView = keyspace({ name: 'shop', tables: [orders], types, extra: { views: [{ view_name: 'by_total', base_table_name: 'orders' }] } });
    const items = planKeyspace(translateKeyspace(withView, { target: { profile: 'keyspaces' } }), undefined, keyspaces);
    expect(items.at(-1)).toMatchObject({ kind: 'materialized view', name: 'by_total', status: 'skipped' });
  });
});
