import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { Clients, countRows, referenceKeyspaceOn, uniqueName } from '../helpers/cql.js';
import { produceRaw, runSinksUntil, settled, sinkConfig } from '../helpers/sinks.js';
import { runTandem } from '../helpers/run-cli.js';
import { seedReferenceRows } from '../helpers/activity-rows.js';
import { kafkaConnection } from '../../src/kafka/index.js';

const stack = inject('stackConfig');
const clients = new Clients();
afterAll(() => clients.closeAll());

interface Example {
  kind: string;
  key: string;
  reason?: string;
}
interface Report {
  differences: { missing: number; extra: number; mismatched: number };
  remaining: { missing: number; extra: number; mismatched: number };
  unsettled: number;
  unsettledExamples: Example[];
  repair?: { attempted: number; fixed: number; notFixed: Example[]; sourceWins?: { kind: string; key: string; timestampUs: string }[]; sourceWon?: number };
  clean: boolean;
}

function writeConfig(name: string, extra: Record<string, unknown> = {}): string {
  const configFile = join(mkdtempSync(join(tmpdir(), `tandem-${name}-`)), 'tandem.yaml');
  writeFileSync(configFile, stringify({ kafka: stack.kafka, source: stack.source, target: stack.target, ...extra }));
  return configFile;
}

async function validate(configFile: string, table: string, ...extra: string[]): Promise<{ code: number; report: Report; stdout: string }> {
  const run = await runTandem(['validate', '--config', configFile, '--table', table, '--json', '--examples', '1000', ...extra]);
  expect(run.stderr).not.toContain('tandem:');
  return { code: run.code, report: JSON.parse(run.stdout) as Report, stdout: run.stdout };
}

const record = (i: number) => ({
  key: JSON.stringify({ user_id: `u${i % 7}` }),
  value: JSON.stringify({ user_id: `u${i % 7}`, activity_time: 1_683_720_000_000 + i, activity_type: 'click', activity_details: `record ${i}` }),
});

describe('validate while a sink is behind', () => {
  it('never deletes, repairs or reports a row a sink has not written yet: it is unsettled, and the verdict says so (exit 3)', { timeout: 300_000 }, async () => {
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    const keyspace = await referenceKeyspaceOn([source, target], 'unsettled');
    const table = `${keyspace}.user_activity`;
    const topic = uniqueName('unsettled');
    const groupIdPrefix = uniqueName('unsettledgroup');
    const config = sinkConfig(stack, { topic, table }, { groupIdPrefix });

    // Both sinks run once, so both groups exist and have committed.
    await produceRaw(kafkaConnection(stack.kafka), topic, Array.from({ length: 20 }, (_, i) => record(i)));
    await runSinksUntil(config, (counters) => counters.every((c) => settled(c) >= 20));
    // The source sink is down while 30 more records arrive: only the target has them.
    await produceRaw(kafkaConnection(stack.kafka), topic, Array.from({ length: 30 }, (_, i) => record(100 + i)));
    await runSinksUntil(config, (counters) => settled(counters[0]!) >= 30, { destinations: ['target'] });
    expect(await countRows(source, table)).toBe(20);
    expect(await countRows(target, table)).toBe(50);

    const configFile = writeConfig('unsettled', { topics: [{ topic, table }], sink: { groupIdPrefix } });
    const behind = await validate(configFile, table, '--repair', '--repair-extra', '--source-wins');
    expect(behind.report.unsettled).toBe(30);
    expect(behind.report.unsettledExamples[0]!.reason).toMatch(new RegExp(`${groupIdPrefix}-source 30 records behind`));
    expect(behind.report.differences).toEqual({ missing: 0, extra: 0, mismatched: 0 });
    expect(behind.report.repair).toMatchObject({ attempted: 0, fixed: 0 });
    expect(behind.report.clean).toBe(false);
    expect(behind.code).toBe(3);
    // Nothing was deleted: the source sink's writes of these rows will still show on both sides.
    expect(await countRows(target, table)).toBe(50);

    await runSinksUntil(config, (counters) => settled(counters[0]!) >= 30, { destinations: ['source'] });
    const after = await validate(configFile, table);
    expect(after.report).toMatchObject({ unsettled: 0, clean: true, differences: { missing: 0, extra: 0, mismatched: 0 } });
    expect(after.code).toBe(0);
    expect(await countRows(target, table)).toBe(50);
  });
});

describe('validate --repair --source-wins', () => {
  it('writes the source version over a newer target value or delete, lists each row with its timestamp, and the target then matches', { timeout: 300_000 }, async () => {
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    const keyspace = await referenceKeyspaceOn([source, target], 'srcwins');
    const table = `${keyspace}.user_activity`;
    await seedReferenceRows(source, keyspace, 2_000);
    const configFile = writeConfig('srcwins');
    const backfill = await runTandem(['backfill', '--config', configFile, '--table', table, '--splits', '16']);
    expect(backfill.code, backfill.stderr).toBe(0);

    const at = (i: number) => [`user${i % 5000}`, new Date(1_683_720_000_000 + i)];
    const keyOf = (i: number) => `user_id='user${i % 5000}', activity_time=${new Date(1_683_720_000_000 + i).toISOString()}`;
    // Hand damage on the target, all newer than the source's cells: rows deleted, a value changed, a cell deleted, a row added.
    const deleted = [11, 22, 33];
    const changed = [44, 55];
    const cellDeleted = [66];
    const added = 9_000;
    for (const i of deleted) await target.execute(`DELETE FROM ${table} WHERE user_id = ? AND activity_time = ?`, at(i), { prepare: true });
    for (const i of changed) await target.execute(`UPDATE ${table} SET activity_type = 'damaged' WHERE user_id = ? AND activity_time = ?`, at(i), { prepare: true });
    for (const i of cellDeleted) await target.execute(`UPDATE ${table} SET activity_details = null WHERE user_id = ? AND activity_time = ?`, at(i), { prepare: true });
    await target.execute(`INSERT INTO ${table} (user_id, activity_time) VALUES (?, ?)`, at(added), { prepare: true });

    const safe = await validate(configFile, table, '--repair', '--repair-extra');
    expect(safe.code).toBe(1);
    expect(safe.report.differences).toEqual({ missing: 3, extra: 1, mismatched: 3 });
    expect(safe.report.repair!.notFixed).toHaveLength(7);

    const beforeUs = BigInt(Date.now()) * 1000n;
    const wins = await validate(configFile, table, '--repair', '--repair-extra', '--source-wins');
    expect(wins.code).toBe(0);
    expect(wins.report.remaining).toEqual({ missing: 0, extra: 0, mismatched: 0 });
    expect(wins.report.repair!.sourceWon).toBe(7);
    const won = new Map(wins.report.repair!.sourceWins!.map((w) => [w.key, BigInt(w.timestampUs)]));
    expect([...won.keys()].sort()).toEqual([...deleted, ...changed, ...cellDeleted, added].map(keyOf).sort());
    // A delete's time cannot be read, so rows and cells deleted on the target are written above now.
    for (const i of [...deleted, ...cellDeleted]) expect(won.get(keyOf(i))!).toBeGreaterThan(beforeUs);
    // The timestamp listed is the one the target's cells now carry.
    for (const i of [...deleted, ...changed]) {
      const row = (await target.execute(`SELECT activity_type, WRITETIME(activity_type) AS w FROM ${table} WHERE user_id = ? AND activity_time = ?`, at(i), { prepare: true })).first();
      const onSource = (await source.execute(`SELECT activity_type FROM ${table} WHERE user_id = ? AND activity_time = ?`, at(i), { prepare: true })).first();
      expect(row['activity_type']).toBe(onSource['activity_type']);
      expect(BigInt(String(row['w']))).toBe(won.get(keyOf(i)));
    }
    expect((await target.execute(`SELECT * FROM ${table} WHERE user_id = ? AND activity_time = ?`, at(added), { prepare: true })).rowLength).toBe(0);

    const after = await validate(configFile, table);
    expect(after.report).toMatchObject({ clean: true, differences: { missing: 0, extra: 0, mismatched: 0 } });
  });

  it('is refused without --repair', async () => {
    const run = await runTandem(['validate', '--config', writeConfig('srcwinsalone'), '--table', 'ks.t', '--source-wins']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--source-wins');
  });
});

describe('validate --compare values+writetime and TTLs', () => {
  it('reports a cell that expires later on one side (a TTL counted from a late write), and matches one counted from the source\'s write', { timeout: 300_000 }, async () => {
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    const keyspace = await referenceKeyspaceOn([source, target], 'valttl');
    const table = `${keyspace}.user_activity`;
    await seedReferenceRows(source, keyspace, 1_000);
    const configFile = writeConfig('valttl');
    const backfill = await runTandem(['backfill', '--config', configFile, '--table', table, '--splits', '8']);
    expect(backfill.code, backfill.stderr).toBe(0);
    const clean = await validate(configFile, table, '--compare', 'values+writetime');
    expect(clean.report).toMatchObject({ clean: true, differences: { missing: 0, extra: 0, mismatched: 0 } });

    // One write with a TTL of an hour, as the source sink applied it on time and as a target sink two minutes late would have.
    const writtenUs = BigInt(Date.now()) * 1000n;
    const at = (i: number) => [`user${i}`, new Date(1_683_720_000_000 + i)];
    const update = `UPDATE ${table} USING TIMESTAMP ? AND TTL ? SET activity_type = 'expiring' WHERE user_id = ? AND activity_time = ?`;
    await source.execute(update, [writtenUs, 3_600, ...at(5)], { prepare: true });
    await target.execute(update, [writtenUs, 3_720, ...at(5)], { prepare: true });
    // The same write counted from the source's moment on both sides: it matches.
    await source.execute(update, [writtenUs, 3_600, ...at(6)], { prepare: true });
    await target.execute(update, [writtenUs, 3_600, ...at(6)], { prepare: true });

    const byValue = await validate(configFile, table);
    expect(byValue.report).toMatchObject({ clean: true });
    const late = await validate(configFile, table, '--compare', 'values+writetime');
    expect(late.code).toBe(1);
    expect(late.report.differences).toEqual({ missing: 0, extra: 0, mismatched: 1 });
    const [example] = (late.report as unknown as { examples: { key: string; columns: { column: string; kind: string; source: string; target: string }[] }[] }).examples;
    expect(example!.key).toBe(`user_id='user5', activity_time=${new Date(1_683_720_000_005).toISOString()}`);
    expect(example!.columns).toEqual([expect.objectContaining({ column: 'activity_type', kind: 'ttl' })]);
    const expiry = (text: string) => Date.parse(text) / 1000;
    expect(expiry(example!.columns[0]!.target) - expiry(example!.columns[0]!.source)).toBeCloseTo(120, -1);
  });
});
