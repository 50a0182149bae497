import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { runTandem } from '../helpers/run-cli.js';

const stack = inject('stackConfig');

describe('tandem demo (npm start)', () => {
  it('runs the whole migration on the stack and prints the report with every cutover gate passing; a second run reuses the stack', { timeout: 400_000 }, async () => {
    const configFile = join(mkdtempSync(join(tmpdir(), 'tandem-demo-')), 'tandem.yaml');
    writeFileSync(configFile, stringify({ kafka: stack.kafka, source: stack.source, target: stack.target, status: { port: 0 } }));
    // The test stack's data dir holds its CA: <dataDir>/target/tls/ca.pem.
    const dataDir = dirname(dirname(dirname(stack.target.tls!.caFile!)));
    const args = ['demo', '--config', configFile, '--data-dir', dataDir, '--history-rows', '2000', '--rate', '100', '--seconds', '5'];

    const first = await runTandem(args, { timeoutMs: 300_000 });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('reused the running stack');
    expect(first.stdout).toContain('READY TO CUT OVER');
    for (const gate of ['both sinks at zero lag', 'backfill complete', 'last validation clean', 'no undrained dead letters']) expect(first.stdout).toContain(`[pass] ${gate}`);
    const rows = [...first.stdout.matchAll(/^ {2}(source|target) +(\d+) +(\d+)/gm)].map((m) => [m[1], Number(m[2]), Number(m[3])]);
    expect(rows.map((r) => r[0])).toEqual(['source', 'target']);
    expect(rows[0]![1]).toBeGreaterThanOrEqual(2000 + 4 + 500);
    expect(rows[1]![1]).toBe(rows[0]![1]);
    expect(rows.map((r) => r[2])).toEqual([0, 0]);
    expect(first.stdout).toContain('Stop the stack: tandem down');

    const second = await runTandem(args, { timeoutMs: 300_000 });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('READY TO CUT OVER');
  });
});
