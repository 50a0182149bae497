import { Admin, Consumer } from '@platformatic/kafka';
import type { KafkaConnection } from '../kafka/index.js';

interface Snapshot {
  readonly atMs: number;
  /** End offset per `topic:partition` when the snapshot was taken. */
  readonly ends: ReadonlyMap<string, bigint>;
}

/** How far one sink's consumer group trails the end offsets a settlement waits for. */
export interface GroupBehind {
  readonly group: string;
  /** Records between its committed offsets and those end offsets, summed over partitions. */
  readonly records: bigint;
}

/**
 * Whether the sinks have written what Kafka held at a moment. Unsettled: they had not when waiting
 * ended, so a row that differs may be one a sink is still to write, and nothing may be judged,
 * reported as a difference or repaired by it.
 */
export type Settlement =
  | { readonly settled: true }
  | { readonly settled: false; readonly behind: readonly GroupBehind[]; readonly reason: string };

export const settled: Settlement = Object.freeze({ settled: true });

/**
 * Tells when the running sinks have written everything Kafka held at a given moment: every group's
 * committed offset has reached the end offsets of that moment. A validation that finds a row
 * different waits for this before judging it, so a row one sink has written and the other not yet
 * is never reported, repaired or deleted. Polls only while someone waits. Waiting ends after
 * `maxWaitMs`, or sooner when the groups stop moving (a sink not running) or Kafka cannot be read;
 * then the answer is unsettled, with how far each group is behind: never "go ahead anyway", since a
 * delete or a rewrite judged against a sink still to write would shadow that sink's write for good.
 */
export class SinkProgressWatch {
  private readonly admin: Admin;
  private readonly reader: Consumer;
  private readonly snapshots: Snapshot[] = [];
  private committed = new Map<string, bigint>();
  private lastMoveMs = Date.now();
  private lastError: unknown;
  private waiters = 0;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(
    kafka: KafkaConnection,
    private readonly groups: readonly string[],
    private readonly topics: readonly string[],
    private readonly options: { readonly pollMs?: number; readonly stalledMs?: number; readonly maxWaitMs?: number } = {},
  ) {
    const connection = { ...kafka.options, timeout: 5_000, retries: 1 };
    this.admin = new Admin({ clientId: 'tandem-validate', ...connection });
    this.reader = new Consumer({ clientId: 'tandem-validate', groupId: 'tandem-validate-offsets-reader', ...connection });
  }

  /** Resolves once the sinks have written what Kafka held at `sinceMs` (settled), or waiting no longer helps (unsettled). */
  async applied(sinceMs: number): Promise<Settlement> {
    const deadline = Date.now() + (this.options.maxWaitMs ?? 30_000);
    this.waiters += 1;
    this.timer ??= setInterval(() => void this.poll(), this.options.pollMs ?? 300);
    try {
      for (;;) {
        await (this.polling ?? this.poll());
        const snapshot = this.snapshots.find((s) => s.atMs >= sinceMs);
        if (snapshot && this.behind(snapshot).length === 0) return settled;
        const now = Date.now();
        // Stalled says something only of offsets read after the difference was seen.
        if (snapshot && now - this.lastMoveMs > (this.options.stalledMs ?? 5_000)) return this.unsettled(snapshot, 'the sinks stopped moving');
        if (now > deadline) return this.unsettled(snapshot, 'the sinks did not catch up in time');
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

  private unsettled(snapshot: Snapshot | undefined, why: string): Settlement {
    if (!snapshot) {
      const cause = this.lastError instanceof Error ? `: ${this.lastError.message}` : '';
      return { settled: false, behind: [], reason: `the sinks' offsets could not be read from Kafka${cause}` };
    }
    const behind = this.behind(snapshot);
    const lags = behind.map((b) => `${b.group} ${b.records} records behind`).join(', ');
    return { settled: false, behind, reason: `${why} (${lags})` };
  }

  /** The groups whose committed offsets have not reached the snapshot's end offsets, and by how much. */
  private behind(snapshot: Snapshot): GroupBehind[] {
    const behind: GroupBehind[] = [];
    for (const group of this.groups) {
      let records = 0n;
      for (const [partition, end] of snapshot.ends) {
        // A group that never committed on a partition (-1, or absent) has written none of it.
        const committed = this.committed.get(`${group}|${partition}`) ?? 0n;
        if (committed < end) records += end - (committed < 0n ? 0n : committed);
      }
      if (records > 0n) behind.push({ group, records });
    }
    return behind;
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
      this.lastError = undefined;
    } catch (error) {
      // Kafka unreachable: no snapshot, so whoever waits ends unsettled.
      this.lastError = error;
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([this.admin.close(), this.reader.close()]);
  }
}
