/**
 * Backfill and validation jobs as status sees them, folded from their progress logs in Kafka
 * (`tandem-backfill.<job>.progress`, `tandem-validate.<job>.progress`): a plan, one `done` record
 * per range, and for validation a `result` once finished. Pure: records in, a summary out, so the
 * same fold serves the CLI, the dashboard and tests. Fields it does not know are ignored, and a
 * record it cannot read is skipped: status must never fail on a log another version wrote.
 */

/** Cells of a job's range strip: at most this many, each covering an equal share of the ranges. */
export const maxRangeCells = 200;

export interface BackfillJobStatus {
  readonly job: string;
  readonly table: string;
  readonly planId: string;
  readonly plannedAtMs: number;
  readonly rangesTotal: number;
  readonly rangesDone: number;
  /** The ranges in plan order as at most `maxRangeCells` cells, each the share of its ranges done (0 to 1). */
  readonly cells: readonly number[];
  readonly rowsRead: number;
  readonly rowsWritten: number;
  readonly rowsRejected: number;
  readonly complete: boolean;
  /** Kafka time of the `done` record that completed the plan. */
  readonly completedAtMs?: number;
}

export interface ValidationDifferences {
  readonly missing: number;
  readonly extra: number;
  readonly mismatched: number;
  readonly writetime: number;
}

/** The last record of a finished validation job. */
export interface ValidationResult {
  readonly finishedAtMs: number;
  readonly clean: boolean;
  readonly rowsCompared: number;
  readonly differences: ValidationDifferences;
  /** Differences left after repair (all of them without --repair). */
  readonly remaining: number;
  /** Rows not judged because the sinks were behind (absent: none). */
  readonly unsettled?: number;
}

export interface ValidationJobStatus {
  readonly job: string;
  readonly table: string;
  readonly planId?: string;
  readonly plannedAtMs?: number;
  readonly compare?: string;
  /** Percent of the ring's ranges the plan compares, when it sampled them (`--sample`); absent: every range. */
  readonly samplePercent?: number;
  readonly rangesTotal: number;
  readonly rangesDone: number;
  readonly cells: readonly number[];
  readonly rowsCompared: number;
  /** Summed over the ranges compared so far. */
  readonly differences: ValidationDifferences;
  readonly result?: ValidationResult;
}

/** Splits `total` ranges into at most `maxRangeCells` cells and gives each the share of its ranges done. */
export function rangeCells(done: ReadonlySet<number>, total: number, maxCells = maxRangeCells): number[] {
  const count = Math.min(total, maxCells);
  const cells: number[] = [];
  for (let c = 0; c < count; c++) {
    const from = Math.floor((c * total) / count);
    const to = Math.floor(((c + 1) * total) / count);
    let doneHere = 0;
    for (let i = from; i < to; i++) if (done.has(i)) doneHere += 1;
    cells.push(Math.round((doneHere / (to - from)) * 100) / 100);
  }
  return cells;
}

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function parse(value: string | null | undefined): Record<string, unknown> | undefined {
  if (!value) return undefined;
  try {
    const record: unknown = JSON.parse(value);
    return record && typeof record === 'object' && !Array.isArray(record) ? (record as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Differences left, as one number or counted per kind. */
function remainingOf(value: unknown): number {
  if (value && typeof value === 'object') return Object.values(value).reduce((sum: number, n) => sum + count(n), 0);
  return count(value);
}

function differencesOf(value: unknown): ValidationDifferences {
  const d = value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  return { missing: count(d.missing), extra: count(d.extra), mismatched: count(d.mismatched), writetime: count(d.writetime) };
}

function addDifferences(a: ValidationDifferences, b: ValidationDifferences): ValidationDifferences {
  return { missing: a.missing + b.missing, extra: a.extra + b.extra, mismatched: a.mismatched + b.mismatched, writetime: a.writetime + b.writetime };
}

const noDifferences: ValidationDifferences = { missing: 0, extra: 0, mismatched: 0, writetime: 0 };

interface Plan {
  readonly planId: string;
  readonly table: string;
  readonly plannedAtMs: number;
  readonly rangesTotal: number;
  readonly compare: string | undefined;
  readonly samplePercent: number | undefined;
}

/** The first plan of a log wins: a planner that lost the race to be first wrote a plan nobody works on. */
function planOf(record: Record<string, unknown>, timestampMs: number): Plan | undefined {
  const planId = text(record.planId);
  const table = text(record.table);
  if (!planId || !table || !Array.isArray(record.ranges)) return undefined;
  return {
    planId,
    table,
    plannedAtMs: typeof record.plannedAtMs === 'number' ? record.plannedAtMs : timestampMs,
    rangesTotal: record.ranges.length,
    compare: text(record.compare),
    samplePercent: typeof record.samplePercent === 'number' && record.samplePercent < 100 ? record.samplePercent : undefined,
  };
}

/** Done records of the plan, each range counted once. */
class RangeTally {
  readonly done = new Set<number>();

  /** Whether the record newly marks a range of the plan done. */
  add(plan: Plan | undefined, record: Record<string, unknown>): boolean {
    const index = record.index;
    if (!plan || record.planId !== plan.planId || typeof index !== 'number' || !Number.isInteger(index)) return false;
    if (index < 0 || index >= plan.rangesTotal || this.done.has(index)) return false;
    this.done.add(index);
    return true;
  }

  cells(plan: Plan): number[] {
    return rangeCells(this.done, plan.rangesTotal);
  }
}

/** Folds one backfill job's progress log, record by record, in log order. */
export class BackfillProgressFold {
  private plan: Plan | undefined;
  private readonly ranges = new RangeTally();
  private rowsRead = 0;
  private rowsWritten = 0;
  private rowsRejected = 0;
  private completedAtMs: number | undefined;

  constructor(readonly job: string) {}

  /** One record's value and its Kafka time (ms). */
  apply(value: string | null | undefined, timestampMs: number): void {
    const record = parse(value);
    if (record?.type === 'plan') this.plan ??= planOf(record, timestampMs);
    else if (record?.type === 'done' && this.ranges.add(this.plan, record)) {
      this.rowsRead += count(record.rowsRead);
      this.rowsWritten += count(record.rowsWritten);
      this.rowsRejected += count(record.rowsRejected);
      if (this.plan && this.ranges.done.size === this.plan.rangesTotal) this.completedAtMs = timestampMs;
    }
  }

  /** Undefined until the log holds a plan. */
  status(): BackfillJobStatus | undefined {
    const plan = this.plan;
    if (!plan) return undefined;
    return {
      job: this.job,
      table: plan.table,
      planId: plan.planId,
      plannedAtMs: plan.plannedAtMs,
      rangesTotal: plan.rangesTotal,
      rangesDone: this.ranges.done.size,
      cells: this.ranges.cells(plan),
      rowsRead: this.rowsRead,
      rowsWritten: this.rowsWritten,
      rowsRejected: this.rowsRejected,
      complete: this.ranges.done.size === plan.rangesTotal,
      ...(this.completedAtMs === undefined ? {} : { completedAtMs: this.completedAtMs }),
    };
  }
}

/** Folds one validation job's progress log: plan, done ranges, and the result once it finished. */
export class ValidationProgressFold {
  private plan: Plan | undefined;
  private readonly ranges = new RangeTally();
  private rowsCompared = 0;
  private differences = noDifferences;
  private result: (ValidationResult & { table: string }) | undefined;

  constructor(readonly job: string) {}

  apply(value: string | null | undefined, timestampMs: number): void {
    const record = parse(value);
    if (record?.type === 'plan') this.plan ??= planOf(record, timestampMs);
    else if (record?.type === 'done' && this.ranges.add(this.plan, record)) {
      this.rowsCompared += count(record.rowsCompared);
      this.differences = addDifferences(this.differences, differencesOf(record.differences));
    } else if (record?.type === 'result' && typeof record.clean === 'boolean') {
      // A result of another plan than the first one is a planner that lost the race; without a plan, take it as it is.
      if (this.plan && record.planId !== undefined && record.planId !== this.plan.planId) return;
      this.result = {
        table: text(record.table) ?? this.plan?.table ?? '',
        finishedAtMs: typeof record.finishedAtMs === 'number' ? record.finishedAtMs : timestampMs,
        clean: record.clean,
        rowsCompared: count(record.rowsCompared),
        differences: differencesOf(record.differences),
        remaining: remainingOf(record.remaining),
        ...(count(record.unsettled) > 0 ? { unsettled: count(record.unsettled) } : {}),
      };
    }
  }

  /** Undefined until the log holds a plan or a result. */
  status(): ValidationJobStatus | undefined {
    const plan = this.plan;
    if (!plan && !this.result) return undefined;
    const { table, ...result } = this.result ?? { table: '' };
    return {
      job: this.job,
      table: plan?.table ?? table,
      ...(plan ? { planId: plan.planId, plannedAtMs: plan.plannedAtMs } : {}),
      ...(plan?.compare ? { compare: plan.compare } : {}),
      ...(plan?.samplePercent !== undefined ? { samplePercent: plan.samplePercent } : {}),
      rangesTotal: plan?.rangesTotal ?? 0,
      rangesDone: this.ranges.done.size,
      cells: plan ? this.ranges.cells(plan) : [],
      rowsCompared: this.rowsCompared,
      differences: this.differences,
      ...(this.result ? { result: result as ValidationResult } : {}),
    };
  }
}
