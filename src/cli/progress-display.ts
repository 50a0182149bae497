import cliProgress from 'cli-progress';
import type { Output } from './output.js';

/** One step of long work: `done` of `total` units, and the words that go with it. */
export interface ProgressStep {
  readonly done: number;
  readonly total: number;
  /** Shown after the bar on a terminal, and as the whole line elsewhere. */
  readonly detail: string;
}

export interface ProgressDisplay {
  update(step: ProgressStep): void;
  stop(): void;
}

/**
 * A progress bar on a terminal; otherwise one plain line every 10 s (and a last one at the end),
 * so logs of a long job stay readable.
 *
 * @example
 *   const display = progressDisplay(output, 'backfill ks.t', 'ranges');
 *   display.update({ done: 3, total: 64, detail: '12,000 rows, 4,100 rows/s, ETA 1m02s' });
 *   display.stop();
 */
export function progressDisplay(output: Output, label: string, unit: string): ProgressDisplay {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | ${unit} {value}/{total} | {detail}`, stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(step) {
        if (!started) {
          bar.start(step.total, step.done, { detail: step.detail });
          started = true;
        } else bar.update(step.done, { detail: step.detail });
      },
      stop: () => started && bar.stop(),
    };
  }
  let lastMs = 0;
  let last: ProgressStep | undefined;
  let printed: ProgressStep | undefined;
  const line = (step: ProgressStep) => {
    printed = step;
    output.progress(`${label}: ${step.done}/${step.total} ${unit}, ${step.detail}`);
  };
  return {
    update(step) {
      last = step;
      if (Date.now() - lastMs < 10_000) return;
      lastMs = Date.now();
      line(step);
    },
    stop: () => last && last !== printed && line(last),
  };
}

/** Seconds as `42s`, `3m05s` or `2h10m`; `-` when unknown. */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '-';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
