import { createCqlClient, rangeReadOptions, readRingTokens, scanConsistency, TokenRangePlanner } from '../src/cql/index.js';
import type { ClusterConfig } from '../src/config/index.js';
import { Retrier, sendConcurrently } from './bench-stack.js';

/** Rows of the reference table for the benches: `perPartition` rows per user, every 10th with a day's TTL, write times 10 days old. */
export class ReferenceRows {
  private readonly baseUs = BigInt(Date.now() - 10 * 24 * 3600 * 1000) * 1000n;

  constructor(
    readonly keyspace: string,
    readonly total: number,
    readonly perPartition: number,
  ) {}

  params(i: number): unknown[] {
    return [
      `user${Math.floor(i / this.perPartition)}`,
      new Date(1_683_720_000_000 + i),
      `Activity ${i}: clicked on the 'Learn More' button of product page ${i % 977} from the campaign banner`,
      ['click', 'view', 'purchase'][i % 3],
      this.baseUs + BigInt(i),
      i % 10 === 0 ? 86_400 : 0,
    ];
  }

  insertCql(table = 'user_activity'): string {
    return `INSERT INTO ${this.keyspace}.${table} (user_id, activity_time, activity_details, activity_type) VALUES (?, ?, ?, ?) USING TIMESTAMP ? AND TTL ?`;
  }

  /** Writes every row into `cluster`'s user_activity with the driver, retrying timeouts (a busy ring has some). */
  async seed(cluster: ClusterConfig): Promise<void> {
    const client = createCqlClient(cluster);
    const cql = this.insertCql();
    try {
      for (let start = 0; start < this.total; start += 100_000) {
        const params = Array.from({ length: Math.min(100_000, this.total - start) }, (_, i) => this.params(start + i));
        await sendConcurrently(params, 512, (values) => client.execute(cql, values, { prepare: true }));
      }
    } finally {
      await client.shutdown();
    }
  }
}

/**
 * Reads a whole user_activity table with the driver: 64 token ranges or more (none crossing a node
 * token), 4 at a time, each sent to a replica of its range at the cluster's readConsistency (as
 * `tandem backfill` and `validate` read), a page that times out read again, no WRITETIME/TTL.
 * Returns the rows read. On one node this is 64 ranges, whoever coordinates.
 */
export async function scanWithDriver(cluster: ClusterConfig, keyspace: string): Promise<number> {
  const client = createCqlClient(cluster);
  try {
    const planner = new TokenRangePlanner('Murmur3Partitioner');
    const ranges = planner.plan(await readRingTokens(client), 64);
    const consistency = scanConsistency(cluster);
    const retrier = new Retrier(4);
    let rows = 0;
    let next = 0;
    const scanOne = async () => {
      while (next < ranges.length) {
        const range = ranges[next++]!;
        const where = planner.where(['user_id'], range);
        const cql = `SELECT user_id, activity_time, activity_details, activity_type FROM ${keyspace}.user_activity WHERE ${where.cql}`;
        const options = { ...rangeReadOptions(client, keyspace, range, consistency), fetchSize: 2000 };
        let pageState: string | undefined;
        do {
          const pageOptions = { ...options, ...(pageState ? { pageState } : {}) };
          const page = await retrier.run(() => client.execute(cql, where.params, pageOptions));
          rows += page.rowLength;
          pageState = page.pageState ?? undefined;
        } while (pageState);
      }
    };
    await Promise.all([scanOne(), scanOne(), scanOne(), scanOne()]);
    return rows;
  } finally {
    await client.shutdown();
  }
}
