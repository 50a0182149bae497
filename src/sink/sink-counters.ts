import type { DestinationName } from './cql-destination.js';

export const sinkStates = ['starting', 'running', 'retrying', 'stopped'] as const;
export type SinkState = (typeof sinkStates)[number];

export interface StuckPartition {
  readonly topic: string;
  readonly partition: number;
  /** The record that is not finished yet, holding the commit of every record after it. */
  readonly waitingOnOffset: string;
  /** Since when it has (ISO-8601). */
  readonly since: string;
  /** Records behind it written but not committable. */
  readonly held: number;
}

/** What one destination's sink has done; read by status output and the metrics registry. */
export class SinkCounters {
  written = 0;
  deleted = 0;
  retried = 0;
  deadLettered = 0;
  inFlight = 0;
  /** Unlogged batches sent, and the rows they carried; rows sent alone are not counted here. */
  batches = 0;
  batchedRows = 0;
  state: SinkState = 'starting';
  lastError: string | undefined;
  /** Committed offset (next to read) per `topic:partition`. */
  readonly committedOffsets = new Map<string, bigint>();
  /** Write time of the newest record written, in microseconds. */
  newestWriteUs = 0n;
  /**
   * Partitions paused because one unfinished record holds their commit while records behind it
   * pile up (`sink.maxUncommittedPerPartition`), by `topic:partition`.
   */
  readonly stuckPartitions = new Map<string, StuckPartition>();
  /** Told each written record's delay from entering Kafka to acknowledged, in milliseconds. */
  onDelay: ((ms: number) => void) | undefined;

  constructor(readonly destination: DestinationName) {}

  recordWritten(kind: 'upsert' | 'delete' | 'expire', timestampUs: bigint, kafkaTimestampMs: bigint): void {
    if (kind === 'delete') this.deleted += 1;
    else this.written += 1;
    if (timestampUs > this.newestWriteUs) this.newestWriteUs = timestampUs;
    this.onDelay?.(Date.now() - Number(kafkaTimestampMs));
    if (this.state === 'retrying') this.state = 'running';
  }

  batchSent(rows: number): void {
    this.batches += 1;
    this.batchedRows += rows;
  }

  retrying(reason: string): void {
    this.retried += 1;
    this.lastError = reason;
    this.state = 'retrying';
  }

  committed(offsets: readonly { topic: string; partition: number; offset: bigint }[]): void {
    for (const o of offsets) this.committedOffsets.set(`${o.topic}:${o.partition}`, o.offset);
  }

  snapshot() {
    return {
      destination: this.destination,
      state: this.state,
      written: this.written,
      deleted: this.deleted,
      retried: this.retried,
      deadLettered: this.deadLettered,
      inFlight: this.inFlight,
      batches: this.batches,
      batchedRows: this.batchedRows,
      ...(this.lastError && this.state === 'retrying' ? { lastError: this.lastError } : {}),
      ...(this.stuckPartitions.size > 0 ? { stuckPartitions: [...this.stuckPartitions.values()] } : {}),
    };
  }
}
