/**
 * A bound on the work in flight of a consume loop (a sink's writes, a job's ranges). `acquire`
 * waits while the window is full, which is what pauses fetching: the loop does not ask Kafka for
 * more until a slot frees.
 */
export class InFlightWindow {
  private used = 0;
  private readonly waiters: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];

  constructor(readonly size: number) {}

  get inFlight(): number {
    return this.used;
  }

  acquire(): Promise<void> | undefined {
    if (this.used < this.size) {
      this.used += 1;
      return undefined;
    }
    return new Promise((resolve) => this.waiters.push(() => resolve()));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) {
      // The slot passes straight to the next waiter.
      next();
      return;
    }
    this.used -= 1;
    if (this.used === 0) for (const idle of this.idleWaiters.splice(0)) idle();
  }

  /** Resolves when nothing is in flight, or after `timeoutMs`; true when drained. */
  drained(timeoutMs: number): Promise<boolean> {
    if (this.used === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
