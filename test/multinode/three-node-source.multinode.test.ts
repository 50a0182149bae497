import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type cassandra from 'cassandra-driver';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import type { TandemConfig } from '../../src/config/index.js';
import { readRingTokens } from '../../src/cql/index.js';
import { readState } from '../../src/stack/stack-state.js';
import { killServer, FaultScenario, restartStack } from '../faults/harness.js';
import { Clients, countRows, eventually, fixturesDir, uniqueName } from '../helpers/cql.js';
import { cqlsh } from '../helpers/independent-clients.js';
import { killStartedTandems, runTandem, spawnTandem } from '../helpers/run-cli.js';

const config = inject('multiNodeStackConfig');
const dataDir = inject('multiNodeStackDataDir');
const clients = new Clients();
const source = clients.connect(config.source);
const target = clients.connect(config.target);
afterAll(async () => {
  killStartedTandems();
  await clients.closeAll();
});

/** The reference design's replication: three copies in the data center the AWS guidance names. */
const referenceReplication = "{'class': 'NetworkTopologyStrategy', 'Datacenter1': '3'}";
const oneCopyOnTheTarget = "{'class': 'SimpleStrategy', 'replication_factor': 1}";

/** A config file for the CLI: the stack's clusters and Kafka, plus `extra` (e.g. a readConsistency). */
function configFile(extra: { source?: Partial<TandemConfig['source']> } = {}): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tandem-multinode-')), 'tandem.yaml');
  writeFileSync(file, stringify({ kafka: config.kafka, source: { ...config.source, ...extra.source }, target: config.target, status: { port: 0 } }));
  return file;
}

function json<T>(output: string): T {
  return JSON.parse(output) as T;
}

/** Every cell of a `history` table: value, write time and TTL, by `id|seq`. */
interface HistoryCells {
  readonly values: string;
  readonly writetimes: string;
  readonly ttls: (number | null)[];
}

async function historyCells(client: cassandra.Client, table: string): Promise<Map<string, HistoryCells>> {
  const cells = new Map<string, HistoryCells>();
  const cql = `SELECT id, seq, a, b, c, WRITETIME(a), WRITETIME(b), WRITETIME(c), TTL(a), TTL(b), TTL(c) FROM ${table}`;
  let pageState: string | undefined;
  do {
    const page = await client.execute(cql, [], { prepare: true, fetchSize: 5_000, readTimeout: 60_000, ...(pageState ? { pageState } : {}) });
    for (const row of page.rows) {
      const r = row.values() as unknown[];
      cells.set(`${String(r[0])}|${String(r[1])}`, {
        values: JSON.stringify(r.slice(2, 5)),
        writetimes: r.slice(5, 8).map(String).join(','),
        ttls: r.slice(8, 11) as (number | null)[],
      });
    }
    pageState = page.pageState ?? undefined;
  } while (pageState);
  return cells;
}

/**
 * What differs between the two sides cell by cell: values and write times exactly, TTLs within
 * the seconds between the two reads (a TTL counts down while it is read).
 */
function cellDifferences(from: Map<string, HistoryCells>, to: Map<string, HistoryCells>, ttlSlackSeconds: number): string[] {
  const problems: string[] = [];
  for (const [key, cells] of from) {
    const copy = to.get(key);
    if (!copy) problems.push(`${key} missing`);
    else if (copy.values !== cells.values) problems.push(`${key} holds ${copy.values}, not ${cells.values}`);
    else if (copy.writetimes !== cells.writetimes) problems.push(`${key} written at ${copy.writetimes}, not ${cells.writetimes}`);
    else {
      cells.ttls.forEach((ttl, i) => {
        const copied = copy.ttls[i] ?? null;
        if ((ttl === null) !== (copied === null) || (ttl !== null && Math.abs(ttl - copied!) > ttlSlackSeconds)) problems.push(`${key} cell ${i} TTL ${copied}, not ${ttl}`);
      });
    }
  }
  for (const key of to.keys()) if (!from.has(key)) problems.push(`${key} only on the copy`);
  return problems;
}

/**
 * `rows` rows of (id text, seq int) PRIMARY KEY (id, seq), five to a partition, each with its own
 * write time; a tenth of them have `b` written again later (two write times in one row), a
 * seventh carry a TTL of a day and more, and every thirteenth has no `c`. One unlogged batch per
 * partition: the statements share a partition, so no coordinator forwards them.
 */
async function seedHistory(client: cassandra.Client, table: string, rows: number): Promise<void> {
  const base = BigInt(Date.now() - 3 * 24 * 3600 * 1000) * 1000n;
  const insert = `INSERT INTO ${table} (id, seq, a, b, c) VALUES (?, ?, ?, ?, ?) USING TIMESTAMP ?`;
  const insertWithTtl = `INSERT INTO ${table} (id, seq, a, b, c) VALUES (?, ?, ?, ?, ?) USING TIMESTAMP ? AND TTL ?`;
  const update = `UPDATE ${table} USING TIMESTAMP ? SET b = ? WHERE id = ? AND seq = ?`;
  const partitions = Math.ceil(rows / 5);
  let next = 0;
  const worker = async () => {
    for (let p = next++; p < partitions; p = next++) {
      const queries: { query: string; params: unknown[] }[] = [];
      for (let seq = 0; seq < 5 && p * 5 + seq < rows; seq += 1) {
        const i = p * 5 + seq;
        const id = `h${p}`;
        const values = [id, seq, `a ${i}`, i, i % 13 === 0 ? null : `c ${i} ${'x'.repeat(i % 50)}`];
        const written = base + BigInt(i);
        queries.push(i % 7 === 0 ? { query: insertWithTtl, params: [...values, written, 86_400 + (i % 3_600)] } : { query: insert, params: [...values, written] });
        if (i % 10 === 0) queries.push({ query: update, params: [written + 60_000_000n, -i, id, seq] });
      }
      await persistently(() => client.batch(queries, { prepare: true, logged: false }));
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

/** A write retried while the servers are too busy to take it in time (two cores, five servers). */
async function persistently<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= 10) throw error;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

async function createHistory(keyspace: string, sourceReplication: string): Promise<string> {
  await source.execute(`CREATE KEYSPACE ${keyspace} WITH replication = ${sourceReplication}`);
  await target.execute(`CREATE KEYSPACE ${keyspace} WITH replication = ${oneCopyOnTheTarget}`);
  for (const client of [source, target]) await client.execute(`CREATE TABLE ${keyspace}.history (id text, seq int, a text, b int, c text, PRIMARY KEY (id, seq))`);
  return `${keyspace}.history`;
}

/** Scans each node coordinated and served itself, for one table, from the node's own virtual tables. */
async function scansByNode(table: string): Promise<{ node: string; coordinated: number; servedLocally: number }[]> {
  const [keyspace, name] = table.split('.');
  const counts = [];
  for (const host of source.hosts.values()) {
    const read = async (view: string) => {
      const result = await source.execute(`SELECT count FROM system_views.${view} WHERE keyspace_name = ? AND table_name = ?`, [keyspace, name], { host, prepare: false });
      return Number(result.first()?.['count'] ?? 0);
    };
    counts.push({ node: host.address, coordinated: await read('coordinator_scan_latency'), servedLocally: await read('local_scan_latency') });
  }
  return counts;
}

describe('the reference design\'s source: three nodes, 16 vnodes each, RF 3', () => {
  it('is one ring in data center Datacenter1 where the reference DDL runs unchanged, and `tandem schema` copies it to the target', async () => {
    await source.connect();
    const port = config.source.contactPoints[0]!.split(':')[1];
    const nodes = [];
    for (const host of source.hosts.values()) {
      const local = (await source.execute('SELECT data_center, rack, tokens FROM system.local', [], { host })).first();
      nodes.push([host.address, host.isUp(), local['data_center'], local['rack'], (local['tokens'] as Set<string>).size]);
    }
    // The ring Tandem plans from is every node's 16 tokens, whichever node answers.
    const ownTokens = new Set<string>();
    for (const host of source.hosts.values()) for (const token of (await source.execute('SELECT tokens FROM system.local', [], { host })).first()['tokens'] as Set<string>) ownTokens.add(token);
    expect(ownTokens.size).toBe(48);
    for (let i = 0; i < 3; i += 1) expect((await readRingTokens(source)).map(String).sort()).toEqual([...ownTokens].sort());
    expect(nodes.sort()).toEqual([
      [`127.0.0.1:${port}`, true, 'Datacenter1', 'rack1', 16],
      [`127.0.0.2:${port}`, true, 'Datacenter1', 'rack2', 16],
      [`127.0.0.3:${port}`, true, 'Datacenter1', 'rack3', 16],
    ]);
    // The reference DDL as the AWS guidance gives it, through cqlsh as an operator runs it.
    const ddl = readFileSync(join(fixturesDir, 'user_activity.cql'), 'utf8')
      .replace(/^--.*$/gm, '')
      .replace(/\{'class': 'NetworkTopologyStrategy', 'datacenter1': '1'\}/, referenceReplication);
    expect(ddl).toContain("'Datacenter1': '3'");
    // cqlsh -e takes the statements on one line, and reads a trailing blank as one more, empty statement.
    await cqlsh(config.source, ddl.replace(/\s+/g, ' ').trim());
    const replication = await cqlsh(config.source, "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'msk_ks_cass_blog'");
    expect(replication[0]?.['replication']).toContain("'Datacenter1': '3'");

    const schema = await runTandem(['schema', '--config', configFile(), '--keyspace', 'msk_ks_cass_blog', '--json']);
    expect(schema.code, schema.stderr).toBe(0);
    const onTarget = await cqlsh(config.target, "SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'msk_ks_cass_blog'");
    expect(onTarget.map((row) => row['table_name'])).toEqual(['user_activity']);
    // The system keyspaces were moved to three copies too, so a login survives one node down.
    const auth = await source.execute("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'system_auth'");
    expect(Object.fromEntries(auth.first()['replication'] as Map<string, string>)).toMatchObject({ Datacenter1: '3' });
  });

  it('backfills 100,000 rows exactly, cell by cell with write times and TTLs; validate is clean, then finds exactly the damage done', async () => {
    const table = await createHistory(uniqueName('ring'), referenceReplication);
    const rows = 100_000;
    await seedHistory(source, table, rows);
    const file = configFile();

    const backfill = await runTandem(['backfill', '--config', file, '--table', table, '--splits', '64', '--json'], { timeoutMs: 480_000 });
    expect(backfill.code, backfill.stderr.slice(-3_000)).toBe(0);
    const summary = json<{ complete: boolean; rangesTotal: number; rowsWritten: number }>(backfill.stdout);
    // 48 vnode ranges, the one wrapping round the ring's end as two, each cut as the splits ask.
    expect(summary).toMatchObject({ complete: true, rowsWritten: rows });
    expect(summary.rangesTotal).toBeGreaterThanOrEqual(64);

    const readAt = Date.now();
    const fromSource = await historyCells(source, table);
    const onTarget = await historyCells(target, table);
    expect(fromSource.size).toBe(rows);
    const slack = Math.ceil((Date.now() - readAt) / 1000) + 2;
    expect(cellDifferences(fromSource, onTarget, slack)).toEqual([]);
    expect([...fromSource.values()].filter((cells) => new Set(cells.writetimes.split(',').filter((t) => t !== 'null')).size === 2).length).toBe(rows / 10);

    const validate = async (...extra: string[]) => {
      const run = await runTandem(['validate', '--config', file, '--table', table, '--compare', 'values+writetime', '--splits', '64', '--json', ...extra], { timeoutMs: 480_000 });
      expect(run.stdout, run.stderr.slice(-3_000)).not.toBe('');
      return json<{ clean: boolean; sourceRows: number; targetRows: number; differences: Record<string, number>; remaining: Record<string, number> }>(run.stdout);
    };
    const clean = await validate();
    expect(clean, JSON.stringify(clean).slice(0, 3_000)).toMatchObject({ clean: true, sourceRows: rows, targetRows: rows, differences: { missing: 0, extra: 0, mismatched: 0 } });

    // Damage on the target only: rows deleted, values changed, a write time moved, rows added.
    const damage: [string, unknown[]][] = [
      ...[11, 222, 3_333, 44_444, 55_555, 66_666, 99_999].map((i): [string, unknown[]] => [`DELETE FROM ${table} WHERE id = ? AND seq = ?`, [`h${Math.floor(i / 5)}`, i % 5]]),
      ...[7, 1_234, 50_001, 77_777, 88_888].map((i): [string, unknown[]] => [`UPDATE ${table} SET a = 'damaged' WHERE id = ? AND seq = ?`, [`h${Math.floor(i / 5)}`, i % 5]]),
      ...[12_345, 67_890].map((i): [string, unknown[]] => [`UPDATE ${table} USING TIMESTAMP ? SET c = ? WHERE id = ? AND seq = ?`, [BigInt(Date.now()) * 1000n, null, `h${Math.floor(i / 5)}`, i % 5]]),
      ...[1, 2, 3].map((i): [string, unknown[]] => [`INSERT INTO ${table} (id, seq, a) VALUES (?, ?, 'extra')`, [`only-on-target-${i}`, 0]]),
    ];
    for (const [cql, params] of damage) await target.execute(cql, params, { prepare: true });
    // 12,345 and 67,890 have c (neither is a multiple of 13): setting it to null at a newer time is a mismatch.
    const found = await validate();
    expect(found.differences).toEqual({ missing: 7, extra: 3, mismatched: 7 });
    expect(found.clean).toBe(false);
  });

  it('reads each token range from a replica of it: on a keyspace of one copy, every scan is served by the node coordinating it', async () => {
    const table = await createHistory(uniqueName('routed'), "{'class': 'NetworkTopologyStrategy', 'Datacenter1': '1'}");
    await seedHistory(source, table, 5_000);
    const before = await scansByNode(table);
    const run = await runTandem(['backfill', '--config', configFile({ source: { readConsistency: 'LOCAL_ONE' } }), '--table', table, '--splits', '64', '--json']);
    expect(run.code, run.stderr.slice(-3_000)).toBe(0);
    expect(await countRows(target, table)).toBe(5_000);
    const after = await scansByNode(table);
    const scans = after.map((node, i) => ({ node: node.node, coordinated: node.coordinated - before[i]!.coordinated, servedLocally: node.servedLocally - before[i]!.servedLocally }));
    // Each node owns a third of the ring, so each coordinated scans; none asked another node for rows.
    for (const node of scans) {
      expect(node.coordinated, JSON.stringify(scans)).toBeGreaterThan(0);
      expect(node.servedLocally, JSON.stringify(scans)).toBe(node.coordinated);
    }
  });

  it('waits while every replica of a range is down, and completes once one is back', async () => {
    const table = await createHistory(uniqueName('down'), "{'class': 'NetworkTopologyStrategy', 'Datacenter1': '1'}");
    await seedHistory(source, table, 6_000);
    await killServer(dataDir, 'source3');
    try {
      const backfill = spawnTandem(['backfill', '--config', configFile(), '--table', table, '--splits', '64', '--json'], { env: { TANDEM_LOG_LEVEL: 'info' } });
      // Node 3's ranges have no replica up: the ranges of nodes 1 and 2 are copied, the rest wait.
      const copied = await eventually(() => countRows(target, table), (n) => n >= 3_000, 120_000, 500);
      await new Promise((r) => setTimeout(r, 5_000));
      expect(backfill.child.exitCode).toBeNull();
      expect(await countRows(target, table)).toBeLessThan(6_000);
      expect(copied, backfill.stderr().slice(-6_000)).toBeGreaterThanOrEqual(3_000);
      await restartStack(config, dataDir);
      expect(await backfill.exited, backfill.stderr()).toBe(0);
      expect(json<{ complete: boolean }>(backfill.stdout())).toMatchObject({ complete: true });
    } finally {
      await restartStack(config, dataDir);
    }
    expect(cellDifferences(await historyCells(source, table), await historyCells(target, table), 30)).toEqual([]);
  });

  it('loses nothing when a node is killed with kill -9 mid-backfill and restarted', async () => {
    const scenario = new FaultScenario(config, dataDir, referenceReplication);
    try {
      await scenario.create();
      const rows = 15_000;
      const insert = `INSERT INTO ${scenario.table} (id, version, payload) VALUES (?, ?, ?) USING TIMESTAMP ?`;
      let next = 0;
      const writer = async () => {
        for (let i = next++; i < rows; i = next++) {
          await persistently(() => scenario.source.execute(insert, [`h${i}`, i, `history ${i}`, 1_700_000_000_000_000n + BigInt(i)], { prepare: true }));
          scenario.expected.set(`h${i}`, { version: i, payload: `history ${i}` });
        }
      };
      await Promise.all(Array.from({ length: 64 }, writer));
      const backfill = spawnTandem(['backfill', '--config', scenario.configFile, '--table', scenario.table, '--splits', '64', '--concurrency', '2', '--max-rows-per-second', '1000', '--json']);
      await eventually(() => countRows(scenario.target, scenario.table), (n) => n >= 4_000, 120_000, 200);
      // Node 1: the seed, and the contact point every client of the job started from.
      await killServer(dataDir, 'source');
      await new Promise((r) => setTimeout(r, 5_000));
      await restartStack(config, dataDir);
      expect(await backfill.exited, backfill.stderr().slice(-3_000)).toBe(0);
      expect(json<{ complete: boolean }>(backfill.stdout())).toMatchObject({ complete: true });
      expect(await scenario.differencesOn(scenario.target)).toEqual([]);
      expect(await scenario.validate()).toBe(0);
    } finally {
      await scenario.close();
    }
  });

  it('sinks a stream into the three nodes while one of them is down, in batches of one partition', async () => {
    const scenario = new FaultScenario(config, dataDir, referenceReplication);
    try {
      await scenario.create();
      scenario.startSinks();
      let killed = false;
      await scenario.stream(4_000, 200, 1_500, async (produced) => {
        if (produced >= 1_000 && !killed) {
          killed = true;
          await killServer(dataDir, 'source3');
        }
      });
      // The whole stream went in with node 3 down for most of it.
      await scenario.drained();
      expect(await scenario.differencesOn(scenario.source)).toEqual([]);
      expect(await scenario.differencesOn(scenario.target)).toEqual([]);
      await restartStack(config, dataDir);
      expect(await scenario.differencesOn(scenario.source)).toEqual([]);
      // Cassandra warns of every unlogged batch spanning more than 10 partitions; the sink's never do.
      const logs = ['source', 'source2', 'source3'].map((name) => readFileSync(readState(dataDir)!.servers[name as 'source']!.logFile, 'utf8'));
      expect(logs.filter((log) => log.includes(`Unlogged batch covering`) && log.includes(scenario.keyspace))).toEqual([]);
    } finally {
      await scenario.close();
      await restartStack(config, dataDir);
    }
  });
});
