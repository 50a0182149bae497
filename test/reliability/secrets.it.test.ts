import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { quoteIdentifier, quoteString } from '../../src/cql/index.js';
import { Clients, referenceKeyspaceOn, uniqueName } from '../helpers/cql.js';
import { freePort } from '../helpers/free-port.js';
import { exitedWithin } from '../helpers/processes.js';
import { runTandem, type CliResult } from '../helpers/run-cli.js';
import { seedReferenceRows } from '../helpers/activity-rows.js';

/**
 * Every output a user or a log collector sees, from every command that holds credentials, with
 * debug logging on, grepped for the passwords: given through `${env:...}`, `${file:...}` and as
 * plain text in the file, right and wrong.
 */
const stack = inject('stackConfig');
const clients = new Clients();
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await clients.connect(stack.source).execute(`DROP ROLE IF EXISTS ${quoteIdentifier(sourceUser)}`);
  await clients.closeAll();
});
const bin = resolve(import.meta.dirname, '..', '..', 'bin', 'tandem.js');

// Distinctive, so a hit can only be a leak; the source one belongs to a role made for this file.
const sourceUser = uniqueName('secret_role');
const sourcePassword = `Src-${randomBytes(9).toString('base64url')}-pw`;
const targetPassword = String((stack.target.auth as { password: string }).password);
const wrongPassword = `Wrong-${randomBytes(9).toString('base64url')}-pw`;
const debug = { TANDEM_LOG_LEVEL: 'debug', TANDEM_DEBUG: '1', TANDEM_TEST_SOURCE_PASSWORD: sourcePassword };

function configDir(): string {
  return mkdtempSync(join(tmpdir(), 'tandem-secrets-'));
}

/** A config whose passwords come from the environment (source) and a file (target), or are written in it. */
function writeConfig(form: 'references' | 'plain', extra: Record<string, unknown> = {}, overrides: { source?: Record<string, unknown> } = {}): string {
  const dir = configDir();
  writeFileSync(join(dir, 'target-password.txt'), `${targetPassword}\n`);
  const referenced = form === 'references';
  const config = {
    kafka: stack.kafka,
    source: { ...stack.source, auth: { username: sourceUser, password: referenced ? '${env:TANDEM_TEST_SOURCE_PASSWORD}' : sourcePassword }, ...overrides.source },
    target: { ...stack.target, auth: { username: 'ks-user', password: referenced ? '${file:target-password.txt}' : targetPassword } },
    ...extra,
  };
  writeFileSync(join(dir, 'tandem.yaml'), stringify(config));
  return join(dir, 'tandem.yaml');
}

function expectNoSecret(label: string, text: string, secrets: readonly string[] = [sourcePassword, targetPassword, wrongPassword]): void {
  for (const secret of secrets) expect(text.includes(secret), `${label} shows a password:\n${text.slice(0, 2000)}`).toBe(false);
}

const both = (r: CliResult) => `${r.stdout}\n${r.stderr}`;

/** Runs a long-lived command while `during` runs, then stops it with SIGTERM; all it printed. */
async function runWhile(args: readonly string[], env: NodeJS.ProcessEnv, during: () => Promise<void>): Promise<string> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await during();
  } finally {
    child.kill('SIGTERM');
    const stopped = await exitedWithin(exited, 30_000);
    if (!stopped) {
      child.kill('SIGKILL');
      // biome-ignore lint/correctness/noUnsafeFinally: a command that ignores SIGTERM fails the test whatever `during` did
      throw new Error(`tandem ${args[0]} still ran 30 s after SIGTERM:\n${output.slice(-3000)}`);
    }
  }
  return output;
}

/** A page's text once the server answers (it may still be starting), within 30 s. */
async function fetchWhenUp(url: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await (await fetch(url, { signal: AbortSignal.timeout(10_000) })).text();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describe('passwords never appear', () => {
  let table = '';
  let keyspace = '';
  let topic: { topic: string; table: string } = { topic: '', table: '' };
  beforeAll(async () => {
    const admin = clients.connect(stack.source);
    await admin.execute(`CREATE ROLE ${quoteIdentifier(sourceUser)} WITH PASSWORD = ${quoteString(sourcePassword)} AND LOGIN = true AND SUPERUSER = true`);
    keyspace = await referenceKeyspaceOn([admin, clients.connect(stack.target)], 'secrets');
    await seedReferenceRows(admin, keyspace, 200);
    table = `${keyspace}.user_activity`;
    topic = { topic: uniqueName('secrets'), table };
  });

  /** Runs each command with debug logging and checks it succeeded and printed no password. */
  async function expectCleanRuns(form: string, commands: readonly (readonly string[])[]): Promise<CliResult[]> {
    const runs: CliResult[] = [];
    for (const args of commands) {
      const run = await runTandem(args, { env: debug });
      expect(run.code, `${form} ${args[0]}: ${run.stderr}`).toBe(0);
      expectNoSecret(`${form} ${args.join(' ')}`, both(run));
      runs.push(run);
    }
    return runs;
  }

  for (const form of ['references', 'plain'] as const) {
    it(`in debug logs and printed configs (${form === 'references' ? '${env:...} and ${file:...}' : 'written in the file'})`, { timeout: 120_000 }, async () => {
      const configFile = writeConfig(form, { topics: [topic] });
      const [printed, , , backfill] = await expectCleanRuns(form, [
        ['config', '--config', configFile],
        ['backfill', '--config', configFile, '--table', table, '--print-config'],
        ['sink', '--config', configFile, '--print-config'],
        ['backfill', '--config', configFile, '--table', table, '--job', uniqueName('secrets'), '--splits', '4'],
        // The rest reads the password the same way whatever its form: once is enough (two cores, shared stack).
        ...(form === 'references'
          ? [
              ['schema', '--config', configFile, '--keyspace', keyspace],
              ['validate', '--config', configFile, '--table', table, '--splits', '4', '--json'],
            ]
          : []),
      ]);
      // The config is printed, masked, not dropped; debug logging was on, so a clean grep means something.
      expect(printed!.stdout).toContain('password: "***"');
      expect(backfill!.stderr).toMatch(/"level":(20|30)/);
    });
  }

  it('in tandem status --json, nor in /api/status, / and /metrics of the sink and the dashboard', { timeout: 120_000 }, async () => {
    const statusPort = await freePort();
    const configFile = writeConfig('references', { topics: [topic], status: { host: '127.0.0.1', port: statusPort }, sink: { groupIdPrefix: uniqueName('secrets') } });
    await expectCleanRuns('references', [['status', '--config', configFile, '--json']]);

    const pages: string[] = [];
    const sinkOutput = await runWhile(['sink', '--config', configFile, '--status-port', String(statusPort)], debug, async () => {
      for (const path of ['/api/status', '/', '/metrics']) pages.push(`${path}: ${await fetchWhenUp(`http://127.0.0.1:${statusPort}${path}`)}`);
    });
    expectNoSecret('sink log', sinkOutput);
    expect(pages.join('\n')).toContain('/api/status: {');
    expectNoSecret('sink status pages', pages.join('\n'));

    const dashboardPort = await freePort();
    const dashboardPages: string[] = [];
    const dashboardOutput = await runWhile(['dashboard', '--config', configFile, '--port', String(dashboardPort)], debug, async () => {
      for (const path of ['/api/status', '/']) dashboardPages.push(await fetchWhenUp(`http://127.0.0.1:${dashboardPort}${path}`));
    });
    expectNoSecret('dashboard', `${dashboardOutput}\n${dashboardPages.join('\n')}`);
    expect(dashboardPages[0]).toContain(keyspace);
  });

  it('in the errors of a wrong password or an unreachable host', { timeout: 120_000 }, async () => {
    const table = 'no_such_keyspace.t';
    const wrong = writeConfig('plain', {}, { source: { auth: { username: sourceUser, password: wrongPassword } } });
    const unreachable = writeConfig('references', {}, { source: { contactPoints: ['127.0.0.1:1'] } });
    const runs: [string, CliResult][] = [
      ['backfill, wrong password', await runTandem(['backfill', '--config', wrong, '--table', table], { env: debug })],
      ['validate, wrong password', await runTandem(['validate', '--config', wrong, '--table', table], { env: debug })],
      ['schema, wrong password', await runTandem(['schema', '--config', wrong, '--dry-run'], { env: debug })],
      ['backfill, unreachable', await runTandem(['backfill', '--config', unreachable, '--table', table], { env: debug })],
      ['produce, unreachable', await runTandem(['produce', '--config', unreachable, '--topic', 'nope', join(dirname(wrong), 'missing.jsonl')], { env: debug })],
    ];
    for (const [label, run] of runs) {
      expect(run.code, label).not.toBe(0);
      expect(run.stderr, label).toContain('tandem:');
      expectNoSecret(label, both(run));
    }
  });
});
