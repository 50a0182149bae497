import { Admin, Consumer } from '@platformatic/kafka';

interface Snapshot {
  readonly atMs: number;
  /** End offset per `topic:partition` when the snapshot was taken. */
  readonly ends: ReadonlyMap<string, bigint>;
}

/**
 * Tells when the running sinks have written everything Kafka held at a given moment: every group's
 * committed offset has reached the end offsets of that moment. A validation that finds a row
 * different waits for this before reading it again, so a row one sink has written and the other
 * not yet is not reported. Polls only while someone waits; gives up waiting when the groups stop
 * moving (no sink running) or after `maxWaitMs`, and the row is read again anyway.
 */
export class SinkProgressWatch {
  private readonly admin: Admin;
  private readonly reader: Consumer;
  private readonly snapshots: Snapshot[] = [];
  private committed = new Map<string, bigint>();
  private lastMoveMs = Date.now();
  private waiters = 0;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(
    brokers: readonly string[],
    private readonly groups: readonly string[],
    private readonly topics: readonly string[],
    private readonly options: { readonly pollMs?: number; readonly stalledMs?: number; readonly maxWaitMs?: number } = {},
  ) {
    const connection = { bootstrapBrokers: [...brokers], timeout: 5_000, retries: 1 };
    this.admin = new Admin({ clientId: 'tandem-validate', ...connection });
    this.reader = new Consumer({ clientId: 'tandem-validate', groupId: 'tandem-validate-offsets-reader', ...connection });
  }

  /** Resolves once the sinks have written what Kafka held at `sinceMs`, or waiting no longer helps. */
  async applied(sinceMs: number): Promise<void> {
    const deadline = Date.now() + (this.options.maxWaitMs ?? 30_000);
    this.waiters += 1;
    this.timer ??= setInterval(() => void this.poll(), this.options.pollMs ?? 300);
    try {
      for (;;) {
        await (this.polling ?? this.poll());
        const snapshot = this.snapshots.find((s) => s.atMs >= sinceMs);
        if (snapshot && this.caughtUp(snapshot)) return;
        if (Date.now() > deadline || Date.now() - this.lastMoveMs > (this.options.stalledMs ?? 5_000)) return;
        await new Promise((r) => setTimeout(r, this.options.pollMs ?? 300));
      }
    } finally {
      this.waiters -= 1;
      if (this.waiters === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    }
  }

  private caughtUp(snapshot: Snapshot): boolean {
    for (const group of this.groups) {
      for (const [partition, end] of snapshot.ends) {
        if ((this.committed.get(`${group}|${partition}`) ?? 0n) < end) return false;
      }
    }
    return true;
  }

  private poll(): Promise<void> {
    this.polling ??= this.read().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async read(): Promise<void> {
    const atMs = Date.now();
    try {
      const [offsets, ends] = await Promise.all([this.admin.listConsumerGroupOffsets({ groups: [...this.groups] }), this.reader.listOffsets({ topics: [...this.topics] })]);
      const committed = new Map<string, bigint>();
      for (const group of offsets) {
        for (const topic of group.topics) {
          for (const p of topic.partitions) committed.set(`${group.groupId}|${topic.name}:${p.partitionIndex}`, p.committedOffset);
        }
      }
      const moved = [...committed].some(([key, offset]) => offset !== this.committed.get(key));
      if (moved) this.lastMoveMs = atMs;
      this.committed = committed;
      const endsByPartition = new Map<string, bigint>();
      for (const [topic, partitions] of ends) partitions.forEach((end, partition) => endsByPartition.set(`${topic}:${partition}`, end));
      this.snapshots.push({ atMs, ends: endsByPartition });
      while (this.snapshots.length > 1 && atMs - this.snapshots[0]!.atMs > 120_000) this.snapshots.shift();
    } catch {
      // Kafka unreachable: the row is read again after the deadline, as without sinks.
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([this.admin.close(), this.reader.close()]);
  }
}
