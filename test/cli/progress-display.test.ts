import { describe, expect, it } from 'vitest';
import { formatEta, progressDisplay } from '../../src/cli/progress-display.js';
import type { Output } from '../../src/cli/output.js';

describe('progress display', () => {
  it('formats an ETA in seconds, minutes or hours, and - when unknown', () => {
    expect([formatEta(undefined), formatEta(Number.POSITIVE_INFINITY), formatEta(42.4), formatEta(185), formatEta(7_800)]).toEqual(['-', '-', '42s', '3m05s', '2h10m']);
  });

  it('prints plain lines, at most one per 10 s and the last one at the end, when stderr is not a terminal', () => {
    const lines: string[] = [];
    const output: Output = { info: () => undefined, error: () => undefined, progress: (line) => lines.push(line) };
    const tty = process.stderr.isTTY;
    process.stderr.isTTY = false;
    try {
      const display = progressDisplay(output, 'backfill job', 'ranges');
      display.update({ done: 1, total: 4, detail: '10 rows' });
      display.update({ done: 2, total: 4, detail: '20 rows' });
      display.update({ done: 4, total: 4, detail: '40 rows' });
      display.stop();
    } finally {
      process.stderr.isTTY = tty;
    }
    expect(lines).toEqual(['backfill job: 1/4 ranges, 10 rows', 'backfill job: 4/4 ranges, 40 rows']);
    // A line already printed is not printed again at the end.
    const once: string[] = [];
    process.stderr.isTTY = false;
    try {
      const display = progressDisplay({ ...output, progress: (line) => once.push(line) }, 'validate t', 'ranges');
      display.update({ done: 1, total: 1, detail: 'done' });
      display.stop();
    } finally {
      process.stderr.isTTY = tty;
    }
    expect(once).toEqual(['validate t: 1/1 ranges, done']);
  });
});
