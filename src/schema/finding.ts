/** How much a finding stands in the way: a blocker must be resolved, a change is made for you, a note is to know. */
export const severities = ['blocker', 'change', 'note'] as const;
export type Severity = (typeof severities)[number];

export const findingRules = [
  'replication',
  'durable-writes',
  'keyspace-name',
  'table-name',
  'unreadable-table',
  'materialized-view',
  'secondary-index',
  'trigger',
  'user-defined-function',
  'user-defined-aggregate',
  'counter-table',
  'unsupported-type',
  'frozen-nesting',
  'table-options',
  'static-columns',
  'default-ttl',
  'ttl-in-data',
  'column-count',
  'row-size',
  'partition-key-size',
  'clustering-key-size',
  'static-size',
  'sample-failed',
  'client-side-timestamps',
  'timestamp-window',
  'table-quota',
] as const;
export type FindingRule = (typeof findingRules)[number];

export interface Finding {
  readonly severity: Severity;
  readonly rule: FindingRule;
  /** The keyspace the object is in; absent for findings about the whole migration. */
  readonly keyspace?: string;
  /** What it is about: `table shop.orders`, `materialized view shop.orders_by_day`, `migration`. */
  readonly object: string;
  readonly message: string;
  readonly fix: string;
  /** The documentation the rule comes from. */
  readonly source?: string;
}

export interface FindingSummary {
  readonly blocker: number;
  readonly change: number;
  readonly note: number;
}

export function summarizeFindings(findings: readonly Finding[]): FindingSummary {
  const count = (severity: Severity) => findings.filter((f) => f.severity === severity).length;
  return { blocker: count('blocker'), change: count('change'), note: count('note') };
}
