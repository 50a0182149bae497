import type cassandra from 'cassandra-driver';
import type { Logger } from 'pino';
import {
  CellWriter,
  keyspacesTimestampFloorUs,
  ListWriteTimesReader,
  TargetCellReader,
  warnExtraListCopiesKept,
  warnListGuardUnavailable,
} from '../cells/index.js';
import type { TandemConfig } from '../config/index.js';
import { rangeReadOptions, scanConsistency, type TableSchema, type TokenRange, type TokenRangePlanner } from '../cql/index.js';
import { RecordRejectedError } from '../errors.js';
import { abortableDelay } from '../abortable-delay.js';
import type { DoneFields, RangeSlot } from '../jobs/index.js';
import { settled, type Settlement, type SinkProgressWatch } from './sink-progress.js';
import { sourceWinsWrites } from './source-wins.js';
import { formatCqlValue, formatPrimaryKey } from './format-primary-key.js';
import { mergeCompare, type RowDifference } from './merge-compare.js';
import { type CompareMode, diffColumns, diffRow } from './row-diff.js';
import { readRow, readSourceCells, type RowReaderOptions, scanRange } from './row-reader.js';
import { type DifferenceExample, noDifferences, type RangeComparison, type ValidationPlan } from './validation-records.js';
import { deleteExtraRow, isStaticKey, repairRow } from './row-repair.js';
import type { SourceWinsExample } from './validation-report.js';

export interface RangeComparerContext {
  readonly source: cassandra.Client;
  readonly target: cassandra.Client;
  readonly table: TableSchema;
  readonly planner: TokenRangePlanner;
  readonly plan: ValidationPlan;
  readonly watch: SinkProgressWatch | undefined;
  readonly config: TandemConfig;
  readonly pageSize: number;
  readonly maxExamples: number;
  readonly recheckDelayMs?: number;
  readonly log: Logger;
}

/** Compares (and repairs) one range at a time; what it finds in a range becomes that range's done record. */
export class RangeComparer {
  private readonly staticColumns: TableSchema['columns'];
  private readonly withWritetime: boolean;
  private readonly targetLists: ListWriteTimesReader;
  private readonly targetCells: TargetCellReader;

  constructor(private readonly context: RangeComparerContext) {
    this.staticColumns = context.table.columns.filter((c) => c.kind === 'static');
    this.withWritetime = context.plan.compare === 'values+writetime';
    this.targetLists = new ListWriteTimesReader(context.target, warnListGuardUnavailable(context.log, 'target'), warnExtraListCopiesKept(context.log, 'target'));
    this.targetCells = new TargetCellReader(context.target);
  }

  /**
   * Writes the source's version of a row over a target that holds something newer (source-wins.ts),
   * once the sinks have written everything Kafka holds now: its timestamp may lie above now, and a
   * dual write stamped earlier but still on its way would then lose to it on the target.
   */
  private async sourceWins(writer: CellWriter, key: ReadonlyMap<string, unknown>, readerOptions: RowReaderOptions): Promise<{ timestampUs: bigint } | { refused: string }> {
    const { source, target, table, watch } = this.context;
    const settlement = watch ? await watch.applied(Date.now()) : settled;
    if (!settlement.settled) return { refused: `source-wins waits for the sinks, which are behind: ${settlement.reason}` };
    const [read, targetRow] = await Promise.all([readSourceCells(source, table, key, readerOptions), readRow(target, table, key, true, readerOptions)]);
    const staticOnly = isStaticKey(table, key);
    if (!read && !targetRow) return { refused: 'the row is gone from both sides' };
    const planned = sourceWinsWrites({ table, source: read, target: targetRow, staticOnly, nowMs: Date.now() });
    const name = formatPrimaryKey(table, key);
    try {
      // Built once: every retry must carry the same timestamp, and the TTLs lose at most the retries' seconds.
      const refused = await writer.writeGroup(1, () => [{ key: () => name, writes: planned.writes }]);
      return refused[0] ? { refused: `the target refused the source's version: ${refused[0].reason}` } : { timestampUs: planned.timestampUs };
    } catch (error) {
      if (error instanceof RecordRejectedError) return { refused: error.message };
      throw error;
    }
  }

  /** The Keyspaces floor rises with the clock; asked for at each comparison and repair. */
  private floor(): { minTimestampUs?: bigint } {
    return this.context.config.target.profile === 'keyspaces' ? { minTimestampUs: keyspacesTimestampFloorUs(Date.now()) } : {};
  }

  async compare(range: TokenRange, signal: AbortSignal, slot?: RangeSlot): Promise<DoneFields<RangeComparison>> {
    const { source, target, table, planner, plan, watch, log } = this.context;
    const readerOptions: RowReaderOptions = {
      pageSize: this.context.pageSize,
      signal,
      slot,
      onRetry: (reason, attempt) => {
        if (attempt % 20 === 0) log.warn({ attempt, error: reason }, 'read failed; retrying');
      },
    };
    const writer = plan.repair || plan.sourceWins ? new CellWriter(target, { maxRequests: 32, lists: this.targetLists }, signal) : undefined;
    const outcome = {
      sourceRows: 0,
      targetRows: 0,
      matched: 0,
      changed: 0,
      differences: noDifferences(),
      unsettled: 0,
      unsettledExamples: [] as DifferenceExample[],
      repairAttempted: 0,
      fixed: noDifferences(),
      examples: [] as DifferenceExample[],
      notFixed: [] as DifferenceExample[],
      sourceWins: [] as SourceWinsExample[],
      sourceWon: 0,
    };
    // A range's examples travel in its done record, a Kafka message: capped (values are shortened too); all are counted.
    const maxExamples = Math.min(this.context.maxExamples, 200);

    const handle = async (found: RowDifference, settlement: Settlement) => {
      const now = await this.recheck(found.key, readerOptions);
      if (!now) {
        outcome.changed += 1;
        return;
      }
      if (!settlement.settled) {
        // A sink may still be writing this very row: judging it now could delete or overwrite what it writes next.
        outcome.unsettled += 1;
        if (outcome.unsettledExamples.length < maxExamples) outcome.unsettledExamples.push({ ...describe(table, now), reason: settlement.reason });
        return;
      }
      outcome.differences[now.kind] += 1;
      if (outcome.examples.length < maxExamples) outcome.examples.push(describe(table, now));
      if (now.kind === 'extra' ? !plan.repairExtra : !plan.repair) return;
      outcome.repairAttempted += 1;
      let refusal =
        now.kind === 'extra' ? await deleteExtraRow(target, table, now.key, readerOptions) : await repairRow(
              {
                source,
                writer: writer!,
                targetLists: this.targetLists,
                targetCells: this.targetCells,
                table,
                readerOptions,
                floor: () => this.floor(),
                dualWritesSinceMs: plan.dualWritesSinceMs ?? undefined,
              },
              now.key,
            );
      let after = refusal ? now : await this.recheck(now.key, readerOptions);
      if (after && !refusal) {
        refusal = {
          reason:
            now.kind === 'extra'
              ? 'the target row holds a write newer than its cells (a row marker or a newer write); the delete never hides a newer write'
              : 'the target holds a newer value or delete, which repair never overwrites (--source-wins does)',
          newerOnTarget: true,
        };
      }
      if (after && refusal?.newerOnTarget && plan.sourceWins) {
        const won = await this.sourceWins(writer!, now.key, readerOptions);
        if ('refused' in won) {
          refusal = { reason: won.refused, newerOnTarget: true };
        } else {
          // The target's write times are now above the source's on purpose: only values can match.
          after = await this.recheck(now.key, readerOptions, 'values');
          if (!after) {
            outcome.sourceWon += 1;
            if (outcome.sourceWins.length < maxExamples) outcome.sourceWins.push({ kind: now.kind, key: formatPrimaryKey(table, now.key), timestampUs: String(won.timestampUs) });
          }
        }
      }
      if (!after) outcome.fixed[now.kind] += 1;
      else if (outcome.notFixed.length < maxExamples) outcome.notFixed.push({ ...describe(table, after), reason: refusal?.reason ?? 'still different after repair' });
    };

    const where = planner.where(
      table.partitionKey.map((c) => c.name),
      range,
    );
    const { config } = this.context;
    const scan = (client: cassandra.Client, consistency: number) =>
      scanRange(client, table, where, this.withWritetime, { ...readerOptions, query: rangeReadOptions(client, table.keyspace, range, consistency) });
    const differences = mergeCompare(table, scan(source, scanConsistency(config.source)), scan(target, scanConsistency(config.target)), {
      compare: plan.compare,
      signal,
      ...this.floor(),
    });
    // Each difference is read again once the sinks have written what Kafka held when it was seen
    // (or, with no sink configured for the table, a moment later), so a row one sink has written
    // and the other not yet is not reported; rechecks run beside the scan.
    const pending: Promise<void>[] = [];
    for (;;) {
      const step = await differences.next();
      if (step.done) {
        outcome.sourceRows = step.value.sourceRows;
        outcome.targetRows = step.value.targetRows;
        outcome.matched = step.value.matched;
        break;
      }
      const found = step.value;
      const seenAtMs = Date.now();
      const settlement = watch ? watch.applied(seenAtMs) : abortableDelay(this.context.recheckDelayMs ?? 1_000, signal).then(() => settled);
      const later = settlement.then((s) => handle(found, s));
      // Awaited below; marked handled now so a failure while others wait is not an unhandled rejection.
      later.catch(() => undefined);
      pending.push(later);
      if (pending.length >= 64) await pending.shift();
    }
    await Promise.all(pending);
    return outcome;
  }

  /**
   * The difference as it stands now, or undefined when the two sides agree. A key of the
   * partition key alone stands for the partition's static cells, so only those are compared.
   */
  private async recheck(key: ReadonlyMap<string, unknown>, readerOptions: RowReaderOptions, compare: CompareMode = this.context.plan.compare): Promise<Omit<RowDifference, 'token'> | undefined> {
    const { source, target, table } = this.context;
    const withWritetime = compare === 'values+writetime';
    const [s, t] = await Promise.all([readRow(source, table, key, withWritetime, readerOptions), readRow(target, table, key, withWritetime, readerOptions)]);
    if (!s && !t) return undefined;
    if (!t) return { kind: 'missing', key, columns: [] };
    if (!s) return { kind: 'extra', key, columns: [] };
    const settings = { compare, ...this.floor() };
    const columns = isStaticKey(table, key) ? diffColumns(this.staticColumns, s, t, settings) : diffRow(table, s, t, { ...settings, includeStatic: true });
    return columns.length === 0 ? undefined : { kind: 'mismatched', key, columns };
  }
}

function describe(table: TableSchema, difference: Omit<RowDifference, 'token'>): DifferenceExample {
  return {
    kind: difference.kind,
    key: formatPrimaryKey(table, difference.key),
    columns: difference.columns.map((c) => {
      const format = c.kind === 'ttl' ? formatExpiry : formatCqlValue;
      return { column: c.column, kind: c.kind, source: shorten(format(c.source)), target: shorten(format(c.target)) };
    }),
  };
}

/** An expiry second (or one per element) as an instant; null: never expires. */
function formatExpiry(expiry: unknown): string {
  if (Array.isArray(expiry)) return `[${expiry.map(formatExpiry).join(', ')}]`;
  return typeof expiry === 'number' ? new Date(expiry * 1000).toISOString() : 'never';
}

/** Reports (and the done records in Kafka that carry them) show the start of a long value, and its length. */
function shorten(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}
