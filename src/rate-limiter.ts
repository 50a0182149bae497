/**
 * Paces writes to at most `perSecond`, allowing a burst of a tenth of a second's worth so a
 * steady stream is not held back by timer granularity. Keyspaces bills and throttles per second
 * of capacity; staying under it keeps throttling errors (which only back off) rare.
 *
 * @example
 *   const limiter = new RateLimiter(3000);
 *   const wait = limiter.reserve();
 *   if (wait > 0) await sleep(wait);
 */
export class RateLimiter {
  private readonly intervalMs: number;
  private readonly burstMs: number;
  /** When the next write may go without waiting, in the clock's milliseconds. */
  private nextFreeMs = Number.NEGATIVE_INFINITY;

  constructor(
    readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(perSecond > 0)) throw new RangeError(`perSecond must be positive, not ${perSecond}`);
    this.intervalMs = 1000 / perSecond;
    this.burstMs = Math.max(this.intervalMs, 100);
  }

  /** Takes the next `count` slots and says how many milliseconds to wait before using them (0: go now). */
  reserve(count = 1): number {
    const now = this.now();
    const slot = Math.max(this.nextFreeMs, now - this.burstMs);
    this.nextFreeMs = slot + this.intervalMs * count;
    return Math.max(0, slot - now);
  }
}
