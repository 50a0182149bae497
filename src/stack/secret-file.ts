import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

/** Readable by this user only, and never seen half-written. */
export function writeSecretFile(file: string, content: string): void {
  writeFileSync(`${file}.tmp`, content, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** A random password kept in `file`, made on first use and read back after. */
export function ensurePasswordFile(file: string): string {
  if (existsSync(file)) {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing) return existing;
  }
  // base64url: nothing that StorageTool's or ConfigCommand's `[name=...,password=...]` syntax would read as structure.
  const password = randomBytes(24).toString('base64url');
  // No newline: the file is the password, byte for byte, for tools that read it whole.
  writeSecretFile(file, password);
  return password;
}
