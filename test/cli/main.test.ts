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
