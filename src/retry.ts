import { abortableDelay } from './abortable-delay.js';
import { describeError, isTandemError } from './errors.js';

/** Waits between attempts: the first up to `baseMs`, doubling per attempt up to `capMs`, each drawn at random below that (full jitter). */
export interface Backoff {
  readonly baseMs: number;
  readonly capMs: number;
}

/** CQL requests: a node away or overloaded, Keyspaces throttling. */
export const cqlBackoff: Backoff = Object.freeze({ baseMs: 100, capMs: 10_000 });
/** Writes of a sink's records and the dead letters it publishes: many wait at once, so the first retries come soon. */
export const writeBackoff: Backoff = Object.freeze({ baseMs: 50, capMs: 10_000 });
/** Waiting for something an operator or another process does (a table created, Kafka back): no hurry, a few seconds at most. */
export const waitBackoff: Backoff = Object.freeze({ baseMs: 200, capMs: 5_000 });

/** Exponential backoff with full jitter: attempt 0 waits up to `baseMs`, never more than `capMs`. */
export function backoffMs(attempt: number, random: () => number = Math.random, baseMs = writeBackoff.baseMs, capMs = writeBackoff.capMs): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** Math.min(attempt, 20)));
}

export interface RetryOptions {
  /** Ends the retries: the wait is cut short and `aborted()` thrown. */
  readonly signal: AbortSignal;
  /**
   * Why `error` may pass when tried again, or undefined when it never will as it is (then it is
   * thrown at once). Default `byRetryableFlag`.
   */
  readonly retryable?: (error: unknown) => string | undefined | Promise<string | undefined>;
  readonly backoff?: Backoff;
  /** Told before each wait: for logs and counters. */
  readonly onRetry?: (reason: string, attempt: number, error: unknown) => void;
  /** The error thrown when `signal` aborts (its reason by default). */
  readonly aborted?: () => unknown;
}

/**
 * Tandem's own errors by their `retryable` flag; any other error (a connection lost, a server's
 * refusal to answer now) may pass later.
 */
export function byRetryableFlag(error: unknown): string | undefined {
  if (isTandemError(error)) return error.retryable ? describeError(error) : undefined;
  return describeError(error);
}

/**
 * Runs `request` until it succeeds, waiting with backoff between attempts while its failures may
 * pass later; throws a failure that never will, or `aborted()` once `signal` aborts. The one retry
 * loop of Tandem: the sink, backfill, validation, dead-letter replay and range jobs all go through it.
 *
 * @example
 *   const rows = await retry(() => client.execute(cql), { signal, retryable: cqlRetryable, backoff: cqlBackoff });
 */
export function retry<T>(request: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  // The first attempt goes straight out: on the sink's path, once per record, an extra async frame costs
  // more than the write's own bookkeeping. Only a failure enters the loop.
  if (options.signal.aborted) return Promise.reject((options.aborted ?? (() => options.signal.reason))());
  return request(0).catch((error: unknown) => retryAfter(error, request, options));
}

async function retryAfter<T>(firstError: unknown, request: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { signal } = options;
  const aborted = options.aborted ?? (() => signal.reason);
  const retryable = options.retryable ?? byRetryableFlag;
  const { baseMs, capMs } = options.backoff ?? writeBackoff;
  let error = firstError;
  for (let attempt = 0; ; attempt++) {
    if (signal.aborted) throw error;
    const reason = await retryable(error);
    if (reason === undefined) throw error;
    options.onRetry?.(reason, attempt, error);
    await abortableDelay(backoffMs(attempt, Math.random, baseMs, capMs), signal, aborted);
    try {
      return await request(attempt + 1);
    } catch (next) {
      error = next;
    }
  }
}
