import { describe, expect, it } from 'vitest';
import { onAbort } from '../src/on-abort.js';

describe('onAbort', () => {
  it('runs the listener at once for a signal that has already aborted', () => {
    const controller = new AbortController();
    controller.abort();
    let calls = 0;
    onAbort(controller.signal, () => void (calls += 1));
    expect(calls).toBe(1);
  });

  it('runs the listener once when the signal aborts, and never after it was removed', () => {
    const heard = new AbortController();
    const removed = new AbortController();
    let calls = 0;
    onAbort(heard.signal, () => void (calls += 1));
    onAbort(removed.signal, () => void (calls += 100))();
    expect(calls).toBe(0);
    heard.abort();
    heard.abort();
    removed.abort();
    expect(calls).toBe(1);
  });
});
