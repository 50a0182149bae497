import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Clients, runAll, uniqueName } from '../helpers/cql.js';
import { racedRowKey, type RacerArgs } from '../helpers/list-racer.js';

const stack = inject('stackConfig');
const clients = new Clients();
afterAll(() => clients.closeAll());

const racer = resolve(import.meta.dirname, '..', 'helpers', 'list-racer.ts');

/** Runs one racer process to its end; its stdout and stderr come back for the failure message. */
function race(args: RacerArgs): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', racer, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((done) => child.once('exit', (code) => done({ code, output })));
}

/**
 * Cassandra names every list element by a fresh time-UUID on each write, so two processes that
 * both read "not written yet" and both write one list record at its timestamp store its elements
 * twice, and under load even interleaved ([1, 2, 1, 3, 2, 3]). The in-process guard cannot see the
 * other process; what must hold is the end state: after both finish, each row holds each element
 * once, every one at the record's timestamp.
 */
describe('one list record written by two processes at once', () => {
  const target = clients.connect(stack.target);
  const t0 = 1_750_000_000_000_000n;
  const rows = 400;
  const list = [1, 2, 3, 4, 5, 6];
  const staticList = ['a', 'b'];

  const keyspace = uniqueName('listrace');
  beforeAll(() => runAll(target, [`CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`]));

  /** Rows whose list or static list is not the record's, elements once each, at its timestamp. */
  async function damagedRows(table: string, timestampUs: bigint): Promise<string[]> {
    const damaged: string[] = [];
    for (let i = 0; i < rows; i++) {
      const { pk, ck } = racedRowKey(i);
      const row = (await target.execute(`SELECT l, WRITETIME(l) AS lt, sl, WRITETIME(sl) AS st FROM ${keyspace}.${table} WHERE pk = ? AND ck = ?`, [pk, ck], { prepare: true })).first();
      const once = (values: unknown, times: unknown, expected: readonly unknown[]) =>
        JSON.stringify(values) === JSON.stringify(expected) && Array.isArray(times) && times.length === expected.length && times.every((t) => t === timestampUs);
      if (!row || !once(row.get('l'), row.get('lt'), list) || !once(row.get('sl'), row.get('st'), staticList)) damaged.push(`${pk}/${ck}: l=${JSON.stringify(row?.get('l'))} sl=${JSON.stringify(row?.get('sl'))}`);
    }
    return damaged;
  }

  async function raceTwo(table: string, writers: readonly [RacerArgs['writer'], RacerArgs['writer']]): Promise<string[]> {
    await target.execute(`CREATE TABLE ${keyspace}.${table} (pk text, ck int, l list<int>, sl list<text> static, note text, PRIMARY KEY (pk, ck))`);
    const common = { cluster: stack.target, keyspace, table, rows, concurrency: 16, startAtMs: Date.now() + 5_000, timestampUs: String(t0), list, staticList };
    const results = await Promise.all(writers.map((writer) => race({ ...common, writer })));
    for (const result of results) expect(result.code, result.output).toBe(0);
    // Every copy a racer saw was removable: none left behind with a reason.
    expect(results.map((r) => r.output).join('')).not.toMatch(/kept extra copies/);
    return damagedRows(table, t0);
  }

  it('two sink processes (a rebalance, a replay beside the sink): every row holds each element once', async () => {
    const damaged = await raceTwo('sink_sink', ['sink', 'sink']);
    expect(damaged.slice(0, 5), `${damaged.length} of ${rows} rows damaged`).toEqual([]);
  });

  it('the sink and a backfill (or repair) process: every row holds each element once', async () => {
    const damaged = await raceTwo('sink_backfill', ['sink', 'backfill']);
    expect(damaged.slice(0, 5), `${damaged.length} of ${rows} rows damaged`).toEqual([]);
  });

  it('two backfill processes (a range copied twice at once): every row holds each element once', async () => {
    const damaged = await raceTwo('backfill_backfill', ['backfill', 'backfill']);
    expect(damaged.slice(0, 5), `${damaged.length} of ${rows} rows damaged`).toEqual([]);
  });
});
