import cassandra from 'cassandra-driver';
import { RecordRejectedError } from '../errors.js';
import { cqlBackoff, retry } from '../retry.js';

const codes = cassandra.types.responseErrorCodes;

export type CqlErrorVerdict =
  | { readonly action: 'retry'; readonly reason: string }
  | { readonly action: 'reject'; readonly reason: string };

/**
 * Decides whether a failed CQL request (a write, or the reads of backfill, validation and the list
 * guard) may succeed later (timeouts, unavailable or overloaded nodes, Keyspaces throttling, a
 * missing table or permission an operator can still fix) or never will as it is (a value the
 * server refuses, a guardrail): the sinks retry the first and dead-letter the second.
 */
export function classifyCqlError(error: unknown): CqlErrorVerdict {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof RecordRejectedError) return { action: 'reject', reason: message };
  if (error instanceof cassandra.errors.OperationTimedOutError || error instanceof cassandra.errors.NoHostAvailableError) {
    return { action: 'retry', reason: message };
  }
  if (error instanceof cassandra.errors.ResponseError) {
    switch (error.code) {
      case codes.invalid:
        // A missing keyspace or table is a setup step not yet done (`tandem schema`), not a bad record.
        if (/unconfigured table|does not exist|keyspace .* not found/i.test(message)) return { action: 'retry', reason: message };
        return { action: 'reject', reason: message };
      case codes.syntaxError:
      case codes.functionFailure:
      case codes.configError:
      case codes.protocolError:
        return { action: 'reject', reason: message };
      default:
        // Unavailable, overloaded, bootstrapping, write/read timeouts, server errors (Keyspaces throttling
        // arrives as these), unauthorized (grants can be fixed while we wait).
        return { action: 'retry', reason: message };
    }
  }
  if (error instanceof TypeError || error instanceof RangeError || error instanceof cassandra.errors.ArgumentError) {
    // The driver could not encode a value: retrying sends the same bytes.
    return { action: 'reject', reason: message };
  }
  return { action: 'retry', reason: message };
}

/**
 * Whether a write failed as a statement prepared before the table was altered fails: the server
 * refuses a column the table no longer has (`Undefined column name x`), or, as the driver meets it,
 * forgot the statement and refused to prepare it again (the driver then reports every host as
 * failed with "Prepared query ... not found"). A re-read of the table may fix it.
 */
export function mayBeStaleStatement(error: unknown): boolean {
  if (error instanceof cassandra.errors.NoHostAvailableError) {
    const inner = Object.values(error.innerErrors as Record<string, unknown>);
    return inner.length > 0 && inner.every((e) => e instanceof cassandra.errors.ResponseError && e.code === codes.unprepared);
  }
  return error instanceof cassandra.errors.ResponseError && error.code === codes.invalid && /undefined column name/i.test(error.message);
}

/**
 * Whether a request failed because no replica it needs is up: the coordinator says too few are
 * alive (Unavailable), or the driver found no node to send it to. Waiting is all that helps, and
 * unlike a timeout it says nothing about load, so other work may go on meanwhile.
 */
export function replicasDown(error: unknown): boolean {
  return error instanceof cassandra.errors.NoHostAvailableError || (error instanceof cassandra.errors.ResponseError && error.code === codes.unavailableException);
}

/** `retry`'s verdict for CQL requests: why a failure may pass later, or undefined when it never will. */
export function cqlRetryable(error: unknown): string | undefined {
  const verdict = classifyCqlError(error);
  return verdict.action === 'retry' ? verdict.reason : undefined;
}

/**
 * Runs a request until it succeeds, retrying what may pass later (timeouts, a node down or
 * overloaded) with backoff (100 ms doubling to 10 s) until `signal` aborts; throws what will not
 * pass at once. `aborted` makes the error thrown on abort (the signal's reason by default).
 */
export function retryTransient<T>(
  request: (attempt: number) => Promise<T>,
  signal: AbortSignal,
  onRetry?: (reason: string, attempt: number, error: unknown) => void,
  aborted: () => unknown = () => signal.reason,
): Promise<T> {
  return retry(request, { signal, retryable: cqlRetryable, backoff: cqlBackoff, aborted, ...(onRetry ? { onRetry } : {}) });
}
