import { describe, expect, it } from 'vitest';
import { InFlightWindow } from '../../src/kafka/index.js';

describe('InFlightWindow', () => {
  it('lets `size` writes through, then makes the next wait for a release', async () => {
    const window = new InFlightWindow(2);
    expect(window.acquire()).toBeUndefined();
    expect(window.acquire()).toBeUndefined();
    let third = false;
    const waiting = window.acquire()!.then(() => (third = true));
    await Promise.resolve();
    expect(third).toBe(false);
    window.release();
    await waiting;
    expect(third).toBe(true);
    expect(window.inFlight).toBe(2);
  });

  it('reports drained when the last write finishes, or gives up after the timeout', async () => {
    const window = new InFlightWindow(4);
    window.acquire();
    const drained = window.drained(1_000);
    window.release();
    expect(await drained).toBe(true);
    window.acquire();
    expect(await window.drained(20)).toBe(false);
  });
});
