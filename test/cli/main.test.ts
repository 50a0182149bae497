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
