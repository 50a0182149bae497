import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { sampleKey } from '../../src/schema/sample-key.js';
import type { ClusterSchema } from '../../src/schema/schema-model.js';
import { sampleTable, sampleTables } from '../../src/schema/table-sampler.js';
import { fakeClient } from './fake-client.js';
import { keyspace } from './schema-fixtures.js';

const shop = keyspace({
  name: 'Shop',
  tables: [
    { name: 'Orders', columns: ['Id:int:pk', 'at:timestamp:ck', 'Note:text', 'tags:set<text>', 'frozen_tags:frozen<set<text>>', 'owner:text:static'] },
    { name: 'hits', columns: ['page:text:pk', 'views:counter'] },
  ],
});
const orders = shop.tables[0]!.schema;

describe('sampleTable', () => {
  it('reads the columns and the TTL of each single-cell column, quoted, with a LIMIT, at LOCAL_ONE with a long timeout', async () => {
    const client = fakeClient(() => []);
    await sampleTable(client, orders, 250.7, 50);
    expect(client.executed).toHaveLength(1);
    const [{ cql, options }] = client.executed as [(typeof client.executed)[0]];
    expect(cql).toBe(
      'SELECT "Id" AS c0, "at" AS c1, "Note" AS c2, "frozen_tags" AS c3, "owner" AS c4, "tags" AS c5, TTL("Note") AS c6, TTL("frozen_tags") AS c7, TTL("owner") AS c8 FROM "Shop"."Orders" LIMIT 250',
    );
    expect(options).toEqual({ prepare: true, fetchSize: 50, consistency: cassandra.types.consistencies.localOne, readTimeout: 30_000 });
  });

  it('measures the rows and counts those with a TTL', async () => {
    // Under the positional aliases: Id, at, Note, frozen_tags, owner, tags, then the three TTLs.
    const row = (note: string, ttl: number | null) => ({ c0: 1, c1: new Date(0), c2: note, c3: null, c4: null, c5: null, c6: ttl, c7: null, c8: null });
    const sample = await sampleTable(fakeClient(() => [row('x'.repeat(100), null), row('y', 60)]), orders, 10);
    expect(sample).toMatchObject({ rows: 2, maxPartitionKeyBytes: 4, rowsWithTtl: 1 });
    expect(sample.error).toBeUndefined();
  });

  it('captures an error as a sample with `error`, and has no TTL count for a table without a TTL column', async () => {
    const failed = await sampleTable(fakeClient(() => new Error('Operation timed out')), orders, 10);
    expect(failed).toMatchObject({ rows: 0, error: 'Operation timed out' });
    const client = fakeClient(() => []);
    expect((await sampleTable(client, shop.tables[1]!.schema, 10)).rowsWithTtl).toBeUndefined();
    expect(client.executed[0]!.cql).toBe('SELECT "page" AS c0, "views" AS c1 FROM "Shop"."hits" LIMIT 10');
  });
});

describe('sampleTables', () => {
  it('samples the tables it is told to, one by one, keyed by sampleKey', async () => {
    const schema: ClusterSchema = { releaseVersion: '5.0.9', dataCenter: 'dc1', nodesInDataCenter: 1, keyspaces: [shop] };
    const client = fakeClient(() => []);
    const samples = await sampleTables(client, schema, 5, (table) => !table.schema.isCounterTable);
    expect([...samples.keys()]).toEqual([sampleKey('Shop', 'Orders')]);
    expect(client.executed).toHaveLength(1);
  });
});
