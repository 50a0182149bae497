import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type cassandra from 'cassandra-driver';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { Clients, countRows, eventually, referenceKeyspaceOn, runAll, uniqueName } from '../helpers/cql.js';
import { runTandem } from '../helpers/run-cli.js';
import { produceRaw } from '../helpers/sinks.js';
import { baseUs, differences, readCells, seedReferenceRows, ttlGaps } from '../helpers/activity-rows.js';
import { JobLog } from '../../src/jobs/index.js';
import pino from 'pino';
import { kafkaConnection } from '../../src/kafka/index.js';

const stack = inject('stackConfig');
const clients = new Clients();
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await clients.closeAll();
});
const bin = resolve(import.meta.dirname, '..', '..', 'bin', 'tandem.js');

function writeConfig(name: string, extra: Record<string, unknown> = {}): string {
  const configFile = join(mkdtempSync(join(tmpdir(), `tandem-${name}-`)), 'tandem.yaml');
  writeFileSync(configFile, stringify({ kafka: stack.kafka, source: stack.source, target: stack.target, ...extra }));
  return configFile;
}

function startBackfill(args: readonly string[]): { child: ChildProcess; exited: Promise<number | null>; stdout: () => string; output: () => string } {
  const child = spawn(process.execPath, [bin, 'backfill', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    output += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, stdout: () => stdout, output: () => output };
}

describe('tandem backfill', () => {
  it('copies 100,000 rows with every cell keeping its value, WRITETIME and TTL', async () => {
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    const keyspace = await referenceKeyspaceOn([source, target], 'bf');
    await seedReferenceRows(source, keyspace, 100_000);
    const configFile = writeConfig('bf');

    const run = await runTandem(['backfill', '--config', configFile, '--table', `${keyspace}.user_activity`, '--splits', '64', '--json'], { timeoutMs: 300_000 });
    expect(run.stderr).not.toContain('tandem:');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as { complete: boolean; rowsRead: number; rowsWritten: number; rowsRejected: number; rangesTotal: number };
    expect(summary).toMatchObject({ complete: true, rowsRead: 100_000, rowsWritten: 100_000, rowsRejected: 0 });
    expect(summary.rangesTotal).toBeGreaterThanOrEqual(64);

    const [onSource, onTarget] = await Promise.all([readCells(source, keyspace), readCells(target, keyspace)]);
    expect(onSource.size).toBe(100_000);
    expect(differences(onSource, onTarget)).toEqual([]);
    const withTtl = [...onSource].filter(([, cells]) => (JSON.parse(cells) as unknown[])[4] !== null).map(([key]) => key);
    expect(withTtl.length).toBeGreaterThan(9_000);
    const gaps = await ttlGaps(source, target, keyspace, withTtl.slice(0, 300));
    expect(gaps.filter((gap) => Math.abs(gap) > 1)).toEqual([]);

    // Run again: the job is complete, nothing is copied again.
    const again = await runTandem(['backfill', '--config', configFile, '--table', `${keyspace}.user_activity`, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ complete: true, thisProcess: { ranges: 0, rowsWritten: 0 } });
  });

  it('copies statics, collections, UDTs, key-only rows and static-only partitions cell by cell', async () => {
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    const keyspace = uniqueName('bfrich');
    await runAll(source, [
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
      `CREATE TYPE ${keyspace}.address (street text, zip int)`,
      `CREATE TABLE ${keyspace}.rich (pk text, ck int, s text STATIC, tags set<text>, attrs map<text, int>, items list<int>, home address, frozen_home frozen<address>, v text, PRIMARY KEY (pk, ck))`,
    ]);
    const t = (n: number) => baseUs + BigInt(n) * 1_000_000n;
    const statements: [string, unknown[]][] = [];
    for (let p = 0; p < 40; p++) {
      const pk = `p${p}`;
      statements.push([`INSERT INTO ${keyspace}.rich (pk, s) VALUES (?, ?) USING TIMESTAMP ?`, [pk, `static ${p}`, t(p)]]);
      if (p % 10 === 9) continue; // a partition with a static value and no rows
      for (let ck = 0; ck < 5; ck++) {
        if (ck === 4) {
          statements.push([`INSERT INTO ${keyspace}.rich (pk, ck) VALUES (?, ?) USING TIMESTAMP ?`, [pk, ck, t(100 + p)]]); // key only
          continue;
        }
        statements.push([
          `INSERT INTO ${keyspace}.rich (pk, ck, tags, attrs, items, home, frozen_home, v) VALUES (?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ? AND TTL ?`,
          [pk, ck, new Set(['a', 'b']), new Map([['x', 1]]), [1, 2], { street: 'Main', zip: 1000 + ck }, { street: 'Elm', zip: ck }, ck === 2 ? null : `v${ck}`, t(200 + p), ck === 1 ? 86_400 : 0],
        ]);
        // Elements and fields added later, with their own write times.
        statements.push([`UPDATE ${keyspace}.rich USING TIMESTAMP ? SET tags = tags + ?, attrs = attrs + ?, home.zip = ? WHERE pk = ? AND ck = ?`, [t(300 + p), new Set(['c']), new Map([['y', 2]]), 9000 + ck, pk, ck]]);
      }
    }
    for (const [query, params] of statements) await source.execute(query, params, { prepare: true });
    const configFile = writeConfig('bfrich');
    const schema = await runTandem(['schema', '--config', configFile, '--keyspace', keyspace]);
    expect(schema.code, schema.stderr).toBe(0);

    const run = await runTandem(['backfill', '--config', configFile, '--table', `${keyspace}.rich`, '--splits', '8', '--json', '--dual-writes-since', '2026-01-01T00:00:00Z']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ complete: true, rowsRejected: 0 });

    const cells = ['s', 'tags', 'attrs', 'home', 'frozen_home', 'v'];
    const query = `SELECT pk, ck, ${cells.join(', ')}, ${cells.map((c) => `WRITETIME(${c})`).join(', ')} FROM ${keyspace}.rich`;
    const read = async (client: cassandra.Client) =>
      (await client.execute(query, [], { prepare: true, fetchSize: 10_000 })).rows.map((r) => JSON.stringify(r.values(), (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v instanceof Set ? [...v] : v instanceof Map ? [...v] : v))).sort();
    const [onSource, onTarget] = [await read(source), await read(target)];
    expect(onSource.length).toBe(36 * 5 + 4); // 5 rows in each of 36 partitions, one row for each static-only partition
    expect(onTarget).toEqual(onSource);
    // Lists are written whole at their newest element's time (see source-cells.ts); values still match.
    const lists = `SELECT pk, ck, items FROM ${keyspace}.rich`;
    const listRows = async (client: cassandra.Client) => (await client.execute(lists)).rows.map((r) => JSON.stringify(r.values())).sort();
    expect(await listRows(target)).toEqual(await listRows(source));
    // A key-only row exists on the target with the dual-write start as its time.
    const keyOnly = await target.execute(`SELECT pk, ck, v FROM ${keyspace}.rich WHERE pk = 'p0' AND ck = 4`);
    expect(keyOnly.rowLength).toBe(1);
  });

  it('refuses a table missing on the target and tells the user to run `tandem schema`', async () => {
    const source = clients.connect(stack.source);
    const keyspace = await referenceKeyspaceOn([source], 'bfmissing');
    const run = await runTandem(['backfill', '--config', writeConfig('bfmissing'), '--table', `${keyspace}.user_activity`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`table ${keyspace}.user_activity does not exist on the target`);
    expect(run.stderr).toContain('tandem schema');
  });

  it('reports a row the target refuses with its key, copies every other row, and exits 1', async () => {
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    const keyspace = await referenceKeyspaceOn([source, target], 'bfrefused');
    const table = `${keyspace}.user_activity`;
    await seedReferenceRows(source, keyspace, 50);
    // The target refuses values over 1 MiB from its service user (as Keyspaces refuses rows over 1 MB).
    await source.execute(`INSERT INTO ${table} (user_id, activity_time, activity_type, activity_details) VALUES ('huge', '2023-05-10T12:00:00Z', 'click', ?)`, ['x'.repeat(1_500_000)], { prepare: true });

    const run = await runTandem(['backfill', '--config', writeConfig('bfrefused'), '--table', table, '--splits', '8', '--json']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the target refused 1 row(s)');
    const summary = JSON.parse(run.stdout) as { complete: boolean; rowsRead: number; rowsWritten: number; rowsRejected: number; rejections: { key: string; reason: string }[] };
    expect(summary).toMatchObject({ complete: true, rowsRead: 51, rowsWritten: 50, rowsRejected: 1 });
    expect(summary.rejections[0]!.key).toBe('user_id=huge, activity_time=2023-05-10T12:00:00.000Z');
    expect(summary.rejections[0]!.reason).toMatch(/guardrail|size/i);
    expect(await countRows(target, table)).toBe(50);
  });

  it('killed with SIGKILL halfway and started again: completes, redoing only the ranges that were in flight', async () => {
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    const keyspace = await referenceKeyspaceOn([source, target], 'bfresume');
    await seedReferenceRows(source, keyspace, 40_000);
    const configFile = writeConfig('bfresume');
    const job = uniqueName('resume');
    const args = ['--config', configFile, '--table', `${keyspace}.user_activity`, '--job', job, '--splits', '64', '--concurrency', '2', '--max-rows-per-second', '8000'];
    const first = startBackfill(args);
    const table = `${keyspace}.user_activity`;
    await eventually(() => countRows(target, table), (n) => n >= 15_000, 60_000, 200);
    first.child.kill('SIGKILL');
    await first.exited;

    const log = await JobLog.open(kafkaConnection(stack.kafka), 'backfill', job, pino({ level: 'silent' }));
    const doneAtKill = log.done.size;
    const total = log.plan!.ranges.length;
    await log.close();
    expect(doneAtKill).toBeGreaterThan(0);
    expect(doneAtKill).toBeLessThan(total);

    const second = await runTandem(['backfill', ...args.filter((a) => a !== '8000' && a !== '--max-rows-per-second'), '--json']);
    expect(second.code, second.stderr).toBe(0);
    const summary = JSON.parse(second.stdout) as { complete: boolean; rowsRead: number; thisProcess: { ranges: number } };
    expect(summary).toMatchObject({ complete: true, rowsRead: 40_000 });
    // Every range done before the kill is skipped; the ones in flight (at most --concurrency) are redone with the rest.
    expect(summary.thisProcess.ranges).toBe(total - doneAtKill);
    const [onSource, onTarget] = await Promise.all([readCells(source, keyspace), readCells(target, keyspace)]);
    expect(differences(onSource, onTarget)).toEqual([]);
  });

  it('three workers share one job; one is killed mid-way and the others copy its ranges', async () => {
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    const keyspace = await referenceKeyspaceOn([source, target], 'bfworkers');
    await seedReferenceRows(source, keyspace, 40_000);
    const configFile = writeConfig('bfworkers');
    const job = uniqueName('workers');
    const common = ['--config', configFile, '--table', `${keyspace}.user_activity`, '--job', job, '--concurrency', '2', '--max-rows-per-second', '4000'];
    const planner = startBackfill([...common, '--splits', '96', '--json']);
    const workers = [startBackfill([...common, '--worker']), startBackfill([...common, '--worker'])];
    const table = `${keyspace}.user_activity`;
    await eventually(() => countRows(target, table), (n) => n >= 12_000, 90_000, 200);
    workers[0]!.child.kill('SIGKILL');

    expect(await planner.exited, planner.output()).toBe(0);
    expect(await workers[1]!.exited, workers[1]!.output()).toBe(0);
    const summary = JSON.parse(planner.stdout()) as { complete: boolean; rowsRead: number };
    expect(summary).toMatchObject({ complete: true, rowsRead: 40_000 });
    expect(await countRows(target, table)).toBe(40_000);
    // Each process copied part of the job.
    const log = await JobLog.open(kafkaConnection(stack.kafka), 'backfill', job, pino({ level: 'silent' }));
    const byWorker = new Set([...log.done.values()].map((d) => d.worker));
    await log.close();
    expect(byWorker.size).toBeGreaterThanOrEqual(2);
  });

  it('never overwrites what the pipeline writes meanwhile: updates and deletes during the backfill win on the target', async () => {
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    const keyspace = await referenceKeyspaceOn([source, target], 'bfrace');
    await seedReferenceRows(source, keyspace, 30_000);
    const topic = uniqueName('bfrace');
    const configFile = writeConfig('bfrace', { topics: [{ topic, table: `${keyspace}.user_activity` }], sink: { groupIdPrefix: uniqueName('bfracegroup') } });
    const sink = spawn(process.execPath, [bin, 'sink', '--config', configFile, '--status-port', '0'], { stdio: 'ignore' });
    children.push(sink);
    const backfill = startBackfill(['--config', configFile, '--table', `${keyspace}.user_activity`, '--splits', '32', '--max-rows-per-second', '6000', '--json']);
    await eventually(() => countRows(target, `${keyspace}.user_activity`), (n) => n >= 3_000, 60_000, 200);

    const nowUs = BigInt(Date.now()) * 1000n;
    const key = (i: number) => ({ user_id: `user${i % 5000}`, activity_time: 1_683_720_000_000 + i });
    const records = [
      ...Array.from({ length: 1000 }, (_, j) => {
        const i = j * 29;
        return { key: JSON.stringify({ user_id: key(i).user_id }), value: JSON.stringify({ ...key(i), activity_type: 'updated', activity_details: `new ${i}` }), headers: { 'tandem-ts-us': String(nowUs + BigInt(j)) } };
      }),
      ...Array.from({ length: 200 }, (_, j) => {
        const i = j * 31 + 7;
        return { key: JSON.stringify({ user_id: key(i).user_id }), value: JSON.stringify(key(i)), headers: { 'tandem-ts-us': String(nowUs + 5000n + BigInt(j)), 'tandem-op': 'delete' } };
      }),
    ];
    await produceRaw(kafkaConnection(stack.kafka), topic, records);

    expect(await backfill.exited, backfill.output()).toBe(0);
    const table = `${keyspace}.user_activity`;
    const settledCount = 30_000 - 200;
    await eventually(async () => [await countRows(source, table), await countRows(target, table)], ([a, b]) => a === settledCount && b === settledCount, 60_000, 500);
    const [onSource, onTarget] = await Promise.all([readCells(source, keyspace), readCells(target, keyspace)]);
    expect(onSource.size).toBe(settledCount);
    expect(differences(onSource, onTarget)).toEqual([]);
    expect([...onTarget.values()].filter((cells) => cells.includes('"updated"')).length).toBeGreaterThanOrEqual(990);
    sink.kill('SIGTERM');
  });
});
