/** One scanned row ready to be written, with what batching needs to know about it. */
export interface GroupableRow<Row> {
  readonly row: Row;
  /** Equal for rows of one partition (see partitionIdentity). */
  readonly partition: string;
  /** Its size in a batch as Cassandra counts it (src/cql/mutation-size.ts). */
  readonly bytes: number;
}

export interface RowGroupLimits {
  /** Rows per group; each row is usually one statement (Keyspaces takes at most 30 per batch). */
  readonly maxRows: number;
  /** Bytes per group as Cassandra counts a batch: it warns past 5 KiB and refuses past 50 KiB by default. */
  readonly maxBytes: number;
  /** Whether rows of different partitions may share a group (a one-node cluster or Keyspaces). */
  readonly acrossPartitions: boolean;
}

/**
 * Cuts rows, in scan order, into groups each sent as one unlogged batch. A scan returns a
 * partition's rows together, so grouping consecutive rows is all the batching a backfill needs. A
 * group never mixes partitions unless allowed, never exceeds the limits, and a row too big for a
 * group travels alone.
 *
 * @example
 *   groupRows(rows, { maxRows: 30, maxBytes: 5_120, acrossPartitions: false })
 *   // [[a1, a2, a3], [b1], [c1, c2]] for partitions a, b and c
 */
export function groupRows<Row>(rows: readonly GroupableRow<Row>[], limits: RowGroupLimits): GroupableRow<Row>[][] {
  const groups: GroupableRow<Row>[][] = [];
  let current: GroupableRow<Row>[] = [];
  let bytes = 0;
  for (const row of rows) {
    const fits =
      current.length > 0 &&
      current.length < limits.maxRows &&
      bytes + row.bytes <= limits.maxBytes &&
      (limits.acrossPartitions || current[0]!.partition === row.partition);
    if (!fits && current.length > 0) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += row.bytes;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
