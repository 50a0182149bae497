import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Output } from '../../src/cli/output.js';

function capture(): Output & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (l) => lines.push(l), progress: (l) => lines.push(l), error: (l) => lines.push(l) };
}

describe('tandem CLI', () => {
  it('exits 2 on an unknown command', async () => {
    const output = capture();
    expect(await main(['node', 'tandem', 'frobnicate'], output)).toBe(2);
  });

  it('reports a bad config as one line and exits 1', async () => {
    const output = capture();
    expect(await main(['node', 'tandem', 'status', '--config', '/nonexistent/tandem.yaml'], output)).toBe(1);
    expect(output.lines).toEqual(['tandem: Cannot read config file /nonexistent/tandem.yaml. Check the --config path']);
  });
});

describe('tandem sink with a bad config', () => {
  async function sinkWith(yaml: string[], ...args: string[]) {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const file = join(mkdtempSync(join(tmpdir(), 'tandem-badsink-')), 'tandem.yaml');
    writeFileSync(file, yaml.join('\n'));
    const output = capture();
    const code = await main(['node', 'tandem', 'sink', '--config', file, ...args], output);
    return { code, lines: output.lines };
  }
  const cluster = ['kafka: { brokers: [127.0.0.1:9092] }', 'source: { contactPoints: [127.0.0.1:9042] }', 'target: { contactPoints: [127.0.0.1:9142] }'];

  it('refuses a setting out of range before connecting anywhere, naming the setting', async () => {
    const { code, lines } = await sinkWith([...cluster, 'topics: [{ topic: t1, table: ks.t }]', 'sink: { maxInFlight: 0 }']);
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tandem: .*sink\.maxInFlight/);
  });

  it('refuses a table that is not keyspace.table and a timestamp source it does not know', async () => {
    const { code, lines } = await sinkWith([...cluster, 'topics: [{ topic: t1, table: justatable, timestamp: wallclock }]']);
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('topics[0].table: must be keyspace.table, e.g. msk_ks_cass_blog.user_activity');
    expect(lines[0]).toContain('topics[0].timestamp: must be header, record or field:<name>');
  });

  it('refuses a config without topics, and an unknown destination', async () => {
    expect((await sinkWith(cluster)).lines).toEqual(['tandem: The config has no topics: nothing to sink. Add topics: with topic and table']);
    const wrong = await sinkWith([...cluster, 'topics: [{ topic: t1, table: ks.t }]'], '--destination', 'keyspaces');
    expect(wrong.code).toBe(1);
    expect(wrong.lines).toEqual(['tandem: --destination keyspaces is not one of source, target, both']);
  });

  it('refuses a status port that is not a port', async () => {
    const { code, lines } = await sinkWith([...cluster, 'topics: [{ topic: t1, table: ks.t }]'], '--status-port', 'http');
    expect(code).toBe(1);
    expect(lines).toEqual(['tandem: --status-port http is not a port number (0 to 65535)']);
  });
});

describe('tandem config', () => {
  it('prints the effective config with every secret masked', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'tandem-print-'));
    const file = join(dir, 'tandem.yaml');
    writeFileSync(
      file,
      [
        'kafka: { brokers: [127.0.0.1:9092] }',
        'source: { contactPoints: [127.0.0.1:9042], auth: { username: cassandra, password: literal-pw-1 } }',
        'target: { contactPoints: [127.0.0.1:9142], auth: { username: "${env:PRINT_USER}", password: "${env:PRINT_PW}" } }',
      ].join('\n'),
    );
    process.env.PRINT_PW = 'from-env-pw-2';
    process.env.PRINT_USER = 'user-from-env';
    const output = capture();
    expect(await main(['node', 'tandem', 'config', '--config', file], output)).toBe(0);
    const text = output.lines.join('\n');
    expect(text).not.toContain('literal-pw-1');
    expect(text).not.toContain('from-env-pw-2');
    expect(text).toContain('password: "***"');
    // Anything that came from ${env:...} is treated as secret, the user name too.
    expect(text).not.toContain('user-from-env');
    expect(text).toContain('profile: keyspaces');
    delete process.env.PRINT_PW;
    delete process.env.PRINT_USER;
  });
});

describe('backfill, validate and demo options', () => {
  it('refuse a bad number or time before connecting anywhere, naming the option; validate exits 2 on errors', async () => {
    const backfill = capture();
    expect(await main(['node', 'tandem', 'backfill', '--table', 'ks.t', '--splits', '0'], backfill)).toBe(1);
    expect(backfill.lines).toEqual(['tandem: --splits 0 is not a whole number from 1 to 100000']);

    const since = capture();
    expect(await main(['node', 'tandem', 'backfill', '--table', 'ks.t', '--dual-writes-since', 'yesterday'], since)).toBe(1);
    expect(since.lines).toEqual(['tandem: --dual-writes-since yesterday is not a time. Use ISO-8601, e.g. 2026-11-20T09:00:00Z']);

    const validate = capture();
    expect(await main(['node', 'tandem', 'validate', '--table', 'ks.t', '--compare', 'everything'], validate)).toBe(2);
    expect(validate.lines).toEqual(['tandem: --compare everything is not one of values, values+writetime']);

    const demo = capture();
    expect(await main(['node', 'tandem', 'demo', '--rate', 'fast'], demo)).toBe(1);
    expect(demo.lines).toEqual(['tandem: --rate fast is not a whole number from 1 to 100000']);
  });

  it('backfill needs a job name Kafka can carry', async () => {
    const { jobTopics } = await import('../../src/jobs/index.js');
    expect(jobTopics('ua-2026.1').ranges).toBe('tandem-backfill.ua-2026.1.ranges');
    expect(() => jobTopics('my job')).toThrow('--job "my job" is not a valid job name');
  });
});
