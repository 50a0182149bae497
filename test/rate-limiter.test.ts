import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../src/rate-limiter.js';

describe('RateLimiter', () => {
  it('lets a tenth of a second of writes through at once, then spaces the rest at the rate', () => {
    let now = 10_000;
    const limiter = new RateLimiter(1000, () => now);
    const waits = Array.from({ length: 300 }, () => limiter.reserve());
    expect(waits.slice(0, 100).every((w) => w === 0)).toBe(true);
    expect(waits[100]).toBeCloseTo(0, 5);
    expect(waits[101]).toBeCloseTo(1, 5);
    expect(waits[299]).toBeCloseTo(199, 5);
    now += 1_000;
    // A second later the reserved slots are used up and the next write waits no more than a burst allows.
    expect(limiter.reserve()).toBe(0);
  });

  it('holds any window of a second to the rate plus the burst', () => {
    let now = 0;
    const limiter = new RateLimiter(250, () => now);
    const sent: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      now += Math.random() * 2;
      sent.push(now + limiter.reserve());
    }
    sent.sort((a, b) => a - b);
    let worst = 0;
    for (let i = 0, j = 0; i < sent.length; i++) {
      while (sent[i]! - sent[j]! >= 1000) j++;
      worst = Math.max(worst, i - j + 1);
    }
    expect(worst).toBeLessThanOrEqual(250 + 25 + 1);
    expect(worst).toBeGreaterThanOrEqual(240);
  });

  it('does not save up unused capacity beyond the burst', () => {
    let now = 0;
    const limiter = new RateLimiter(10, () => now);
    limiter.reserve();
    now = 60_000;
    // A minute idle buys one slot of burst (a tenth of a second at 10/s), not 600 writes.
    expect([limiter.reserve(), limiter.reserve(), limiter.reserve(), limiter.reserve()]).toEqual([0, 0, 100, 200]);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new RateLimiter(0)).toThrow(/positive/);
  });
});
