import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';

/**
 * The PEM file a TLS setting names (a CA, a client certificate or key), read when a client is
 * built; a file that cannot be read is an error naming the setting and what the file should hold.
 */
export function readPemFile(file: string, setting: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${setting} ${file} cannot be read`, { cause: error, hint: `Point ${setting} at the PEM file of ${what}` });
  }
}
