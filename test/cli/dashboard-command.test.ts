import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Output } from '../../src/cli/output.js';

function capture(): Output & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (l) => lines.push(l), progress: (l) => lines.push(l), error: (l) => lines.push(l) };
}

const savedToken = process.env.TANDEM_DASHBOARD_TOKEN;
afterEach(() => {
  if (savedToken === undefined) delete process.env.TANDEM_DASHBOARD_TOKEN;
  else process.env.TANDEM_DASHBOARD_TOKEN = savedToken;
});

describe('tandem dashboard', () => {
  it('refuses another address than loopback without a token, before serving anything', async () => {
    delete process.env.TANDEM_DASHBOARD_TOKEN;
    const output = capture();
    expect(await main(['node', 'tandem', 'dashboard', '--host', '0.0.0.0', '--port', '0'], output)).toBe(1);
    expect(output.lines).toEqual([
      'tandem: Serving the dashboard on 0.0.0.0 needs a token. Set TANDEM_DASHBOARD_TOKEN; requests then carry "Authorization: Bearer <token>" (the page also takes ?token=)',
    ]);
  });

  it('refuses a port that is not one', async () => {
    const output = capture();
    expect(await main(['node', 'tandem', 'dashboard', '--port', 'http'], output)).toBe(1);
    expect(output.lines).toEqual(['tandem: --port http is not a port number (0 to 65535)']);
  });
});
