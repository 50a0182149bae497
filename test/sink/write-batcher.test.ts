import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import type { TableSchema } from '../../src/cql/index.js';
import type { RowOperation } from '../../src/records/index.js';
import { mayBatchAcrossPartitions, WriteBatcher, type BatchTarget, type WriteBatcherOptions } from '../../src/sink/write-batcher.js';
import { userActivity } from '../helpers/tables.js';

/** A row of `bytes` as Cassandra counts it in a batch: 58 for the key and the row, 20 + its length for a text cell. */
function row(user: string, i: number, bytes = 100): RowOperation {
  const values = new Map<string, unknown>([['user_id', user], ['activity_time', new Date(i)], ['activity_details', 'x'.repeat(bytes - 78)]]);
  return { kind: 'upsert', values, timestampUs: BigInt(i), ttlSeconds: undefined, estimatedBytes: bytes };
}

const label = (op: RowOperation) => `${(op.kind === 'upsert' ? op.values : op.key).get('user_id')}:${op.timestampUs}`;

/** Records each request and leaves it open until the test answers it. */
class ScriptedTarget implements BatchTarget {
  readonly requests: { rows: string[]; answer: (error?: unknown) => void }[] = [];
  constructor(private readonly acrossPartitions = true) {}
  write(_table: TableSchema, op: RowOperation): Promise<void> {
    return this.request([op]);
  }
  writeBatch(_table: TableSchema, ops: readonly RowOperation[]): Promise<void> {
    return this.request(ops);
  }
  batchesAcrossPartitions(): boolean {
    return this.acrossPartitions;
  }
  private request(ops: readonly RowOperation[]): Promise<void> {
    return new Promise((resolve, reject) => this.requests.push({ rows: ops.map(label), answer: (error) => (error ? reject(error) : resolve()) }));
  }
}

const options: WriteBatcherOptions = { maxRequests: 2, maxRows: 3, maxBytes: 10_000, acrossPartitions: true };
const settle = () => new Promise((resolve) => setImmediate(resolve));

function outcomes(promises: Promise<void>[]): (string | undefined)[] {
  const seen: (string | undefined)[] = promises.map(() => undefined);
  promises.forEach((p, i) => p.then(() => (seen[i] = 'ok'), (error: Error) => (seen[i] = error.message)));
  return seen;
}

describe('WriteBatcher', () => {
  it('with a linger, rows arriving together share one request; a full batch does not wait for the linger', async () => {
    const target = new ScriptedTarget();
    const batcher = new WriteBatcher(target, { ...options, lingerMs: 20 });
    const first = ['a', 'b'].map((user, i) => batcher.submit(userActivity, row(user, i)));
    await settle();
    expect(target.requests).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(target.requests.map((r) => r.rows)).toEqual([['a:0', 'b:1']]);
    const full = ['c', 'd', 'e'].map((user, i) => batcher.submit(userActivity, row(user, 10 + i)));
    // maxRows reached: sent at once.
    expect(target.requests.map((r) => r.rows).slice(1)).toEqual([['c:10', 'd:11', 'e:12']]);
    for (const r of target.requests) r.answer();
    await Promise.all([...first, ...full]);
    expect(batcher.inFlight).toBe(0);
  });

  it('sends rows one by one while requests are free, and batches the rows that waited once the server is busy', async () => {
    const target = new ScriptedTarget();
    const batcher = new WriteBatcher(target, options);
    const done = outcomes(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((user, i) => batcher.submit(userActivity, row(user, i))));
    expect(target.requests.map((r) => r.rows)).toEqual([['a:0'], ['b:1']]);
    expect(batcher.inFlight).toBe(2);
    target.requests[0]!.answer();
    await settle();
    // The oldest waiting rows, up to maxRows, go as one batch.
    expect(target.requests.map((r) => r.rows).slice(2)).toEqual([['c:2', 'd:3', 'e:4']]);
    target.requests[1]!.answer();
    await settle();
    expect(target.requests.map((r) => r.rows).slice(3)).toEqual([['f:5', 'g:6']]);
    for (const r of target.requests.slice(2)) r.answer();
    await settle();
    expect(done).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(batcher.inFlight).toBe(0);
  });

  it('keeps each batch to one partition where the target has token owners, or when told never to mix', async () => {
    for (const [target, setting] of [
      [new ScriptedTarget(false), 'auto'],
      [new ScriptedTarget(true), 'never'],
    ] as const) {
      const batcher = new WriteBatcher(target, { ...options, maxRequests: 1, acrossPartitions: mayBatchAcrossPartitions(setting, target) });
      for (const [i, user] of ['x', 'a', 'b', 'a', 'b', 'a'].entries()) void batcher.submit(userActivity, row(user, i));
      target.requests[0]!.answer();
      await settle();
      target.requests[1]!.answer();
      await settle();
      expect(target.requests.map((r) => r.rows)).toEqual([['x:0'], ['a:1', 'a:3', 'a:5'], ['b:2', 'b:4']]);
    }
    expect(mayBatchAcrossPartitions('auto', new ScriptedTarget(true))).toBe(true);
  });

  it('starts a new batch before the bytes (as Cassandra counts them) pass maxBytes, yet sends a single big row alone', async () => {
    const target = new ScriptedTarget();
    const batcher = new WriteBatcher(target, { ...options, maxRequests: 1, maxBytes: 250 });
    void batcher.submit(userActivity, row('first', 0));
    void batcher.submit(userActivity, row('a', 1, 100));
    void batcher.submit(userActivity, row('b', 2, 100));
    void batcher.submit(userActivity, row('c', 3, 100));
    void batcher.submit(userActivity, row('huge', 4, 5_000));
    for (let i = 0; i < 3; i++) {
      target.requests[i]!.answer();
      await settle();
    }
    expect(target.requests.map((r) => r.rows)).toEqual([['first:0'], ['a:1', 'b:2'], ['c:3'], ['huge:4']]);
  });

  it('re-sends a batch the server refuses as invalid row by row, so only the bad row fails', async () => {
    const target = new ScriptedTarget();
    const batcher = new WriteBatcher(target, { ...options, maxRequests: 1 });
    const done = outcomes(['first', 'a', 'bad', 'c'].map((user, i) => batcher.submit(userActivity, row(user, i))));
    target.requests[0]!.answer();
    await settle();
    const invalid = new cassandra.errors.ResponseError(cassandra.types.responseErrorCodes.invalid, 'Guardrail column_value_size violated');
    target.requests[1]!.answer(invalid);
    await settle();
    expect(target.requests.slice(2).map((r) => r.rows)).toEqual([['a:1'], ['bad:2'], ['c:3']]);
    target.requests[2]!.answer();
    target.requests[3]!.answer(invalid);
    target.requests[4]!.answer();
    await settle();
    expect(done).toEqual(['ok', 'ok', 'Guardrail column_value_size violated', 'ok']);
  });

  it('fails every row of a batch that timed out, for each to be retried', async () => {
    const target = new ScriptedTarget();
    const batcher = new WriteBatcher(target, { ...options, maxRequests: 1 });
    const done = outcomes(['first', 'a', 'b'].map((user, i) => batcher.submit(userActivity, row(user, i))));
    target.requests[0]!.answer();
    await settle();
    target.requests[1]!.answer(new cassandra.errors.OperationTimedOutError('timed out'));
    await settle();
    expect(target.requests).toHaveLength(2);
    expect(done).toEqual(['ok', 'timed out', 'timed out']);
  });

  it('moves a partition that had more rows than one batch takes behind the others', async () => {
    const target = new ScriptedTarget(false);
    const batcher = new WriteBatcher(target, { ...options, maxRequests: 1, maxRows: 2, acrossPartitions: false });
    for (const [i, user] of ['x', 'hot', 'hot', 'hot', 'cold', 'hot'].entries()) void batcher.submit(userActivity, row(user, i));
    for (let i = 0; i < 4; i++) {
      target.requests[i]!.answer();
      await settle();
    }
    expect(target.requests.map((r) => r.rows)).toEqual([['x:0'], ['hot:1', 'hot:2'], ['cold:4'], ['hot:3', 'hot:5']]);
  });
});
