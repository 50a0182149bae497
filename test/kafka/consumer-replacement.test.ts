import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { maxConsumerRestarts, withConsumerReplacement } from '../../src/kafka/index.js';

const kafkaError = () => Object.assign(new Error('Listing offsets failed.'), { code: 'PLT_KFK_MULTIPLE' });

describe('withConsumerReplacement', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** Runs it to the end, letting each one-second pause between consumers pass. */
  async function settle<T>(run: Promise<T>): Promise<T> {
    let outcome: { value: T } | { error: unknown } | undefined;
    run.then((value) => (outcome = { value }), (error: unknown) => (outcome = { error }));
    while (!outcome) await vi.advanceTimersByTimeAsync(1_000);
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }

  it('starts a fresh consumer after a Kafka client error, and returns what the one that succeeded returned', async () => {
    const replaced: number[] = [];
    let calls = 0;
    const result = await settle(
      withConsumerReplacement(async () => (++calls < 3 ? Promise.reject(kafkaError()) : 'done'), {
        signal: new AbortController().signal,
        progress: () => 0,
        onReplace: (_error, restart) => replaced.push(restart),
      }),
    );
    expect(result).toBe('done');
    expect(replaced).toEqual([1, 2]);
  });

  it('gives up after the budget of restarts without progress, and counts it afresh after progress', async () => {
    let calls = 0;
    let done = 0;
    const failing = withConsumerReplacement(
      async () => {
        calls += 1;
        throw kafkaError();
      },
      { signal: new AbortController().signal, progress: () => 0, onReplace: () => undefined },
    );
    await expect(settle(failing)).rejects.toThrow('Listing offsets failed.');
    expect(calls).toBe(maxConsumerRestarts + 1);

    calls = 0;
    const progressing = withConsumerReplacement(
      async () => {
        calls += 1;
        // Each consumer gets something done before it fails, for the first twelve.
        if (calls <= 12) done += 1;
        throw kafkaError();
      },
      { signal: new AbortController().signal, progress: () => done, onReplace: () => undefined },
    );
    await expect(settle(progressing)).rejects.toThrow();
    // The last consumer to get something done, then that many fresh ones that did not.
    expect(calls).toBe(12 + maxConsumerRestarts);
  });

  it('throws an error not of the Kafka client at once', async () => {
    const consume = vi.fn(async () => Promise.reject(new Error('write failed')));
    await expect(settle(withConsumerReplacement(consume, { signal: new AbortController().signal, progress: () => 0, onReplace: () => undefined }))).rejects.toThrow('write failed');
    expect(consume).toHaveBeenCalledTimes(1);
  });

  it('resolves undefined when stopped during the pause before a replacement', async () => {
    const controller = new AbortController();
    const consume = vi.fn(async () => Promise.reject(kafkaError()));
    const run = withConsumerReplacement(consume, { signal: controller.signal, progress: () => 0, onReplace: () => controller.abort() });
    expect(await settle(run)).toBeUndefined();
    expect(consume).toHaveBeenCalledTimes(1);
  });
});
