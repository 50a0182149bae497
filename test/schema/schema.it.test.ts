import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import type { ClusterConfig } from '../../src/config/index.js';
import type { AssessmentReport, Finding } from '../../src/schema/index.js';
import { Clients, referenceSchema, runAll, uniqueName } from '../helpers/cql.js';
import { runTandem } from '../helpers/run-cli.js';
import { richSchema } from './rich-schema.js';

const stack = inject('stackConfig');
const clients = new Clients();
const source = clients.connect(stack.source);
const target = clients.connect(stack.target);
const targetAdmin = clients.connect({ ...stack.target, auth: { username: 'cassandra', password: 'cassandra' } });
afterAll(() => clients.closeAll());

const dir = mkdtempSync(join(tmpdir(), 'tandem-schema-it-'));
/** A config file for the test stack, with the given clusters replaced. */
function configFile(name: string, overrides: { source?: ClusterConfig; target?: Record<string, unknown> } = {}): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify({ kafka: stack.kafka, source: overrides.source ?? stack.source, target: { ...stack.target, ...overrides.target } }));
  return file;
}

const ref = uniqueName('ref');
const rich = uniqueName('rich');
let config: string;

beforeAll(async () => {
  config = configFile('stack');
  await runAll(source, [...referenceSchema(ref), ...richSchema(rich)]);
  await runAll(source, [
    `INSERT INTO ${rich}.sessions (id, user_id, data) VALUES (uuid(), 'u1', 'x') USING TTL 500`,
    `INSERT INTO ${rich}.events (tenant, region, day, at, seq, payload, owner) VALUES ('t', 'r', '2024-01-01', 0, 1, 'p', 'o')`,
    `INSERT INTO ${rich}.all_types (id, c_text, c_vector, c_udt) VALUES (uuid(), 'hello', [1.0, 2.0, 3.0], {street: 's', city: 'c', zip: 1})`,
  ]);
});

/** A keyspace's definitions as system_schema stores them, views' columns left out. */
async function definitions(client: cassandra.Client, keyspace: string) {
  const rows = async (cql: string) => (await client.execute(cql, [keyspace], { prepare: true })).rows.map((r) => ({ ...r }));
  const tables = await rows('SELECT table_name, default_time_to_live FROM system_schema.tables WHERE keyspace_name = ?');
  const names = new Set(tables.map((t) => t.table_name));
  const columns = (await rows('SELECT table_name, column_name, kind, position, type, clustering_order FROM system_schema.columns WHERE keyspace_name = ?')).filter((c) =>
    names.has(c.table_name),
  );
  const types = await rows('SELECT type_name, field_names, field_types FROM system_schema.types WHERE keyspace_name = ?');
  const byKey = (a: Record<string, unknown>, b: Record<string, unknown>) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);
  return { tables: tables.sort(byKey), columns: columns.sort(byKey), types: types.sort(byKey) };
}

async function targetHasKeyspace(name: string): Promise<boolean> {
  return (await target.execute('SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?', [name], { prepare: true })).rowLength > 0;
}

describe('tandem assess', () => {
  it('flags the view, the index, the counter, the function and the vector for Amazon Keyspaces, each with its fix', async () => {
    const run = await runTandem(['assess', '--config', config, '--keyspace', ref, rich, '--profile', 'keyspaces', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as AssessmentReport;
    expect(report.keyspaces).toEqual([ref, rich]);
    expect(report.tables).toBe(5);
    expect(report.sampledRows).toBe(3);
    const find = (rule: string, object: string): Finding | undefined => report.findings.find((f) => f.rule === rule && f.object.includes(object));
    for (const [rule, object] of [
      ['materialized-view', `${rich}.sessions_by_user`],
      ['secondary-index', `${rich}.events_payload`],
      ['counter-table', `${rich}.page_views`],
      ['user-defined-function', `${rich}.twice`],
      ['unsupported-type', `${rich}.all_types`],
    ]) {
      const finding = find(rule!, object!);
      expect(finding, `${rule} ${object}`).toMatchObject({ severity: 'blocker', keyspace: rich });
      expect(finding!.fix.length).toBeGreaterThan(20);
    }
    expect(find('default-ttl', `${rich}.sessions`)?.severity).toBe('change');
    expect(find('table-options', `${rich}.sessions`)?.message).toMatch(/LeveledCompactionStrategy.*gc_grace_seconds 3600/);
    expect(find('static-columns', `${rich}.events`)?.severity).toBe('note');
    expect(find('replication', ref)?.severity).toBe('change');
    expect(report.findings.filter((f) => f.keyspace === ref).map((f) => f.rule)).toEqual(['replication']);
    expect(report.summary).toEqual({
      blocker: report.findings.filter((f) => f.severity === 'blocker').length,
      change: report.findings.filter((f) => f.severity === 'change').length,
      note: report.findings.filter((f) => f.severity === 'note').length,
    });
  });

  it('prints the blockers for a person and exits 0; for the stand-in, reports only what its release and Tandem cannot carry', async () => {
    const human = await runTandem(['assess', '--config', config, '--keyspace', rich, '--profile', 'keyspaces']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`BLOCKER  materialized view ${rich}\\.sessions_by_user \\(on sessions\\)`));
    expect(human.stdout).toMatch(/^Summary: 5 blockers, \d+ changes, \d+ notes\. Resolve the blockers/m);

    const standIn = await runTandem(['assess', '--config', config, '--keyspace', rich, '--json']);
    expect(standIn.code, standIn.stderr).toBe(0);
    const report = JSON.parse(standIn.stdout) as AssessmentReport;
    expect(report.target?.releaseVersion).toBe('5.0.9');
    expect(report.findings.map((f) => `${f.rule} ${f.object}`)).toEqual([`counter-table table ${rich}.page_views`]);
  });
});

describe('tandem schema', () => {
  it('--dry-run prints the CQL for either profile and creates nothing', async () => {
    const run = await runTandem(['schema', '--config', config, '--keyspace', ref, rich, '--dry-run']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`CREATE KEYSPACE "${ref}" WITH REPLICATION = {'class': 'NetworkTopologyStrategy', 'datacenter1': '1'};`);
    expect(run.stdout).toContain(`CREATE TYPE "${rich}"."Contact" (`);
    expect(run.stdout).toContain(`) WITH CLUSTERING ORDER BY ("day" DESC, "at" ASC, "seq" DESC);`);
    const statements = run.stdout.split('\n').filter((line) => !line.startsWith('--'));
    expect(statements.join('\n')).not.toContain('CUSTOM_PROPERTIES');

    const keyspaces = await runTandem(['schema', '--config', config, '--keyspace', ref, '--dry-run', '--profile', 'keyspaces']);
    expect(keyspaces.code, keyspaces.stderr).toBe(0);
    expect(keyspaces.stdout).toContain(`CREATE KEYSPACE "${ref}" WITH REPLICATION = {'class': 'SingleRegionStrategy'};`);
    expect(keyspaces.stdout).toContain(`) WITH CLUSTERING ORDER BY ("activity_time" DESC)\n  AND CUSTOM_PROPERTIES = {'client_side_timestamps': {'status': 'enabled'}};`);
    expect(await targetHasKeyspace(ref)).toBe(false);
    expect(await targetHasKeyspace(rich)).toBe(false);
  });

  it('creates every keyspace, type and table that can be created, matching the source in system_schema', async () => {
    const run = await runTandem(['schema', '--config', config, '--keyspace', ref, rich]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`created    type ${rich}."Contact"`);
    expect(run.stdout).toContain(`skipped    materialized view ${rich}.sessions_by_user: Tandem does not create materialized views`);
    expect(run.stdout).toContain(`skipped    index ${rich}.events_payload`);
    expect(run.stdout).toContain(`skipped    function ${rich}.twice`);
    expect(run.stdout).toMatch(/^Summary: 10 created, 0 unchanged, 0 conflicts, 3 skipped \(profile cassandra\)$/m);
    for (const keyspace of [ref, rich]) {
      const [want, have] = await Promise.all([definitions(source, keyspace), definitions(target, keyspace)]);
      expect(have.columns.length).toBeGreaterThan(0);
      expect(have).toEqual(want);
    }
    const views = await target.execute('SELECT view_name FROM system_schema.views WHERE keyspace_name = ?', [rich], { prepare: true });
    const indexes = await target.execute('SELECT index_name FROM system_schema.indexes WHERE keyspace_name = ?', [rich], { prepare: true });
    expect([views.rowLength, indexes.rowLength]).toEqual([0, 0]);
  });

  it('changes nothing when run again, and says so', async () => {
    const run = await runTandem(['schema', '--config', config, '--keyspace', ref, rich]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(/^created/m);
    expect(run.stdout).toMatch(/^Summary: 0 created, 10 unchanged, 0 conflicts, 3 skipped/m);
  });

  it('reports a table that differs on the target as a conflict, exits 1, leaves it untouched and still creates the rest', async () => {
    const keyspace = uniqueName('conflict');
    await runAll(source, [
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
      `CREATE TABLE ${keyspace}.accounts (id int PRIMARY KEY, balance text)`,
      `CREATE TABLE ${keyspace}.ledger (id int, at timestamp, amount decimal, PRIMARY KEY (id, at))`,
    ]);
    await runAll(target, [
      `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
      `CREATE TABLE ${keyspace}.accounts (id int PRIMARY KEY, balance int)`,
    ]);
    const before = await definitions(target, keyspace);
    const run = await runTandem(['schema', '--config', config, '--keyspace', keyspace]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`conflict   table ${keyspace}.accounts: column balance is int on the target, text on the source`);
    expect(run.stdout).toContain(`created    table ${keyspace}.ledger`);
    // stderr: the plan before anything is created, each object as it is created, then the one error line.
    expect(run.stderr.trim().split('\n')).toEqual([
      'Plan: 1 to create, 1 unchanged, 1 conflict, 0 skipped',
      `conflict   table ${keyspace}.accounts: column balance is int on the target, text on the source`,
      `created    table ${keyspace}.ledger`,
      `tandem: table ${keyspace}.accounts differs on the target and was left as is. Tandem never alters or drops: change or drop it on the target yourself if the source definition should win, then run tandem schema again`,
    ]);
    const after = await definitions(target, keyspace);
    expect(after.columns.filter((c) => c.table_name === 'accounts')).toEqual(before.columns);
  });

  it('refuses an unknown keyspace and an unreachable source with one readable line each', async () => {
    const missing = uniqueName('missing');
    const unknown = await runTandem(['schema', '--config', config, '--keyspace', missing]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    // The shared test stack holds many keyspaces: the list is cut after 50.
    expect(unknown.stderr).toMatch(new RegExp(`^tandem: Keyspace ${missing} does not exist on the source: its keyspaces are [A-Za-z0-9_, ]+( and \\d+ more)?\\. Check the --keyspace names$`, 'm'));

    const down = configFile('down', { source: { ...stack.source, contactPoints: ['127.0.0.1:1'] } });
    const unreachable = await runTandem(['assess', '--config', down]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr.trim()).toMatch(/^tandem: Cannot connect to the source at 127\.0\.0\.1:1: .*ECONNREFUSED.*Check source\.contactPoints/);
  });

  it('stops at a statement the target refuses, with one error saying exactly what was created before it', async () => {
    // Keyspaces are worked through in name order: the granted one first.
    const [granted, denied] = [uniqueName('allowed'), uniqueName('refused')];
    const role = uniqueName('limited');
    await runAll(source, [
      `CREATE KEYSPACE ${granted} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
      `CREATE TYPE ${granted}.money (amount decimal, currency text)`,
      `CREATE TABLE ${granted}.prices (sku text PRIMARY KEY, price frozen<money>)`,
      `CREATE KEYSPACE ${denied} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
      `CREATE TABLE ${denied}.stock (sku text PRIMARY KEY, count int)`,
    ]);
    await runAll(targetAdmin, [
      `CREATE KEYSPACE ${granted} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
      `CREATE KEYSPACE ${denied} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
      `CREATE ROLE ${role} WITH PASSWORD = 'limited-pw' AND LOGIN = true`,
      `GRANT CREATE ON KEYSPACE ${granted} TO ${role}`,
    ]);
    try {
      const limited = configFile('limited', { target: { auth: { username: role, password: 'limited-pw' } } });
      const run = await runTandem(['schema', '--config', limited, '--keyspace', granted, denied]);
      expect(run.code).toBe(1);
      const stderr = run.stderr.trim().split('\n');
      // The plan and each object created come first, as they happen; then one error line.
      expect(stderr.slice(0, -1)).toEqual([
        'Plan: 3 to create, 2 unchanged, 0 conflicts, 0 skipped',
        `created    type ${granted}.money`,
        `created    table ${granted}.prices`,
      ]);
      expect(stderr.at(-1)).toMatch(
        new RegExp(
          `^tandem: Creating table ${denied}\\.stock on the target failed: .*${role}.* has no CREATE permission.*\\. ` +
            `Created before it: type ${granted}\\.money, table ${granted}\\.prices\\. Grant the target user permission to create`,
        ),
      );
      expect((await definitions(target, granted)).tables.map((t) => t.table_name)).toEqual(['prices']);
      expect((await definitions(target, denied)).tables).toEqual([]);
    } finally {
      await targetAdmin.execute(`DROP ROLE IF EXISTS ${role}`);
    }
  });
});
