import type { CommitOptions } from '@platformatic/kafka';
import type { OffsetTracker } from './offset-tracker.js';

/** What commits offsets: a Kafka consumer of the group. */
export interface OffsetCommitTarget {
  commit(options: CommitOptions): Promise<void>;
}

type Offset = { topic: string; partition: number; offset: bigint };

/**
 * Commits what the tracker says is finished, every `intervalMs` and on demand, one commit at a
 * time: two in flight could land out of order and move the group's offset back. A failed commit
 * offers its offsets again to the next round.
 *
 * @example
 *   const committer = new OffsetCommitter(consumer, tracker, 1_000, { onFailed: (e) => log.warn({ err: e }, 'commit failed') });
 *   ...
 *   await committer.close(); // one last commit
 */
export class OffsetCommitter {
  private committing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly consumer: OffsetCommitTarget,
    private readonly tracker: OffsetTracker,
    intervalMs: number,
    private readonly events: { readonly onCommitted?: (offsets: readonly Offset[]) => void; readonly onFailed: (error: unknown) => void },
  ) {
    this.timer = setInterval(() => void this.commit(), intervalMs);
  }

  commit(): Promise<void> {
    this.committing ??= this.commitOnce().finally(() => (this.committing = undefined));
    return this.committing;
  }

  /** Stops the timer, waits for a commit in flight, and commits what finished since. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.committing;
    await this.commit();
  }

  private async commitOnce(): Promise<void> {
    const offsets = this.tracker.committable();
    if (offsets.length === 0) return;
    try {
      await this.consumer.commit({ offsets: offsets.map((o) => ({ ...o, leaderEpoch: -1 })) });
      this.events.onCommitted?.(offsets);
    } catch (error) {
      for (const o of offsets) this.tracker.commitFailed(o.topic, o.partition);
      this.events.onFailed(error);
    }
  }
}
