import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCqlClient, readTableSchema, type TableSchema } from '../../src/cql/index.js';
import type { RowOperation } from '../../src/records/index.js';
import { CellWriter, cellWrites, listKeyColumns, type ListWrite, ListWriteTimesReader, nonFrozenLists, type SourceRow } from '../../src/cells/index.js';
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

  /** One write of a list as another process would have made it, racing this one: straight to the table, at `timestampUs`. */
  const writeAsAnotherProcess = (pk: string, column: 'l' | 'sl', value: unknown[], timestampUs: bigint) =>
    column === 'l'
      ? target.execute(`UPDATE ${keyspace}.t USING TIMESTAMP ? SET l = ? WHERE pk = ? AND ck = 1`, [timestampUs, value, pk], { prepare: true })
      : target.execute(`UPDATE ${keyspace}.t USING TIMESTAMP ? SET sl = ? WHERE pk = ?`, [timestampUs, value, pk], { prepare: true });
  const writeTimes = async (pk: string) => {
    const row = (await target.execute(`SELECT WRITETIME(l) AS lt, WRITETIME(sl) AS st FROM ${keyspace}.t WHERE pk = ? AND ck = 1`, [pk], { prepare: true })).first();
    return { l: row.get('lt'), sl: row.get('st') };
  };

  it('a redelivered record clears the copies two racing writers left when neither lived to clear them, lists and static lists alike', async () => {
    for (let i = 0; i < 2; i++) {
      await writeAsAnotherProcess('e', 'l', [1, 2], t0);
      await writeAsAnotherProcess('e', 'sl', ['x'], t0);
    }
    await destination.write(table, upsert({ pk: 'e', ck: 1, l: [1, 2], sl: ['x'] }, t0));
    const row = await read('e');
    expect(row.get('l')).toEqual([1, 2]);
    expect(row.get('sl')).toEqual(['x']);
    // The elements kept are the ones first written: still at the record's timestamp.
    expect(await writeTimes('e')).toEqual({ l: [t0, t0], sl: [t0] });
  });

  it('a row copied again by the backfill (or repaired) clears the copies racing writers left behind', async () => {
    for (let i = 0; i < 3; i++) await writeAsAnotherProcess('f', 'l', [3, 4], t0);
    const reader = new ListWriteTimesReader(target);
    const writer = new CellWriter(target, { maxRequests: 4, lists: reader }, new AbortController().signal);
    const values = new Map<string, unknown>([['pk', 'f'], ['ck', 1], ['l', [3, 4]], ['note', 'copied']]);
    const row: SourceRow = { values, writetimes: new Map<string, bigint | bigint[]>([['l', [t0, t0]], ['note', t0]]), ttls: new Map() };
    const lists = nonFrozenLists(table).filter((c) => c.name === 'l');
    const targetListWriteTimes = await reader.read(table, lists, listKeyColumns(table, lists).map((c) => values.get(c.name)));
    const nowMs = Date.now();
    await writer.writeGroup(1, () => [{ key: () => 'f', writes: cellWrites(table, row, { readAtMs: nowMs, nowMs, includeStatic: true, keyOnlyRowTimestampUs: 0n, targetListWriteTimes }) }]);
    const copied = await read('f');
    expect(copied.get('l')).toEqual([3, 4]);
    expect(copied.get('note')).toBe('copied');
    expect((await writeTimes('f')).l).toEqual([t0, t0]);
  });

  it('leaves alone elements another record stamped with the same microsecond added (Cassandra appends them on the source too)', async () => {
    await writeAsAnotherProcess('g', 'l', [1, 2], t0);
    await writeAsAnotherProcess('g', 'l', [9], t0);
    await destination.write(table, upsert({ pk: 'g', ck: 1, l: [1, 2] }, t0));
    expect((await read('g')).get('l')).toEqual([1, 2, 9]);
  });

  it('reports copies it cannot remove yet, stamped ahead of the clock: a conditional delete carries the cluster\'s time, which would not shadow them', async () => {
    const ahead = (BigInt(Date.now()) + 3_600_000n) * 1000n;
    await writeAsAnotherProcess('h', 'l', [5], ahead);
    await writeAsAnotherProcess('h', 'l', [5], ahead);
    const kept: string[] = [];
    const reader = new ListWriteTimesReader(target, undefined, (_write, reason) => kept.push(reason));
    const write: ListWrite = { table, column: table.columns.find((c) => c.name === 'l')!, keyValues: ['h', 1], timestampUs: ahead, elements: [5] };
    await reader.removeExtraCopies(write);
    expect(kept).toEqual([expect.stringMatching(/ahead of the clock/)]);
    expect((await read('h')).get('l')).toEqual([5, 5]);
  });
});
