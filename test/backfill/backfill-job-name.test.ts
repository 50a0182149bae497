import { describe, expect, it } from 'vitest';
import { backfillJobName } from '../../src/backfill/index.js';
import { jobTopics } from '../../src/jobs/index.js';

describe('backfillJobName', () => {
  it('names the job after the real table names, so a quoted and an unquoted spelling of one table share it', () => {
    expect(backfillJobName('"Hostile_Ks"."UserEvents"')).toBe('backfill-Hostile_Ks.UserEvents');
    expect(backfillJobName('Shop.Orders')).toBe('backfill-shop.orders');
    expect(backfillJobName('"shop"."orders"')).toBe('backfill-shop.orders');
    expect(backfillJobName('"Shop"."select"')).toBe('backfill-Shop.select');
  });

  it('gives a valid job name whatever the table argument holds', () => {
    const name = backfillJobName('"Shop"."Order Items ""x"""');
    expect(name).toBe('backfill-Shop.Order_Items__x_');
    expect(() => jobTopics(name, 'backfill')).not.toThrow();
  });
});
