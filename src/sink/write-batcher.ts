import { classifyCqlError, deletionDataSize, keyIdentity, mutationDataSize, type TableSchema } from '../cql/index.js';
import type { RowOperation } from '../records/index.js';

/** Where batched writes go: one row, or several in one unlogged batch. */
export interface BatchTarget {
  write(table: TableSchema, op: RowOperation): Promise<void>;
  writeBatch(table: TableSchema, ops: readonly RowOperation[]): Promise<void>;
  /**
   * Whether rows of different partitions may share a batch. True only where no coordinator has to
   * forward them: a one-node cluster, or a service without token owners (Amazon Keyspaces).
   */
  batchesAcrossPartitions(): boolean;
}

/** Whether batches may mix partitions: the `batchAcrossPartitions` setting, then what the target allows. */
export function mayBatchAcrossPartitions(setting: 'auto' | 'never', target: BatchTarget): boolean {
  return setting === 'auto' && target.batchesAcrossPartitions();
}

export interface WriteBatcherOptions {
  /** Requests (single writes or batches) sent and not yet answered. */
  readonly maxRequests: number;
  readonly maxRows: number;
  /**
   * Bytes per batch as Cassandra counts them (mutation-size.ts): past `batch_size_warn_threshold`
   * (5 KiB) the server logs a warning for every batch, past `batch_size_fail_threshold` (50 KiB) it refuses it.
   */
  readonly maxBytes: number;
  /** Rows of different partitions may share a batch (see `mayBatchAcrossPartitions`); else a batch holds one partition. */
  readonly acrossPartitions: boolean;
  /**
   * How long a row may wait for others to share its request while a request slot is free; 0 sends
   * it at once. A few milliseconds turn a steady stream of single writes into small batches,
   * which costs the server far less per row, so it answers sooner.
   */
  readonly lingerMs?: number;
  /** Told of each batch sent (not of single writes). */
  readonly onBatch?: (rows: number) => void;
}

interface Pending {
  readonly table: TableSchema;
  readonly op: RowOperation;
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Natural batching: while fewer than `maxRequests` requests are out, each row goes at once on its
 * own, so a quiet stream gets single-write latency. When the server is the bottleneck rows wait,
 * and each answer that frees a slot sends the oldest group's waiting rows as one unlogged batch,
 * so a busy stream pays the server's per-request cost once per batch instead of once per row.
 * A batch the server refuses as invalid is re-sent row by row, so one bad row cannot fail the
 * others; a batch that timed out fails each row, and the caller retries each.
 *
 * @example
 *   const batcher = new WriteBatcher(destination, { maxRequests: 64, maxRows: 20, maxBytes: 5_120, acrossPartitions: mayBatchAcrossPartitions('auto', destination) });
 *   await batcher.submit(table, op); // resolves when the row is written
 */
export class WriteBatcher {
  private requests = 0;
  private waiting = 0;
  /** Rows waiting, by group; a Map iterates in insertion order, so the oldest group comes first. */
  private readonly groups = new Map<string, Pending[]>();

  constructor(
    private readonly target: BatchTarget,
    private readonly options: WriteBatcherOptions,
  ) {}

  get maxRequests(): number {
    return this.options.maxRequests;
  }

  /** Requests out now: singles and batches. */
  get inFlight(): number {
    return this.requests;
  }

  submit(table: TableSchema, op: RowOperation): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const bytes = op.kind === 'upsert' ? mutationDataSize(table, op.values, (op.ttlSeconds ?? 0) > 0) : deletionDataSize(table, op.key);
      const pending: Pending = { table, op, bytes, resolve, reject };
      const lingerMs = this.options.lingerMs ?? 0;
      const slotFree = this.requests < this.options.maxRequests;
      if (slotFree && this.waiting === 0 && lingerMs <= 0) {
        this.send([pending]);
        return;
      }
      const key = this.groupOf(table, op);
      let group = this.groups.get(key);
      if (group) group.push(pending);
      else this.groups.set(key, (group = [pending]));
      this.waiting += 1;
      // With every slot taken, the next answer sends what waits; else a full batch goes at once and the rest after the linger.
      if (!slotFree) return;
      if (group.length >= this.options.maxRows) this.pump();
      else this.lingerTimer ??= setTimeout(this.endLinger, lingerMs);
    });
  }

  private lingerTimer: NodeJS.Timeout | undefined;

  private readonly endLinger = () => {
    this.lingerTimer = undefined;
    this.pump();
  };

  private groupOf(table: TableSchema, op: RowOperation): string {
    const name = `${table.keyspace}.${table.table}`;
    if (this.options.acrossPartitions) return name;
    const key = op.kind === 'upsert' ? op.values : op.key;
    return `${name}\u0000${keyIdentity(table.partitionKey, key)}`;
  }

  private pump(): void {
    while (this.requests < this.options.maxRequests && this.waiting > 0) {
      const [key, group] = this.groups.entries().next().value as [string, Pending[]];
      let rows = 0;
      let bytes = 0;
      while (rows < group.length && rows < this.options.maxRows && (rows === 0 || bytes + group[rows]!.bytes <= this.options.maxBytes)) {
        bytes += group[rows]!.bytes;
        rows += 1;
      }
      const taken = group.splice(0, rows);
      this.groups.delete(key);
      // What is left of the group goes to the back, so one busy partition cannot starve the others.
      if (group.length > 0) this.groups.set(key, group);
      this.waiting -= taken.length;
      this.send(taken);
    }
  }

  private send(items: Pending[]): void {
    this.requests += 1;
    const { table } = items[0]!;
    if (items.length > 1) this.options.onBatch?.(items.length);
    const request = items.length === 1 ? this.target.write(table, items[0]!.op) : this.target.writeBatch(table, items.map((i) => i.op));
    request
      .then(
        () => {
          for (const item of items) item.resolve();
        },
        (error: unknown) => {
          if (items.length === 1 || classifyCqlError(error).action === 'retry') {
            for (const item of items) item.reject(error);
            return;
          }
          // One row may be the bad one: each row alone gets its own verdict.
          for (const item of items) this.target.write(item.table, item.op).then(item.resolve, item.reject);
        },
      )
      .finally(() => {
        this.requests -= 1;
        this.pump();
      });
  }
}
