import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { eventually, fixtureLines, uniqueName } from '../helpers/cql.js';
import { cqlsh, kcatConsume, kcatProduce } from '../helpers/independent-clients.js';
import { runTandem } from '../helpers/run-cli.js';

/**
 * Issue 20's data-safety defects, as an operator meets them: an application publishing with kcat
 * (no Tandem header but the ones it sets itself), both clusters read with cqlsh, Tandem run as
 * its commands. Defects 1 (a new column's record never deletes the row), 3 (exact decimals; a bad
 * value dead-lettered while the sink goes on), 10 (TTL counted from the record's write) and
 * `validate --repair --source-wins`.
 */
const stack = inject('stackConfig');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

const bin = resolve(import.meta.dirname, '..', '..', 'bin', 'tandem.js');
const both = [stack.source, stack.target] as const;
const onBoth = (cql: string) => Promise.all(both.map((cluster) => cqlsh(cluster, cql)));
const nowUs = () => BigInt(Date.now()) * 1000n;

describe('a migration driven by kcat and read with cqlsh', () => {
  it('keeps rows, decimals, TTLs and repairs exact on both sides', { timeout: 400_000 }, async () => {
    const keyspace = uniqueName('e2e');
    const ua = `${keyspace}.user_activity`;
    const rd = `${keyspace}.readings`;
    for (const cluster of both) {
      await cqlsh(cluster, `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
      await cqlsh(cluster, `CREATE TABLE ${ua} (user_id text, activity_time timestamp, activity_details text, activity_type text, PRIMARY KEY (user_id, activity_time)) WITH CLUSTERING ORDER BY (activity_time DESC)`);
      await cqlsh(cluster, `CREATE TABLE ${rd} (id text PRIMARY KEY, amount decimal, addr inet)`);
    }
    const activity = uniqueName('activity');
    const readings = uniqueName('readings');
    const configFile = join(mkdtempSync(join(tmpdir(), 'tandem-e2e-')), 'tandem.yaml');
    writeFileSync(
      configFile,
      stringify({
        kafka: stack.kafka,
        source: stack.source,
        target: stack.target,
        topics: [
          { topic: activity, table: ua, deletesEnabled: true, ttl: 'field:ttl_seconds' },
          { topic: readings, table: rd },
        ],
        sink: { groupIdPrefix: uniqueName('e2egroup'), commitIntervalMs: 100 },
      }),
    );
    // The topics exist before the sink, as an application's do.
    await kcatProduce(stack.kafka.brokers, activity, fixtureLines().map((value) => ({ key: JSON.stringify({ user_id: JSON.parse(value).user_id }), value, headers: { 'tandem-ts-us': String(nowUs()) } })));
    const sink = spawn(process.execPath, [bin, 'sink', '--config', configFile, '--status-port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(sink);
    let sinkLog = '';
    sink.stderr!.on('data', (chunk: Buffer) => (sinkLog += chunk.toString()));
    const rowsOf = (rows: Record<string, string>[][]) => rows.map((r) => r.length);
    expect(rowsOf(await eventually(() => onBoth(`SELECT user_id FROM ${ua}`), (r) => r.every((rows) => rows.length === 4), 90_000, 500)), sinkLog).toEqual([4, 4]);

    // Defect 1: a column added while the sink runs, and a record that carries it (and one with a typo'd field).
    await onBoth(`ALTER TABLE ${ua} ADD page text`);
    await kcatProduce(stack.kafka.brokers, activity, [
      { key: '{"user_id":"user123"}', value: '{"user_id":"user123","activity_time":"2023-05-10T12:00:00Z","page":"home"}', headers: { 'tandem-ts-us': String(nowUs()) } },
      { key: '{"user_id":"user124"}', value: '{"user_id":"user124","activity_time":"2023-05-10T12:05:00Z","activty_type":"typo"}', headers: { 'tandem-ts-us': String(nowUs()) } },
    ]);
    const paged = await eventually(() => onBoth(`SELECT activity_type, page FROM ${ua} WHERE user_id = 'user123'`), (r) => r.every((rows) => rows[0]?.['page'] === 'home'), 60_000, 500);
    for (const rows of paged) expect(rows).toEqual([{ activity_type: 'click', page: 'home' }]);
    for (const rows of await onBoth(`SELECT activity_type FROM ${ua} WHERE user_id = 'user124'`)) expect(rows).toEqual([{ activity_type: 'view' }]);

    // Defect 3: decimals with exponents, and a value no column can hold, which is dead-lettered while the sink goes on.
    await kcatProduce(stack.kafka.brokers, readings, [
      { key: '"a"', value: '{"id":"a","amount":"1e5"}' },
      { key: '"b"', value: '{"id":"b","amount":1e-7}' },
      { key: '"c"', value: '{"id":"c","amount":2e21}' },
      { key: '"z"', value: '{"id":"z","addr":"fe80::1%eth0"}' },
      { key: '"d"', value: '{"id":"d","amount":"1.5e3","addr":"10.0.0.1"}' },
    ]);
    const amounts = await eventually(() => onBoth(`SELECT id, amount, addr FROM ${rd}`), (r) => r.every((rows) => rows.length === 4), 60_000, 500);
    for (const rows of amounts) {
      const byId = new Map(rows.map((row) => [row['id'], row]));
      expect([...byId.keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
      expect(Number(byId.get('a')!['amount'])).toBe(100_000);
      expect(Number(byId.get('b')!['amount'])).toBe(1e-7);
      expect(Number(byId.get('c')!['amount'])).toBe(2e21);
      expect(Number(byId.get('d')!['amount'])).toBe(1_500);
      expect(byId.get('d')!['addr']).toBe('10.0.0.1');
    }
    const letters = await kcatConsume(stack.kafka.brokers, `${readings}.dlq`, 2);
    expect(letters.map((l) => l.headers['tandem-dlq-reason'])).toEqual(['bad-value', 'bad-value']);
    expect(letters[0]!.headers['tandem-dlq-error']).toContain('addr');
    expect(sink.exitCode).toBeNull();

    // Defect 10: a TTL counts from the record's write time, not from when a sink got to it.
    const twentySecondsAgo = nowUs() - 20_000_000n;
    await kcatProduce(stack.kafka.brokers, activity, [
      { key: '{"user_id":"ttl1"}', value: '{"user_id":"ttl1","activity_time":"2023-05-10T12:00:00Z","activity_type":"view","ttl_seconds":60}', headers: { 'tandem-ts-us': String(twentySecondsAgo) } },
      // A row, then a write of it with a TTL of 10 s made a minute ago: expired on its way, so it hides the older value.
      { key: '{"user_id":"ttl2"}', value: '{"user_id":"ttl2","activity_time":"2023-05-10T12:00:00Z","activity_type":"old"}', headers: { 'tandem-ts-us': String(nowUs() - 120_000_000n) } },
      { key: '{"user_id":"ttl2"}', value: '{"user_id":"ttl2","activity_time":"2023-05-10T12:00:00Z","activity_type":"temp","ttl_seconds":10}', headers: { 'tandem-ts-us': String(nowUs() - 60_000_000n) } },
      { key: '{"user_id":"ttl3"}', value: '{"user_id":"ttl3","activity_time":"2023-05-10T12:00:00Z","activity_type":"done"}', headers: { 'tandem-ts-us': String(nowUs()) } },
    ]);
    await eventually(() => onBoth(`SELECT user_id FROM ${ua} WHERE user_id = 'ttl3'`), (r) => r.every((rows) => rows.length === 1), 60_000, 500);
    for (const rows of await onBoth(`SELECT TTL(activity_type) AS t FROM ${ua} WHERE user_id = 'ttl1'`)) {
      expect(Number(rows[0]!['t'])).toBeGreaterThanOrEqual(30);
      expect(Number(rows[0]!['t'])).toBeLessThanOrEqual(40);
    }
    for (const rows of await onBoth(`SELECT activity_type FROM ${ua} WHERE user_id = 'ttl2'`)) expect(rows).toEqual([{ activity_type: 'null' }]);

    // Source-wins: hand damage on the target, newer than the source; the safe repair refuses it, --source-wins ends it.
    await cqlsh(stack.target, `DELETE FROM ${ua} WHERE user_id = 'user125' AND activity_time = '2023-05-10T12:10:00Z'`);
    await cqlsh(stack.target, `UPDATE ${ua} SET activity_type = 'damaged' WHERE user_id = 'user127' AND activity_time = '2023-05-10T12:10:00Z'`);
    const validate = (...extra: string[]) => runTandem(['validate', '--config', configFile, '--table', ua, ...extra]);
    const safe = await validate('--repair');
    expect(safe.code, safe.stdout + safe.stderr).toBe(1);
    expect(safe.stdout).toContain('--source-wins');
    const wins = await validate('--repair', '--source-wins');
    expect(wins.code, wins.stdout + wins.stderr).toBe(0);
    expect(wins.stdout).toMatch(/source won user_id='user125', .* at timestamp \d+/);
    expect(wins.stdout).toMatch(/source won user_id='user127', .* at timestamp \d+/);
    const [onSource, onTarget] = await onBoth(`SELECT user_id, activity_time, activity_type, activity_details, page FROM ${ua}`);
    expect(onTarget).toEqual(onSource);
    expect(onSource!.find((row) => row['user_id'] === 'user127')!['activity_type']).toBe('purchase');
    expect((await validate()).code).toBe(0);
    sink.kill('SIGTERM');
  });
});
