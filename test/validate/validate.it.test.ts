import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { Clients, eventually, countRows, referenceKeyspaceOn, uniqueName } from '../helpers/cql.js';
import { produceRaw } from '../helpers/sinks.js';
import { runTandem } from '../helpers/run-cli.js';
import { baseUs, seedReferenceRows } from '../helpers/activity-rows.js';
import { pino } from 'pino';
import { JobLog } from '../../src/jobs/index.js';
import type { RangeComparison, ValidationPlan, ValidationResult } from '../../src/validate/index.js';
import { kafkaConnection } from '../../src/kafka/index.js';

const stack = inject('stackConfig');
const clients = new Clients();
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await clients.closeAll();
});

interface Report {
  sourceRows: number;
  targetRows: number;
  differences: { missing: number; extra: number; mismatched: number };
  examples: { kind: string; key: string; columns: { column: string; kind: string }[] }[];
  remaining: { missing: number; extra: number; mismatched: number };
  repair?: { attempted: number; fixed: number; notFixed: { key: string; reason: string }[] };
  clean: boolean;
}

function writeConfig(name: string, extra: Record<string, unknown> = {}): string {
  const configFile = join(mkdtempSync(join(tmpdir(), `tandem-${name}-`)), 'tandem.yaml');
  writeFileSync(configFile, stringify({ kafka: stack.kafka, source: stack.source, target: stack.target, ...extra }));
  return configFile;
}

const keyOf = (i: number) => `user_id='user${i % 5000}', activity_time=${new Date(1_683_720_000_000 + i).toISOString()}`;

describe('tandem validate', () => {
  it('finds exactly the rows that differ, by class; --repair fixes what the source can win and leaves extras and newer deletes alone', { timeout: 400_000 }, async () => {
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    const keyspace = await referenceKeyspaceOn([source, target], 'val');
    const table = `${keyspace}.user_activity`;
    await seedReferenceRows(source, keyspace, 20_000);
    const configFile = writeConfig('val');
    const backfill = await runTandem(['backfill', '--config', configFile, '--table', table, '--splits', '64']);
    expect(backfill.code, backfill.stderr).toBe(0);

    const validate = async (...extra: string[]) => {
      const run = await runTandem(['validate', '--config', configFile, '--table', table, '--json', '--examples', '1000', ...extra]);
      expect(run.stderr).not.toContain('tandem:');
      return { code: run.code, report: JSON.parse(run.stdout) as Report };
    };
    const clean = await validate();
    expect(clean.code).toBe(0);
    expect(clean.report).toMatchObject({ sourceRows: 20_000, targetRows: 20_000, clean: true, differences: { missing: 0, extra: 0, mismatched: 0 } });

    const at = (i: number) => [`user${i % 5000}`, new Date(1_683_720_000_000 + i)];
    const later = baseUs + 10_000_000_000n;
    // Missing on the target: 25 rows that reached only the source (a lost dual write).
    const missing = Array.from({ length: 25 }, (_, j) => 200_000 + j);
    for (const i of missing) await source.execute(`INSERT INTO ${table} (user_id, activity_time, activity_type) VALUES (?, ?, 'late') USING TIMESTAMP ?`, [...at(i), later], { prepare: true });
    // Mismatched: 25 rows whose newer activity_type reached only the source.
    const mismatched = Array.from({ length: 25 }, (_, j) => 1 + j * 797);
    for (const i of mismatched) await source.execute(`UPDATE ${table} USING TIMESTAMP ? SET activity_type = 'changed' WHERE user_id = ? AND activity_time = ?`, [later, ...at(i)], { prepare: true });
    // Extra on the target: 10 rows the source never had.
    const extra = Array.from({ length: 10 }, (_, j) => 300_000 + j);
    for (const i of extra) await target.execute(`INSERT INTO ${table} (user_id, activity_time, activity_type) VALUES (?, ?, 'extra')`, at(i), { prepare: true });
    // Same value, newer write time on the source: a difference only when write times are compared.
    // (Not rows without details, whose null value has no write time to differ.)
    const deleted = [3, 1010, 2020];
    const rewritten = Array.from({ length: 40 }, (_, j) => 2 + j * 1009)
      .filter((i) => i % 7 !== 0 && !deleted.includes(i) && !mismatched.includes(i))
      .slice(0, 10);
    for (const i of rewritten) {
      const row = (await source.execute(`SELECT activity_details FROM ${table} WHERE user_id = ? AND activity_time = ?`, at(i), { prepare: true })).first();
      await source.execute(`UPDATE ${table} USING TIMESTAMP ? SET activity_details = ? WHERE user_id = ? AND activity_time = ?`, [later, row['activity_details'], ...at(i)], { prepare: true });
    }
    // Deleted on the target after the copy: a newer delete, which repair must never undo.
    for (const i of deleted) await target.execute(`DELETE FROM ${table} WHERE user_id = ? AND activity_time = ?`, at(i), { prepare: true });

    const keys = (report: Report, kind: string) => report.examples.filter((e) => e.kind === kind).map((e) => e.key).sort();
    const byValue = await validate();
    expect(byValue.code).toBe(1);
    expect(byValue.report.differences).toEqual({ missing: 28, extra: 10, mismatched: 25 });
    expect(keys(byValue.report, 'missing')).toEqual([...missing, ...deleted].map(keyOf).sort());
    expect(keys(byValue.report, 'extra')).toEqual(extra.map(keyOf).sort());
    expect(keys(byValue.report, 'mismatched')).toEqual(mismatched.map(keyOf).sort());
    expect(byValue.report.examples.find((e) => e.kind === 'mismatched')!.columns).toEqual([expect.objectContaining({ column: 'activity_type', kind: 'value' })]);

    const byWritetime = await validate('--compare', 'values+writetime');
    expect(byWritetime.report.differences).toEqual({ missing: 28, extra: 10, mismatched: 35 });
    const writetimeOnly = byWritetime.report.examples.filter((e) => e.columns.length > 0 && e.columns.every((c) => c.kind === 'writetime'));
    expect(writetimeOnly.map((e) => e.key).sort()).toEqual(rewritten.map(keyOf).sort());

    const repaired = await validate('--compare', 'values+writetime', '--repair');
    expect(repaired.report.repair).toMatchObject({ attempted: 63, fixed: 60 });
    expect(repaired.report.repair!.notFixed.map((e) => e.key).sort()).toEqual(deleted.map(keyOf).sort());
    expect(repaired.report.repair!.notFixed[0]!.reason).toContain('newer value or delete');
    expect(repaired.report.remaining).toEqual({ missing: 3, extra: 10, mismatched: 0 });
    expect(repaired.code).toBe(1);

    const after = await validate('--compare', 'values+writetime');
    expect(after.code).toBe(1);
    expect(after.report.differences).toEqual({ missing: 3, extra: 10, mismatched: 0 });

    // --repair-extra deletes the extras at the newest write time each holds, not "now": a write of
    // the same row made after it (a dual write on its way) still wins.
    const writetimeOf = async (i: number) =>
      BigInt(String((await target.execute(`SELECT WRITETIME(activity_type) AS w FROM ${table} WHERE user_id = ? AND activity_time = ?`, at(i), { prepare: true })).first()['w']));
    const onItsWay = extra[0]!;
    const extraWrittenAt = await writetimeOf(onItsWay);
    const extrasRepaired = await validate('--repair-extra');
    expect(extrasRepaired.report.repair).toMatchObject({ attempted: 10, fixed: 10 });
    expect(extrasRepaired.report.remaining).toEqual({ missing: 3, extra: 0, mismatched: 0 });
    const rowsAt = async (i: number) => (await target.execute(`SELECT user_id FROM ${table} WHERE user_id = ? AND activity_time = ?`, at(i), { prepare: true })).rowLength;
    for (const i of extra) expect(await rowsAt(i)).toBe(0);
    await target.execute(`INSERT INTO ${table} (user_id, activity_time, activity_type) VALUES (?, ?, 'on its way') USING TIMESTAMP ?`, [...at(onItsWay), extraWrittenAt + 1n], { prepare: true });
    expect(await rowsAt(onItsWay)).toBe(1);
  });

  it('exits 2 with one line for a table that does not exist', async () => {
    const run = await runTandem(['validate', '--config', writeConfig('valmissing'), '--table', 'no_such_keyspace.t']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('does not exist on the source');
  });

  it('is a job in Kafka: killed mid-way it resumes with the ranges not yet compared, and workers share one', { timeout: 400_000 }, async () => {
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    const keyspace = await referenceKeyspaceOn([source, target], 'valjob');
    const table = `${keyspace}.user_activity`;
    await seedReferenceRows(source, keyspace, 10_000);
    const configFile = writeConfig('valjob');
    const backfill = await runTandem(['backfill', '--config', configFile, '--table', table, '--splits', '64']);
    expect(backfill.code, backfill.stderr).toBe(0);
    // Five rows only the target holds: the resumed report must add up what both runs found.
    for (let i = 0; i < 5; i++) {
      await target.execute(`INSERT INTO ${table} (user_id, activity_time, activity_type) VALUES (?, ?, 'extra')`, [`extra${i}`, new Date(1_683_720_000_000 + i)], { prepare: true });
    }
    const openLog = (job: string) => JobLog.open<ValidationPlan, RangeComparison, ValidationResult>(kafkaConnection(stack.kafka), 'validate', job, pino({ level: 'silent' }));
    const bin = resolve(import.meta.dirname, '..', '..', 'bin', 'tandem.js');
    // Small pages and many ranges, one at a time: slow enough to be killed mid-way and to be shared.
    const slow = ['--config', configFile, '--table', table, '--concurrency', '1', '--page-size', '50', '--json'];

    const job = uniqueName('valresume');
    const watching = await openLog(job);
    const first = spawn(process.execPath, [bin, 'validate', ...slow, '--job', job, '--splits', '512'], { stdio: 'ignore' });
    children.push(first);
    const firstExited = new Promise((done) => first.once('exit', done));
    await eventually(async () => watching.done.size, (n) => n >= 40, 120_000, 10);
    first.kill('SIGKILL');
    await firstExited;
    await watching.close();
    const atKill = await openLog(job);
    const doneAtKill = atKill.done.size;
    const total = atKill.plan!.ranges.length;
    await atKill.close();
    expect(doneAtKill).toBeGreaterThan(0);
    expect(doneAtKill).toBeLessThan(total);

    const second = await runTandem(['validate', ...slow, '--job', job]);
    expect(second.code, second.stderr).toBe(1);
    const resumed = JSON.parse(second.stdout) as Report & { job: string; rangesCompared: number; thisProcess: { ranges: number } };
    expect(resumed).toMatchObject({ job, rangesCompared: total, sourceRows: 10_000, targetRows: 10_005, differences: { missing: 0, extra: 5, mismatched: 0 }, clean: false });
    expect(resumed.thisProcess.ranges).toBe(total - doneAtKill);
    const finished = await openLog(job);
    expect(finished.result).toMatchObject({ job, table, clean: false, rowsCompared: 10_000, remaining: { missing: 0, extra: 5, mismatched: 0 } });
    await finished.close();

    const shared = uniqueName('valworkers');
    const [planner, worker] = await Promise.all([
      runTandem(['validate', ...slow, '--job', shared, '--splits', '1024']),
      runTandem(['validate', ...slow, '--job', shared, '--worker']),
    ]);
    for (const run of [planner, worker]) {
      expect(run.code, run.stderr).toBe(1);
      expect(JSON.parse(run.stdout)).toMatchObject({ sourceRows: 10_000, differences: { missing: 0, extra: 5, mismatched: 0 } });
    }
    const sharedLog = await openLog(shared);
    const byWorker = new Set([...sharedLog.done.values()].map((d) => d.worker));
    await sharedLog.close();
    expect(byWorker.size).toBe(2);
  });

  it('reports no false differences while a 5,000 records/s dual-write stream runs', { timeout: 300_000 }, async () => {
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    const keyspace = await referenceKeyspaceOn([source, target], 'vallive');
    const table = `${keyspace}.user_activity`;
    const topic = uniqueName('vallive');
    const configFile = writeConfig('vallive', { topics: [{ topic, table }], sink: { groupIdPrefix: uniqueName('vallivegroup') } });
    const sink = spawn(process.execPath, [resolve(import.meta.dirname, '..', '..', 'bin', 'tandem.js'), 'sink', '--config', configFile, '--status-port', '0'], { stdio: 'ignore' });
    children.push(sink);

    // 5,000 records/s for 20 s: new rows, and updates of rows written a few seconds before.
    const perTick = 500;
    const ticks = 200;
    let produced = 0;
    const record = (i: number, version: number) => ({
      key: JSON.stringify({ user_id: `live${i % 2000}` }),
      value: JSON.stringify({ user_id: `live${i % 2000}`, activity_time: 1_683_720_000_000 + i, activity_type: `v${version}`, activity_details: `record ${i} version ${version}` }),
      headers: { 'tandem-ts-us': String(BigInt(Date.now()) * 1000n + BigInt(version)) },
    });
    const stream = (async () => {
      const began = Date.now();
      for (let tick = 0; tick < ticks; tick++) {
        const batch = Array.from({ length: perTick }, (_, j) => {
          const n = tick * perTick + j;
          // Every fourth record updates a row written about 2 s earlier.
          return n % 4 === 3 && n > 10_000 ? record(n - 10_000, 2) : record(n, 1);
        });
        await produceRaw(kafkaConnection(stack.kafka), topic, batch);
        produced += batch.length;
        const due = began + (tick + 1) * 100;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      }
    })();

    await eventually(async () => produced, (n) => n >= 25_000, 60_000, 200);
    const run = await runTandem(['validate', '--config', configFile, '--table', table, '--json', '--splits', '16']);
    await stream;
    expect(run.stderr).not.toContain('tandem:');
    const report = JSON.parse(run.stdout) as Report & { changedWhileCompared: number };
    expect(report.sourceRows).toBeGreaterThan(5_000);
    expect(report.differences).toEqual({ missing: 0, extra: 0, mismatched: 0 });
    expect(run.code).toBe(0);
    // Once the stream is over, both sides hold every row.
    const [onSource, onTarget] = await eventually(async () => [await countRows(source, table), await countRows(target, table)], ([a, b]) => a === b && a! > 0, 60_000, 500);
    expect(onTarget).toBe(onSource);
    sink.kill('SIGTERM');
  });
});
