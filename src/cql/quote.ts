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
