import cassandraDriver, { type Client } from 'cassandra-driver';

/** Twenty days ago, in µs: the write times of seeded history. */
export const baseUs = BigInt(Date.now() - 20 * 24 * 3600 * 1000) * 1000n;

/** Writes `count` reference rows straight to the source: varied write times, every 10th with a TTL, every 7th without details, every 13th with a newer activity_type. */
export async function seedReferenceRows(client: Client, keyspace: string, count: number): Promise<void> {
  const insert = `INSERT INTO ${keyspace}.user_activity (user_id, activity_time, activity_type, activity_details) VALUES (?, ?, ?, ?) USING TIMESTAMP ? AND TTL ?`;
  const update = `UPDATE ${keyspace}.user_activity USING TIMESTAMP ? SET activity_type = ? WHERE user_id = ? AND activity_time = ?`;
  const params: unknown[][] = [];
  for (let i = 0; i < count; i++) {
    params.push([`user${i % 5000}`, new Date(1_683_720_000_000 + i), i % 3 === 0 ? 'click' : 'view', i % 7 === 0 ? null : `details ${i}`, baseUs + BigInt(i) * 1000n, i % 10 === 0 ? 3600 + i : 0]);
  }
  await cassandraDriver.concurrent.executeConcurrent(client, insert, params, { concurrencyLevel: 256 });
  const updates = params.filter((_, i) => i % 13 === 0).map((p, i) => [baseUs + 5_000_000_000n + BigInt(i), 'purchase', p[0], p[1]]);
  await cassandraDriver.concurrent.executeConcurrent(client, update, updates, { concurrencyLevel: 256 });
}

export type Cells = Map<string, string>;

/** Every row with each cell's value, WRITETIME and expiry second (from TTL), keyed by primary key. */
export async function readCells(client: Client, keyspace: string): Promise<Cells> {
  const rows: Cells = new Map();
  const query = `SELECT user_id, activity_time, activity_type, activity_details, WRITETIME(activity_type) AS wt, WRITETIME(activity_details) AS wd, TTL(activity_type) AS tt, TTL(activity_details) AS td FROM ${keyspace}.user_activity`;
  let pageState: string | undefined;
  do {
    const page = await client.execute(query, [], { prepare: true, fetchSize: 5000, ...(pageState ? { pageState } : {}) });
    // TTL counts down while the table is read: compare the second each cell expires at instead,
    // from the time this page arrived (a stream's rows may be consumed seconds after their read).
    const nowSecond = Math.floor(Date.now() / 1000);
    const expiry = (ttl: unknown) => (ttl === null ? null : nowSecond + Number(ttl));
    for (const r of page.rows) {
      rows.set(`${r['user_id']}|${(r['activity_time'] as Date).getTime()}`, JSON.stringify([r['activity_type'], r['activity_details'], String(r['wt']), String(r['wd']), expiry(r['tt']), expiry(r['td'])]));
    }
    pageState = page.pageState ?? undefined;
  } while (pageState);
  return rows;
}

/**
 * Compares two cell maps, allowing expiry seconds two apart: TTLs are whole seconds, so the copy
 * may move an expiry by one (a read or write crossing a second boundary), and reading the two
 * tables at different moments adds one more. `ttlsAgree` checks the copy alone, to one second.
 */
export function differences(source: Cells, target: Cells): string[] {
  const found: string[] = [];
  for (const [key, cells] of source) {
    const other = target.get(key);
    if (other === undefined) found.push(`${key} missing`);
    else if (other !== cells) {
      const [a, b] = [JSON.parse(cells) as unknown[], JSON.parse(other) as unknown[]];
      const same = a.every((v, i) => (i >= 4 && typeof v === 'number' && typeof b[i] === 'number' ? Math.abs(v - (b[i] as number)) <= 2 : v === b[i]));
      if (!same) found.push(`${key}: ${cells} vs ${other}`);
    }
  }
  for (const key of target.keys()) if (!source.has(key)) found.push(`${key} extra`);
  return found;
}

/** TTLs of `keys` read on both sides at the same moment: the copy's own error, without the reading's. */
export async function ttlGaps(source: Client, target: Client, keyspace: string, keys: readonly string[]): Promise<number[]> {
  const query = `SELECT TTL(activity_type) AS t FROM ${keyspace}.user_activity WHERE user_id = ? AND activity_time = ?`;
  const gaps: number[] = [];
  for (const key of keys) {
    const [user, time] = key.split('|');
    const params = [user, new Date(Number(time))];
    const measure = async () => {
      const [a, b] = await Promise.all([source.execute(query, params, { prepare: true }), target.execute(query, params, { prepare: true })]);
      return Number(b.first()['t']) - Number(a.first()['t']);
    };
    // Both reads go out together, but a server that stalls (a GC pause on a loaded CI machine) answers
    // seconds later, and its TTL has counted down meanwhile: seen once as a gap of 2. A TTL written
    // wrong differs on every reading, so a key keeps its smallest gap of up to three.
    let gap = await measure();
    for (let again = 0; again < 2 && Math.abs(gap) > 1; again++) {
      const next = await measure();
      if (Math.abs(next) < Math.abs(gap)) gap = next;
    }
    gaps.push(gap);
  }
  return gaps;
}

