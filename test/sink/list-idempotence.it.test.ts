import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCqlClient, readTableSchema, type TableSchema } from '../../src/cql/index.js';
import type { RowOperation } from '../../src/records/index.js';
import { CqlDestination } from '../../src/sink/index.js';
import { Clients, runAll, uniqueName } from '../helpers/cql.js';

const stack = inject('stackConfig');
const clients = new Clients();
afterAll(() => clients.closeAll());

/**
 * Cassandra gives every element of a non-frozen list a fresh cell name on each write, so a record
 * written twice at its one timestamp (redelivered after a sink restart, replayed from the dead
 * letters) would store its list twice. The destination reads the row's element write times first
 * and leaves out a list that already landed at that timestamp.
 */
describe('non-frozen lists written more than once at one timestamp', () => {
  const keyspace = uniqueName('lists');
  const target = clients.connect(stack.target);
  let table: TableSchema;
  let destination: CqlDestination;
  const t0 = 1_750_000_000_000_000n;

  const upsert = (values: Record<string, unknown>, timestampUs: bigint): RowOperation => ({ kind: 'upsert', values: new Map(Object.entries(values)), timestampUs, ttlSeconds: undefined, estimatedBytes: 100 });
  const read = async (pk: string, ck = 1) => (await target.execute(`SELECT l, fl, sl, note, WRITETIME(note) AS wt FROM ${keyspace}.t WHERE pk = ? AND ck = ?`, [pk, ck], { prepare: true })).first();

  beforeAll(async () => {
    await runAll(target, [
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
      `CREATE TABLE ${keyspace}.t (pk text, ck int, l list<int>, fl frozen<list<int>>, sl list<text> static, note text, PRIMARY KEY (pk, ck))`,
    ]);
    table = (await readTableSchema(target, keyspace, 't'))!;
    destination = new CqlDestination('target', createCqlClient(stack.target), 'cassandra');
    return () => destination.close();
  });

  it('keeps each element once when the same record is written again, alone or in a batch', async () => {
    const record = upsert({ pk: 'a', ck: 1, l: [1, 2, 3], fl: [7, 8], sl: ['s'], note: 'first' }, t0);
    await destination.write(table, record);
    await destination.write(table, record);
    await destination.writeBatch(table, [record, record]);
    const row = await read('a');
    expect(row.get('l')).toEqual([1, 2, 3]);
    expect(row.get('fl')).toEqual([7, 8]);
    expect(row.get('sl')).toEqual(['s']);
    // The other cells of the repeated record are still written (idempotently) at its timestamp.
    expect(row.get('note')).toBe('first');
    expect(row.get('wt')).toBe(t0);
  });

  it('keeps each element once when copies of a record are written at the same moment (a producer retry: adjacent duplicates)', async () => {
    const record = upsert({ pk: 'd', ck: 1, l: [4, 5], sl: ['t'] }, t0);
    await Promise.all([destination.write(table, record), destination.writeBatch(table, [record, record]), destination.write(table, record), destination.writeBatch(table, [record])]);
    const row = await read('d');
    expect(row.get('l')).toEqual([4, 5]);
    expect(row.get('sl')).toEqual(['t']);
  });

  it('still converges by timestamp: a newer list replaces it, an older one never does', async () => {
    await destination.write(table, upsert({ pk: 'b', ck: 1, l: [1, 2] }, t0));
    await destination.write(table, upsert({ pk: 'b', ck: 1, l: [9] }, t0 + 10n));
    await destination.write(table, upsert({ pk: 'b', ck: 1, l: [5, 5] }, t0 + 5n));
    expect((await read('b')).get('l')).toEqual([9]);
    // Redelivered in any order: the same answer.
    await destination.write(table, upsert({ pk: 'b', ck: 1, l: [1, 2] }, t0));
    await destination.write(table, upsert({ pk: 'b', ck: 1, l: [9] }, t0 + 10n));
    expect((await read('b')).get('l')).toEqual([9]);
  });
});
