import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SecretMissingError } from '../errors.js';

const reference = /\$\{(env|file):([^}]+)\}/g;

export interface ResolvedSecrets {
  /** The value with every `${env:NAME}` and `${file:PATH}` replaced. */
  value: unknown;
  /** Every substituted value, so output can be scrubbed of them. */
  secrets: Set<string>;
}

/**
 * Replaces `${env:NAME}` and `${file:PATH}` in every string of a parsed config. Paths are relative to
 * `baseDir` (the config file's folder); a file's trailing newline is not part of the secret.
 */
export function resolveSecrets(raw: unknown, env: NodeJS.ProcessEnv, baseDir: string): ResolvedSecrets {
  const secrets = new Set<string>();
  const walk = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') {
      return value.replace(reference, (_match, kind: string, name: string) => {
        const secret = kind === 'env' ? lookupEnv(env, name, path) : readSecretFile(resolve(baseDir, name), path);
        if (secret.length > 0) secrets.add(secret);
        return secret;
      });
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, `${path}[${index}]`));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, walk(item, path ? `${path}.${key}` : key)]),
      );
    }
    return value;
  };
  return { value: walk(raw, ''), secrets };
}

function lookupEnv(env: NodeJS.ProcessEnv, name: string, path: string): string {
  const value = env[name];
  if (value === undefined) {
    throw new SecretMissingError(`${path} refers to environment variable ${name}, which is not set`, {
      hint: `Export ${name} before running tandem`,
    });
  }
  return value;
}

function readSecretFile(file: string, path: string): string {
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new SecretMissingError(`${path} refers to file ${file}, which cannot be read`, { cause: error });
  }
}

/** Replaces each secret in `text` with `***`; longest first so one secret inside another is covered. */
export function redact(text: string, secrets: ReadonlySet<string>): string {
  let result = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    result = result.split(secret).join('***');
  }
  return result;
}
