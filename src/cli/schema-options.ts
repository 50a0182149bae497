import { targetProfiles, type TargetProfile } from '../config/index.js';
import { ConfigError } from '../errors.js';

/** `--profile` of `tandem assess` and `tandem schema --dry-run`. */
export function parseProfile(text: string | undefined, configured: TargetProfile): TargetProfile {
  if (text === undefined) return configured;
  if ((targetProfiles as readonly string[]).includes(text)) return text as TargetProfile;
  throw new ConfigError(`--profile ${text} is not one of ${targetProfiles.join(', ')}`);
}

/** `--sample-rows`: how many rows per table to read; 0 reads none. */
export function parseSampleRows(text: string): number {
  const rows = Number(text);
  if (!Number.isInteger(rows) || rows < 0 || rows > 1_000_000) throw new ConfigError(`--sample-rows ${text} is not a number of rows (0 to 1000000)`);
  return rows;
}
