/**
 * The key of a table in maps of samples and of tables written with TTLs: keyspace and table names
 * as stored (case-sensitive), joined so that no pair of names can collide.
 *
 * @example
 *   sampleKey('shop', 'Orders') // '["shop","Orders"]'
 */
export function sampleKey(keyspace: string, table: string): string {
  return JSON.stringify([keyspace, table]);
}
