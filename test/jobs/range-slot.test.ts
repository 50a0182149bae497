import { describe, expect, it } from 'vitest';
import { windowSlot } from '../../src/jobs/index.js';
import { InFlightWindow } from '../../src/kafka/index.js';

/** A window of `size` places, one of them taken by the slot under test (as the worker takes it per task). */
function windowWithSlot(size: number, signal = new AbortController().signal) {
  const window = new InFlightWindow(size);
  expect(window.acquire()).toBeUndefined();
  return { window, slot: windowSlot(window, signal) };
}

describe('windowSlot', () => {
  it('gives its place to other work while it waits, and takes one again before it goes on', async () => {
    const { window, slot } = windowWithSlot(1);
    slot.release();
    slot.release();
    expect(window.inFlight).toBe(0);
    // Another range takes the place; the waiting one gets it back only when that one is done.
    expect(window.acquire()).toBeUndefined();
    let back = false;
    const reacquired = slot.reacquire().then(() => (back = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(back).toBe(false);
    window.release();
    await reacquired;
    expect(window.inFlight).toBe(1);
    slot.release();
    expect(window.inFlight).toBe(0);
  });

  it('shares one request when both sides of a range ask for the place again at once', async () => {
    const { window, slot } = windowWithSlot(2);
    slot.release();
    expect(window.acquire()).toBeUndefined();
    expect(window.acquire()).toBeUndefined();
    const both = Promise.all([slot.reacquire(), slot.reacquire()]);
    window.release();
    await both;
    // Two places used: the other work's and this slot's, once.
    expect(window.inFlight).toBe(2);
  });

  it('stops waiting when the work stops, and hands a place it gets afterwards straight back', async () => {
    const controller = new AbortController();
    const { window, slot } = windowWithSlot(1, controller.signal);
    slot.release();
    expect(window.acquire()).toBeUndefined();
    const waiting = slot.reacquire();
    controller.abort(new Error('stopped'));
    await expect(waiting).rejects.toThrow('stopped');
    window.release();
    await new Promise((r) => setTimeout(r, 0));
    expect(window.inFlight).toBe(0);
    expect(await window.drained(100)).toBe(true);
  });

  it('costs nothing while it holds its place', async () => {
    const { window, slot } = windowWithSlot(1);
    await slot.reacquire();
    expect(window.inFlight).toBe(1);
  });
});
