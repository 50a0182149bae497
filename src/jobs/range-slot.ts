import { replicasDown, retryTransient } from '../cql/index.js';
import type { InFlightWindow } from '../kafka/index.js';
import { onAbort } from '../on-abort.js';

/**
 * A range's place among the ranges a process works on at once. A range whose every replica is
 * down can do nothing but wait: it gives its place up while it waits, so the ranges of the nodes
 * that are up go on, and takes a place again before it works on.
 */
export interface RangeSlot {
  release(): void;
  /** Rejects with the signal's reason when the work stops while waiting. */
  reacquire(): Promise<void>;
}

/**
 * A place in `window`, held from the start. Several reads of one range (validate scans both sides
 * at once) may give it up and ask for it again concurrently: they share one request for it.
 */
export function windowSlot(window: InFlightWindow, signal: AbortSignal): RangeSlot {
  let held = true;
  let taking: Promise<void> | undefined;
  const take = async () => {
    signal.throwIfAborted();
    const waiting = window.acquire();
    if (waiting) {
      // A place handed over after the work stopped goes straight back, so the window drains.
      let gaveUp = false;
      const taken = waiting.then(() => {
        if (gaveUp) window.release();
      });
      let stopListening = () => {};
      const aborted = new Promise<never>((_, reject) => {
        stopListening = onAbort(signal, () => reject(signal.reason));
      });
      try {
        await Promise.race([taken, aborted]);
      } catch (error) {
        gaveUp = true;
        throw error;
      } finally {
        stopListening();
      }
    }
    held = true;
  };
  return {
    release() {
      if (!held) return;
      held = false;
      window.release();
    },
    reacquire() {
      if (held) return Promise.resolve();
      taking ??= take().finally(() => {
        taking = undefined;
      });
      return taking;
    },
  };
}


/**
 * Runs one read of a range until it answers, retrying as `retryTransient` does. While the range's
 * replicas are down it gives its place up, so other ranges go on; once the read answers it takes a
 * place again before its range goes on. `aborted` makes the error thrown on abort.
 */
export async function retryRangeRead<T>(
  read: () => Promise<T>,
  options: { readonly signal: AbortSignal; readonly slot?: RangeSlot | undefined; readonly onRetry?: ((reason: string, attempt: number) => void) | undefined; readonly aborted?: () => unknown },
): Promise<T> {
  const onRetry = (reason: string, attempt: number, error: unknown) => {
    if (replicasDown(error)) options.slot?.release();
    options.onRetry?.(reason, attempt);
  };
  const result = await retryTransient(read, options.signal, onRetry, options.aborted);
  await options.slot?.reacquire();
  return result;
}
