import { describe, expect, it } from 'vitest';
import { jobTopics } from '../../src/jobs/index.js';
import { newValidationJobName } from '../../src/validate/index.js';

describe('newValidationJobName', () => {
  it('names a new job after the table and the moment, in characters Kafka topic names take', () => {
    const name = newValidationJobName('msk_ks_cass_blog.user_activity', Date.parse('2026-11-26T03:15:42.123Z'));
    expect(name).toBe('validate-msk_ks_cass_blog.user_activity-20261126T031542Z');
    expect(jobTopics(name, 'validate')).toEqual({
      ranges: `tandem-validate.${name}.ranges`,
      progress: `tandem-validate.${name}.progress`,
      group: `tandem-validate.${name}`,
    });
  });

  it('replaces what a topic name cannot hold (a quoted name with spaces)', () => {
    const name = newValidationJobName('Shop.Order Items', 0);
    expect(name).toBe('validate-Shop.Order_Items-19700101T000000Z');
    expect(() => jobTopics(name, 'validate')).not.toThrow();
  });
});
