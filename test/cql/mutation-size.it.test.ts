import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deletionDataSize, mutationDataSize, readTableSchema, type TableSchema } from '../../src/cql/index.js';
import type { RowOperation } from '../../src/records/index.js';
import { bindValues, deleteCql, insertCql } from '../../src/sink/statements.js';
import { Clients, runAll, uniqueName } from '../helpers/cql.js';

const stack = inject('stackConfig');
const clients = new Clients();
afterAll(() => clients.closeAll());

/**
 * The sink and the backfill keep each batch under Cassandra's batch_size_warn_threshold, or the
 * server logs a warning for every batch (tens of thousands per minute at 5,000 records/s, each
 * costing the server CPU). That only works if the size is counted as Cassandra counts it; the
 * server says so itself: a batch over the threshold comes back with a warning naming its size in bytes.
 */
describe('mutationDataSize: a batch weighs what Cassandra says it weighs', () => {
  const keyspace = uniqueName('mutsize');
  const client = clients.connect(stack.source);
  let table: TableSchema;

  beforeAll(async () => {
    await runAll(client, [
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
      `CREATE TYPE ${keyspace}.geo (lat double, label text)`,
      `CREATE TABLE ${keyspace}.wide (pk text, ck timestamp, n int, b bigint, t text, l list<int>, s set<text>, m map<text, int>,
         fl frozen<list<text>>, tup frozen<tuple<int, text>>, g geo, fg frozen<geo>, st text static, PRIMARY KEY (pk, ck))`,
    ]);
    table = (await readTableSchema(client, keyspace, 'wide'))!;
  });

  const upsert = (values: Record<string, unknown>, ttlSeconds?: number): RowOperation => ({
    kind: 'upsert',
    values: new Map(Object.entries(values)),
    timestampUs: 1_750_000_000_000_000n,
    ttlSeconds,
    estimatedBytes: 0,
  });

  /** Sends the operations as one unlogged batch, as the sink does, and returns the size the server reported. */
  async function serverSize(ops: readonly RowOperation[]): Promise<number | undefined> {
    const queries = ops.map((op) => ({ query: op.kind !== 'upsert' ? deleteCql(table) : insertCql(table, op.ttlSeconds !== undefined), params: bindValues(table, op) }));
    const result = await client.batch(queries, { prepare: true, logged: false, consistency: cassandra.types.consistencies.localQuorum });
    const warning = (result.info.warnings ?? []).find((w) => w.startsWith('Batch for'));
    const size = warning ? /is of size (\d+)/.exec(warning)?.[1] : undefined;
    return size === undefined ? undefined : Number(size);
  }

  const ourSize = (ops: readonly RowOperation[]) =>
    ops.reduce((sum, op) => sum + (op.kind === 'upsert' ? mutationDataSize(table, op.values, (op.ttlSeconds ?? 0) > 0) : deletionDataSize(table, op.key)), 0);

  it('counts every kind of column exactly, one row per partition', async () => {
    const ops: RowOperation[] = [];
    for (let i = 0; i < 12; i++) {
      ops.push(
        upsert(
          {
            pk: `p${i}`,
            ck: new Date(i),
            n: i,
            b: BigInt(i),
            t: 'x'.repeat(40 + i),
            l: [1, 2, 3].slice(0, 1 + (i % 3)),
            s: new Set(['a', 'bb', 'ccc'].slice(0, 1 + (i % 3))),
            m: new Map(Object.entries({ k1: 1, key2: 2 })),
            fl: ['one', 'two'],
            tup: new cassandra.types.Tuple(7, 'seven'),
            g: { lat: 1.5, label: 'home' },
            fg: { lat: 2.5, label: 'work' },
            st: `static ${i}`,
          },
          // Every third row expires; its row liveness carries the TTL.
          i % 3 === 0 ? 3_600 : undefined,
        ),
      );
    }
    // Tombstones: a null cell, a null list, a deleted row.
    ops.push(upsert({ pk: 'nulls', ck: new Date(0), t: null, l: null }));
    ops.push({ kind: 'delete', key: new Map<string, unknown>([['pk', 'gone'], ['ck', new Date(5)]]), timestampUs: 1_750_000_000_000_000n });

    const reported = await serverSize(ops);
    expect(reported, 'the batch should be over the 5 KiB warning threshold, or the server names no size').toBeGreaterThan(5_120);
    expect(ourSize(ops)).toBe(reported);
  });

  it('keeps the reference rows at what the server logs for them (30 rows of 100 bytes of text: 5.8 KiB, over the threshold)', async () => {
    const ops = Array.from({ length: 30 }, (_, i) => upsert({ pk: `r${i}`, ck: new Date(i), t: 'x'.repeat(100), b: 1n }));
    const reported = await serverSize(ops);
    expect(reported).toBeGreaterThan(5_120);
    expect(ourSize(ops)).toBe(reported);
    // Cut at the default batchMaxBytes, the same rows make batches the server takes without a word.
    const perRow = ourSize(ops.slice(0, 1));
    const fitting = ops.slice(0, Math.floor(5_120 / perRow));
    expect(fitting.length).toBeGreaterThan(1);
    expect(await serverSize(fitting)).toBeUndefined();
  });
});
