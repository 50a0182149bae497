/**
 * Write timestamps in microseconds that never go backwards within the process: two records
 * produced in a row always carry increasing timestamps, so the later write wins on both databases,
 * even if the wall clock is stepped back meanwhile.
 */
export class MicrosecondClock {
  private last = 0n;

  /** `nowMs` returns milliseconds with a fraction; the default is monotonic, anchored at process start. */
  constructor(private readonly nowMs: () => number = () => performance.timeOrigin + performance.now()) {}

  now(): bigint {
    const current = BigInt(Math.floor(this.nowMs() * 1000));
    this.last = current > this.last ? current : this.last + 1n;
    return this.last;
  }
}
