import cassandra from 'cassandra-driver';
import { abortableDelay } from '../abortable-delay.js';
import { RecordRejectedError } from '../errors.js';
import { RateLimiter } from '../rate-limiter.js';
import type { ListWriteTimesReader } from './list-write-times.js';
import { classifyCqlError, cqlRetryable, keyspacesLimits, retryTransient } from '../cql/index.js';
import { cqlBackoff, retry } from '../retry.js';
import type { CellWrite } from './cell-writes.js';

/** The statements that recreate one source row; `key` names it for reports, computed only when needed. */
export interface RowWrites {
  readonly key: () => string;
  readonly writes: readonly CellWrite[];
}

/** A row the target refused as it is: reported, counted, and the job goes on. */
export interface RowRejection {
  readonly key: string;
  readonly reason: string;
}

export interface CellWriterOptions {
  /** Requests (single statements or batches) out at once, over every range this process copies. */
  readonly maxRequests: number;
  readonly maxRowsPerSecond?: number | undefined;
  /** Told of every failed attempt that will be retried. */
  readonly onRetry?: (reason: string, attempt: number) => void;
  /** Clears the copies a racing writer left of the lists written (CellWrite.lists); absent: lists are not checked. */
  readonly lists?: ListWriteTimesReader | undefined;
}

const { maxStatementsPerBatch } = keyspacesLimits;
const writeOptions = Object.freeze({ prepare: true, consistency: cassandra.types.consistencies.localQuorum });
const batchOptions = Object.freeze({ ...writeOptions, logged: false });

/** Row indexes cut into runs whose statements fit one batch; a row with more travels alone. */
export function batchesOf(rows: readonly RowWrites[]): number[][] {
  const batches: number[][] = [];
  let current: number[] = [];
  let statements = 0;
  rows.forEach((row, i) => {
    if (current.length > 0 && statements + row.writes.length > maxStatementsPerBatch) {
      batches.push(current);
      current = [];
      statements = 0;
    }
    current.push(i);
    statements += row.writes.length;
  });
  if (current.length > 0) batches.push(current);
  return batches;
}

export class Aborted extends Error {
  constructor() {
    super('aborted');
  }
}

/**
 * Sends backfill rows to the target: a bounded number of requests out, an optional rows-per-second
 * pace, each group of rows as one unlogged batch. Failures that may pass (timeouts, unavailable or
 * overloaded nodes, Keyspaces throttling, a target that went away) are retried with backoff until
 * they succeed or the job stops; a batch refused as invalid is re-sent row by row, so only the rows
 * the target really refuses are reported.
 *
 * Statements are built when their request is about to go (`build` is given the time), so the TTL
 * written is counted down to the moment of sending, not to when the row was queued.
 */
export class CellWriter {
  private requests = 0;
  private readonly queue: (() => void)[] = [];
  private readonly limiter: RateLimiter | undefined;
  rowsWritten = 0;
  statements = 0;
  batches = 0;
  retries = 0;

  constructor(
    private readonly client: cassandra.Client,
    private readonly options: CellWriterOptions,
    private readonly signal: AbortSignal,
  ) {
    this.limiter = options.maxRowsPerSecond ? new RateLimiter(options.maxRowsPerSecond) : undefined;
  }

  /**
   * Writes one group of rows; resolves with the rows the target refused (with their index in the
   * group). Rejects only with Aborted or with what `build` throws. Rows go in unlogged batches of at
   * most 30 statements, a row's statements together; a refused batch is re-sent row by row. A retry
   * calls `build` again, so it carries TTLs counted down to its own moment; `build` must return the
   * same rows in the same order.
   */
  async writeGroup(rowCount: number, build: (nowMs: number) => RowWrites[]): Promise<(RowRejection & { readonly index: number })[]> {
    const wait = this.limiter?.reserve(rowCount) ?? 0;
    if (wait > 0) await this.sleep(wait);
    await this.acquire();
    try {
      const first = build(Date.now());
      const rejections: (RowRejection & { index: number })[] = [];
      for (const chunk of batchesOf(first)) {
        const writesOf = (rows: readonly RowWrites[]) => chunk.flatMap((i) => rows[i]!.writes);
        const initial = writesOf(first);
        if (initial.length <= maxStatementsPerBatch) {
          const refused = await this.send(initial, () => writesOf(build(Date.now())));
          if (refused === undefined) {
            this.rowsWritten += chunk.length;
            continue;
          }
          // One refused batch says nothing about which row was bad: send each alone.
          if (chunk.length === 1) {
            rejections.push({ key: first[chunk[0]!]!.key(), reason: refused, index: chunk[0]! });
            continue;
          }
        }
        for (const i of chunk) {
          const refused = await this.sendRow(first[i]!.writes, () => build(Date.now())[i]!.writes);
          if (refused === undefined) this.rowsWritten += 1;
          else rejections.push({ key: first[i]!.key(), reason: refused, index: i });
        }
      }
      return rejections;
    } finally {
      this.release();
    }
  }

  /** A row's statements, in batches of at most 30; the reason if the target refuses any of them. */
  private async sendRow(initial: readonly CellWrite[], rebuild: () => readonly CellWrite[]): Promise<string | undefined> {
    for (let i = 0; i < initial.length; i += maxStatementsPerBatch) {
      const refused = await this.send(initial.slice(i, i + maxStatementsPerBatch), () => rebuild().slice(i, i + maxStatementsPerBatch));
      if (refused !== undefined) return refused;
    }
    return undefined;
  }

  /**
   * Sends until the target takes it (undefined) or refuses it as it is (the reason): `initial`
   * first, then what `rebuild` gives for each retry. Nothing to send (every cell expired before
   * the write) counts as taken.
   */
  private async send(initial: readonly CellWrite[], rebuild: () => readonly CellWrite[]): Promise<string | undefined> {
    let sent: readonly CellWrite[] = [];
    try {
      await retry(
        async (attempt) => {
          sent = attempt === 0 ? initial : rebuild();
          if (sent.length === 0) return;
          if (sent.length === 1) await this.client.execute(sent[0]!.cql, sent[0]!.params, writeOptions);
          else {
            await this.client.batch(
              sent.map((w) => ({ query: w.cql, params: w.params })),
              batchOptions,
            );
            this.batches += 1;
          }
          this.statements += sent.length;
        },
        {
          signal: this.signal,
          aborted: () => new Aborted(),
          retryable: cqlRetryable,
          backoff: cqlBackoff,
          onRetry: (reason, attempt) => {
            this.retries += 1;
            this.options.onRetry?.(reason, attempt);
          },
        },
      );
    } catch (error) {
      if (this.signal.aborted || error instanceof Aborted) throw new Aborted();
      if (error instanceof RecordRejectedError) return error.message;
      return classifyCqlError(error).reason;
    }
    await this.removeExtraListCopies(sent);
    return undefined;
  }

  /**
   * Once the statements have landed, the lists they wrote are cleared of a racing writer's copies.
   * Retried on its own, never by writing again: a second write would find its list landed and
   * leave it out, and with it this check.
   */
  private async removeExtraListCopies(writes: readonly CellWrite[]): Promise<void> {
    const reader = this.options.lists;
    if (!reader) return;
    await Promise.all(
      writes
        .flatMap((w) => w.lists ?? [])
        .map((list) =>
          retryTransient(
            () => reader.removeExtraCopies(list),
            this.signal,
            (reason, attempt) => {
              this.retries += 1;
              this.options.onRetry?.(reason, attempt);
            },
            () => new Aborted(),
          ),
        ),
    );
  }

  private acquire(): Promise<void> {
    if (this.requests < this.options.maxRequests) {
      this.requests += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.requests -= 1;
  }

  private sleep(ms: number): Promise<void> {
    return abortableDelay(ms, this.signal, () => new Aborted());
  }

}
