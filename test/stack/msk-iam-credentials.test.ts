import { describe, expect, it } from 'vitest';
import { mskIamProfiles, mskIamRegistry, parseSharedCredentials, randomMskIamCredentials, sharedCredentialsFile } from '../../src/stack/msk-iam-credentials.js';

const now = new Date('2026-12-07T19:00:00Z');

describe('the IAM listener\'s credentials', () => {
  const credentials = randomMskIamCredentials(now);

  it('look like AWS\'s: AKIA long-term keys, ASIA session credentials, 20-character ids, 40-character secrets', () => {
    expect(credentials.valid.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(credentials.expired.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(credentials.valid.secretAccessKey).toHaveLength(40);
    expect(credentials.expired.expiration.getTime()).toBeLessThan(now.getTime());
    expect(randomMskIamCredentials(now).valid.accessKeyId).not.toBe(credentials.valid.accessKeyId);
  });

  it('are written as an AWS shared-credentials file with profiles tandem-local and tandem-expired', () => {
    const profiles = parseSharedCredentials(sharedCredentialsFile(credentials));
    expect([...profiles.keys()]).toEqual([mskIamProfiles.valid, mskIamProfiles.expired]);
    expect(profiles.get('tandem-local')).toEqual({ aws_access_key_id: credentials.valid.accessKeyId, aws_secret_access_key: credentials.valid.secretAccessKey });
    expect(profiles.get('tandem-expired')).toEqual({
      aws_access_key_id: credentials.expired.accessKeyId,
      aws_secret_access_key: credentials.expired.secretAccessKey,
      aws_session_token: credentials.expired.sessionToken,
    });
  });

  it('are registered for the validator with their secrets, and the session with its expiry', () => {
    const registry = mskIamRegistry(credentials);
    expect(registry).toContain(`${credentials.valid.accessKeyId}.secretAccessKey=${credentials.valid.secretAccessKey}\n`);
    expect(registry).toContain(`${credentials.expired.accessKeyId}.sessionToken=${credentials.expired.sessionToken}\n`);
    expect(registry).toContain(`${credentials.expired.accessKeyId}.expiration=2026-12-07T18:00:00.000Z\n`);
    expect(registry).not.toContain(`${credentials.valid.accessKeyId}.expiration`);
  });
});
