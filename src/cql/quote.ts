import { ConfigError } from '../errors.js';

/**
 * Quoting for the few CQL statements that take no bind markers (role DDL, schema DDL). Values in
 * DML always go through bind markers instead.
 */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** `ks.table` or `"Ks"."Table"` into its two names, unquoted. */
export function splitTable(qualified: string): [string, string] {
  const match = /^("(?:[^"]|"")+"|[^."]+)\.("(?:[^"]|"")+"|[^."]+)$/.exec(qualified);
  if (!match) throw new ConfigError(`table ${qualified} is not keyspace.table`);
  const unquote = (name: string) => (name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name.toLowerCase());
  return [unquote(match[1]!), unquote(match[2]!)];
}
