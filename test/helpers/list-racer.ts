/**
 * A child process for the cross-process list tests: writes one list record to many rows at one
 * timestamp through a real writer, starting at an agreed instant so that a sibling process doing
 * the same races it row by row. Run with `node --import tsx list-racer.ts '<json>'`; prints
 * `{"rows":N}` when done.
 *
 * writer "sink": CqlDestination, as `tandem sink` and dead-letter replay write.
 * writer "backfill": the target's list write times read first, then cellWrites sent by a
 * CellWriter, as `tandem backfill` and `tandem validate --repair` write.
 */
import { pathToFileURL } from 'node:url';
import type cassandra from 'cassandra-driver';
import type { ClusterConfig } from '../../src/config/index.js';
import { createCqlClient, readTableSchema, type TableSchema } from '../../src/cql/index.js';
import { CellWriter, cellWrites, listKeyColumns, type ListWrite, ListWriteTimesReader, nonFrozenLists, type SourceRow } from '../../src/cells/index.js';
import { CqlDestination } from '../../src/sink/index.js';

export interface RacerArgs {
  readonly cluster: ClusterConfig;
  readonly keyspace: string;
  readonly table: string;
  readonly writer: 'sink' | 'backfill';
  readonly rows: number;
  /** Rows written at once. */
  readonly concurrency: number;
  /** Both racers start at this instant (ms since the epoch). */
  readonly startAtMs: number;
  /** As a decimal string: JSON has no bigint. */
  readonly timestampUs: string;
  readonly list: readonly number[];
  readonly staticList: readonly string[];
}

/** Rows are `pk = 'p<i / 2>'`, `ck = i % 2`: two rows share each partition and its static list. */
export function racedRowKey(i: number): { pk: string; ck: number } {
  return { pk: `p${Math.floor(i / 2)}`, ck: i % 2 };
}

async function main(args: RacerArgs): Promise<void> {
  const client = createCqlClient(args.cluster);
  const table = (await readTableSchema(client, args.keyspace, args.table))!;
  const write = args.writer === 'sink' ? sinkWriter(client, table) : backfillWriter(client, table);
  const timestampUs = BigInt(args.timestampUs);
  await new Promise((r) => setTimeout(r, Math.max(0, args.startAtMs - Date.now())));
  let next = 0;
  await Promise.all(
    Array.from({ length: args.concurrency }, async () => {
      while (next < args.rows) {
        const { pk, ck } = racedRowKey(next++);
        await write(new Map<string, unknown>([['pk', pk], ['ck', ck], ['l', [...args.list]], ['sl', [...args.staticList]], ['note', 'raced']]), timestampUs);
      }
    }),
  );
  await client.shutdown();
  process.stdout.write(`${JSON.stringify({ rows: args.rows })}\n`);
}

/** Shown in the test's failure message: why copies were left. */
const reportKept = (write: ListWrite, reason: string) => process.stderr.write(`kept extra copies of ${write.column.name} at ${write.keyValues.join('/')}: ${reason}\n`);

type RowWriter = (values: ReadonlyMap<string, unknown>, timestampUs: bigint) => Promise<void>;

function sinkWriter(client: cassandra.Client, table: TableSchema): RowWriter {
  const destination = new CqlDestination('target', client, 'cassandra', undefined, reportKept);
  return (values, timestampUs) => destination.write(table, { kind: 'upsert', values, timestampUs, ttlSeconds: undefined, estimatedBytes: 100 });
}

function backfillWriter(client: cassandra.Client, table: TableSchema): RowWriter {
  const lists = new ListWriteTimesReader(client, undefined, reportKept);
  const writer = new CellWriter(client, { maxRequests: 64, lists }, new AbortController().signal);
  const listColumns = nonFrozenLists(table);
  return async (values, timestampUs) => {
    const row: SourceRow = {
      values,
      writetimes: new Map(table.columns.filter((c) => c.kind === 'regular' || c.kind === 'static').map((c) => [c.name, c.type.kind === 'list' ? (values.get(c.name) as unknown[]).map(() => timestampUs) : timestampUs])),
      ttls: new Map(),
    };
    const targetListWriteTimes = await lists.read(table, listColumns, listKeyColumns(table, listColumns).map((c) => values.get(c.name)));
    const refused = await writer.writeGroup(1, (nowMs) => [
      { key: () => String(values.get('pk')), writes: cellWrites(table, row, { readAtMs: nowMs, nowMs, includeStatic: true, keyOnlyRowTimestampUs: 0n, targetListWriteTimes }) },
    ]);
    if (refused.length > 0) throw new Error(`refused: ${refused[0]!.reason}`);
  };
}

// Imported by the test for its types and row keys; run only as the child.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main(JSON.parse(process.argv[2]!) as RacerArgs);
