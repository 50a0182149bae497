/**
 * Which offset of each partition may be committed: the one after the highest offset below which
 * every record is written or dead-lettered. Writes finish out of order; the commit never passes a
 * record still in flight, so a crash replays it instead of losing it.
 *
 * @example
 *   tracker.started('t', 0, 10n); tracker.started('t', 0, 11n);
 *   tracker.finished('t', 0, 11n); tracker.committable() // [] — 10 still in flight
 *   tracker.finished('t', 0, 10n); tracker.committable() // [{ topic: 't', partition: 0, offset: 12n }]
 */
export class OffsetTracker {
  private readonly partitions = new Map<string, PartitionProgress>();

  /**
   * Tracks a record about to be written. Returns false for a record delivered again (after a
   * rebalance Kafka resends from the last commit): the first delivery is already tracked, and
   * the caller writes the copy without reporting it finished.
   */
  started(topic: string, partition: number, offset: bigint): boolean {
    return this.progress(topic, partition).started(offset);
  }

  finished(topic: string, partition: number, offset: bigint): void {
    this.partitions.get(keyOf(topic, partition))?.finished(offset);
  }

  /** Offsets to commit now (next offset to read, Kafka's convention), each reported once. */
  committable(): { topic: string; partition: number; offset: bigint }[] {
    const result: { topic: string; partition: number; offset: bigint }[] = [];
    for (const progress of this.partitions.values()) {
      const offset = progress.takeCommittable();
      if (offset !== undefined) result.push({ topic: progress.topic, partition: progress.partition, offset });
    }
    return result;
  }

  /** Offers an offset again after its commit failed, so the next round retries it. */
  commitFailed(topic: string, partition: number): void {
    this.partitions.get(keyOf(topic, partition))?.commitFailed();
  }

  /** Records started and not yet finished, over all partitions. */
  get inFlight(): number {
    let count = 0;
    for (const progress of this.partitions.values()) count += progress.inFlight;
    return count;
  }

  /** Records of the partition finished but not committable: the ones behind its oldest unfinished record. */
  heldBehind(topic: string, partition: number): number {
    return this.partitions.get(keyOf(topic, partition))?.held ?? 0;
  }

  /** The oldest record of the partition not finished yet, and since when it has held the commit; undefined when none does. */
  holdingRecord(topic: string, partition: number): { offset: bigint; sinceMs: number } | undefined {
    return this.partitions.get(keyOf(topic, partition))?.holding();
  }

  /** Forgets partitions this consumer no longer owns: their offsets are another member's to commit. */
  forget(topic: string, partition: number): void {
    this.partitions.delete(keyOf(topic, partition));
  }

  private progress(topic: string, partition: number): PartitionProgress {
    const key = keyOf(topic, partition);
    let progress = this.partitions.get(key);
    if (!progress) {
      progress = new PartitionProgress(topic, partition);
      this.partitions.set(key, progress);
    }
    return progress;
  }
}

function keyOf(topic: string, partition: number): string {
  return `${partition}\u0000${topic}`;
}

class PartitionProgress {
  /** Offsets in the order they were delivered (ascending); `head` is the oldest not yet passed. */
  private pending: bigint[] = [];
  private head = 0;
  private readonly done = new Set<bigint>();
  private next: bigint | undefined;
  private reported: bigint | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  get inFlight(): number {
    return this.pending.length - this.head - this.done.size;
  }

  /** Finished offsets waiting behind the oldest unfinished one. */
  get held(): number {
    return this.done.size;
  }

  /** When the oldest unfinished record became the head (ms): how long it has held the commit. */
  private headSinceMs = Date.now();

  holding(): { offset: bigint; sinceMs: number } | undefined {
    return this.head < this.pending.length ? { offset: this.pending[this.head]!, sinceMs: this.headSinceMs } : undefined;
  }

  private highestStarted = -1n;

  started(offset: bigint): boolean {
    if (offset <= this.highestStarted) return false;
    this.highestStarted = offset;
    this.pending.push(offset);
    return true;
  }

  finished(offset: bigint): void {
    this.done.add(offset);
    while (this.head < this.pending.length && this.done.has(this.pending[this.head]!)) {
      const passed = this.pending[this.head]!;
      this.done.delete(passed);
      this.head += 1;
      this.next = passed + 1n;
      this.headSinceMs = Date.now();
    }
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
  }

  commitFailed(): void {
    this.reported = undefined;
  }

  takeCommittable(): bigint | undefined {
    if (this.next === undefined || (this.reported !== undefined && this.next <= this.reported)) return undefined;
    this.reported = this.next;
    return this.next;
  }
}
