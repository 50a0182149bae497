import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configSchema, type TandemConfig } from './schema.js';
import { resolveSecrets } from './secrets.js';

export interface LoadedConfig {
  config: Readonly<TandemConfig>;
  /** Where the config came from: a file path, or `defaults`. */
  origin: string;
  /** Values substituted from the environment or files; never to be printed. */
  secrets: ReadonlySet<string>;
}

export const defaultConfigFile = 'tandem.yaml';

/** The local stack's own addresses (design.md, "Local defaults"). */
export function localDefaults(): unknown {
  return {
    kafka: { brokers: ['127.0.0.1:9092'] },
    source: {
      contactPoints: ['127.0.0.1:9042'],
      localDataCenter: 'datacenter1',
      auth: { username: 'cassandra', password: 'cassandra' },
    },
    target: {
      profile: 'cassandra',
      contactPoints: ['127.0.0.1:9142'],
      localDataCenter: 'datacenter1',
      tls: { caFile: '.tandem/target/tls/ca.pem' },
      auth: { username: 'ks-user', password: 'ks-password' },
    },
  };
}

/**
 * Loads, resolves secrets in, validates and freezes a config. With no path, `./tandem.yaml` is used
 * when present, else the local stack's defaults.
 */
export function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): LoadedConfig {
  const file = path ?? (existsSync(resolve(cwd, defaultConfigFile)) ? defaultConfigFile : undefined);
  if (file === undefined) return parseConfig(localDefaults(), 'defaults', env, cwd);
  const absolute = resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read config file ${absolute}`, { cause: error, hint: 'Check the --config path' });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${absolute} is not valid YAML: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  return parseConfig(raw ?? {}, absolute, env, dirname(absolute));
}

/** Validates an already parsed config object; `origin` names it in errors. */
export function parseConfig(raw: unknown, origin: string, env: NodeJS.ProcessEnv, baseDir: string): LoadedConfig {
  const { value, secrets } = resolveSecrets(raw, env, baseDir);
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    throw new ConfigError(`Invalid config (${origin}): ${formatIssues(parsed.error.issues)}`);
  }
  const config = parsed.data;
  // A CA file is named relative to the config that names it, wherever tandem runs from.
  for (const cluster of [config.source, config.target]) {
    if (cluster.tls?.caFile) cluster.tls.caFile = resolve(baseDir, cluster.tls.caFile);
  }
  const kafkaTls = config.kafka.tls;
  if (typeof kafkaTls === 'object') {
    for (const file of ['caFile', 'certFile', 'keyFile'] as const) {
      const named = kafkaTls[file];
      if (named) kafkaTls[file] = resolve(baseDir, named);
    }
  }
  return { config: deepFreeze(config), origin, secrets };
}

/** `target.contactPoints[0]: must be host:port` for each issue; values are never echoed (they may be secrets). */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.reduce<string>(
        (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)),
        '',
      );
      const message =
        issue.code === 'unrecognized_keys'
          ? `unknown setting ${issue.keys.map((k) => `"${k}"`).join(', ')}`
          : issue.code === 'invalid_type' && issue.message.endsWith('received undefined')
            ? `is required (${issue.expected})`
            : issue.message;
      return path ? `${path}: ${message}` : message;
    })
    .join('; ');
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
