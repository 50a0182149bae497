import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, FetchFailedError } from '../src/errors.js';
import { byRetryableFlag, retry } from '../src/retry.js';

afterEach(() => vi.useRealTimers());

describe('retry', () => {
  it('tries again what may pass later, with growing waits, and tells each retry', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const retries: [string, number][] = [];
    const done = retry(
      async (attempt) => {
        calls += 1;
        if (attempt < 3) throw new Error(`busy ${attempt}`);
        return 'ok';
      },
      { signal: new AbortController().signal, backoff: { baseMs: 100, capMs: 1_000 }, onRetry: (reason, attempt) => retries.push([reason, attempt]) },
    );
    await vi.runAllTimersAsync();
    expect(await done).toBe('ok');
    expect(calls).toBe(4);
    expect(retries).toEqual([
      ['busy 0', 0],
      ['busy 1', 1],
      ['busy 2', 2],
    ]);
  });

  it("throws at once what never passes: a Tandem error that is not retryable, or what `retryable` refuses", async () => {
    let calls = 0;
    const signal = new AbortController().signal;
    await expect(retry(async () => (calls++, Promise.reject(new ConfigError('bad'))), { signal })).rejects.toThrow('bad');
    expect(calls).toBe(1);
    await expect(retry(async () => Promise.reject(new Error('no')), { signal, retryable: () => undefined })).rejects.toThrow('no');
    expect(byRetryableFlag(new FetchFailedError('later'))).toBe('later');
    expect(byRetryableFlag(new ConfigError('never'))).toBeUndefined();
  });

  it('stops waiting the moment the signal aborts, with the error `aborted` makes', async () => {
    const controller = new AbortController();
    const done = retry(() => Promise.reject(new Error('down')), { signal: controller.signal, backoff: { baseMs: 60_000, capMs: 60_000 }, aborted: () => new Error('stopped') });
    setTimeout(() => controller.abort(), 20);
    const began = Date.now();
    await expect(done).rejects.toThrow('stopped');
    expect(Date.now() - began).toBeLessThan(5_000);
  });

  it('awaits an asynchronous verdict', async () => {
    let calls = 0;
    const result = await retry(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('stale');
        return calls;
      },
      { signal: new AbortController().signal, backoff: { baseMs: 1, capMs: 1 }, retryable: async (error) => ((error as Error).message === 'stale' ? 'read again' : undefined) },
    );
    expect(result).toBe(2);
  });
});
