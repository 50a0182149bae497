import { abortableDelay } from '../abortable-delay.js';
import { KafkaAccessError } from '../errors.js';
import { explainConsumerAuthorizationError } from './kafka-access.js';

/** Fresh Kafka consumers replacing failed ones, in a row without progress, before the work gives up. */
export const maxConsumerRestarts = 5;

/** An error of the Kafka client itself (its codes start with PLT_KFK_), not of a destination or a record. */
export function isKafkaClientError(error: unknown): boolean {
  return typeof (error as { code?: unknown } | null)?.code === 'string' && (error as { code: string }).code.startsWith('PLT_KFK_');
}

export interface ConsumerReplacementOptions {
  readonly signal: AbortSignal;
  /** The consumer's group, named when Kafka refuses it. */
  readonly groupId?: string;
  /** A count that grows as the work gets done (records written, ranges finished): a restart budget is per stretch without progress. */
  readonly progress: () => number;
  /** Told of each replacement, with the error that ended the last consumer. */
  readonly onReplace: (error: unknown, restart: number) => void;
}

/**
 * Runs `consume` (one Kafka consumer's life) and, when the consumer fails for good, runs it again
 * with a fresh one, from the committed offsets, as a process restart would; nothing is lost, as
 * nothing uncommitted was acknowledged. A client whose retries are spent (a broker away for over a
 * minute) or that cannot recover its own state (after a broker paused ~15 s, @platformatic/kafka
 * 1.35 failed every fetch with "Out of bounds", or re-sent a listOffsets with a stale leader epoch)
 * needs that. Up to `maxConsumerRestarts` in a row without progress; then the error is thrown, as is
 * any error not of the Kafka client. An authorization failure (a topic or group the consumer may
 * not read) is thrown at once, as a KafkaAccessError naming what to grant. Resolves with `consume`'s result, or undefined when `signal`
 * aborted during the pause before a replacement.
 */
export async function withConsumerReplacement<T>(consume: () => Promise<T>, options: ConsumerReplacementOptions): Promise<T | undefined> {
  const { signal } = options;
  let restarts = 0;
  for (;;) {
    const progressBefore = options.progress();
    try {
      return await consume();
    } catch (error) {
      if (options.progress() > progressBefore) restarts = 0;
      // A permission the cluster refuses stays refused: a fresh consumer would only be refused again.
      const refused = error instanceof KafkaAccessError ? error : explainConsumerAuthorizationError(error, options.groupId ?? 'of this consumer');
      if (refused) throw refused;
      if (signal.aborted || !isKafkaClientError(error) || restarts >= maxConsumerRestarts) throw error;
      restarts += 1;
      options.onReplace(error, restarts);
      await abortableDelay(1_000, signal).catch(() => undefined);
      if (signal.aborted) return undefined;
    }
  }
}
