import type cassandra from 'cassandra-driver';
import { buildKeyspaceSchema, type KeyspaceRows } from './build-keyspace-schema.js';
import { isExcludedByDefault, isSystemKeyspace, type ClusterSchema } from './schema-model.js';

export interface ReadSchemaOptions {
  /** Keyspaces to read (never system ones); when absent, all but those `isExcludedByDefault` leaves out. Unknown names are left out (see `listKeyspaces`). */
  keyspaces?: readonly string[];
  /**
   * `definitions` reads only what `tandem schema` compares (keyspaces, tables, columns, types), which
   * is all Amazon Keyspaces has; `full` adds views, indexes, triggers, functions and aggregates.
   */
  detail?: 'full' | 'definitions';
  /** Amazon Keyspaces keeps UDTs and table status in `system_schema_mcs`. */
  flavor?: 'cassandra' | 'keyspaces';
}

/** Names of all the cluster's keyspaces, system ones included (`selectKeyspaces` picks), sorted. */
export async function listKeyspaces(client: cassandra.Client): Promise<string[]> {
  return (await query(client, 'SELECT keyspace_name FROM system_schema.keyspaces', [])).map((row) => String(row.keyspace_name)).sort();
}

/**
 * Reads keyspaces, tables, columns, types (and with `full` detail the objects Keyspaces lacks) from
 * `system_schema` with plain queries: the driver's metadata cache may lag behind DDL just run.
 *
 * @example
 *   const schema = await readClusterSchema(client, { keyspaces: ['shop'] });
 *   schema.keyspaces[0].tables.map((t) => t.schema.table);
 */
export async function readClusterSchema(client: cassandra.Client, options: ReadSchemaOptions = {}): Promise<ClusterSchema> {
  const [local] = await query(client, 'SELECT release_version, data_center FROM system.local', []);
  const dataCenter = String(local?.data_center ?? '');
  const peers = await query(client, 'SELECT data_center FROM system.peers', []);
  const nodesInDataCenter = 1 + peers.filter((row) => row.data_center === dataCenter).length;

  const wanted = options.keyspaces ? new Set(options.keyspaces) : undefined;
  const keyspaceRows = (await query(client, 'SELECT * FROM system_schema.keyspaces', [])).filter((row) => {
    const name = String(row.keyspace_name);
    return wanted ? wanted.has(name) && !isSystemKeyspace(name) : !isExcludedByDefault(name);
  });
  keyspaceRows.sort((a, b) => (String(a.keyspace_name) < String(b.keyspace_name) ? -1 : 1));
  const keyspaces = [];
  for (const keyspace of keyspaceRows) {
    keyspaces.push(buildKeyspaceSchema(await readKeyspaceRows(client, keyspace as unknown as KeyspaceRows['keyspace'], options)));
  }
  return { releaseVersion: String(local?.release_version ?? ''), dataCenter, nodesInDataCenter, keyspaces };
}

async function readKeyspaceRows(client: cassandra.Client, keyspace: KeyspaceRows['keyspace'], options: ReadSchemaOptions): Promise<KeyspaceRows> {
  const name = keyspace.keyspace_name;
  const of = (table: string) => query(client, `SELECT * FROM ${table} WHERE keyspace_name = ?`, [name]);
  const keyspaces = options.flavor === 'keyspaces';
  const rows: Record<string, unknown> = {
    keyspace,
    tables: await of('system_schema.tables'),
    columns: await of('system_schema.columns'),
    types: await of(keyspaces ? 'system_schema_mcs.types' : 'system_schema.types'),
  };
  if (keyspaces) rows.keyspacesTables = await of('system_schema_mcs.tables');
  if (options.detail !== 'definitions') {
    rows.views = await of('system_schema.views');
    rows.indexes = await of('system_schema.indexes');
    rows.triggers = await of('system_schema.triggers');
    rows.functions = await of('system_schema.functions');
    rows.aggregates = await of('system_schema.aggregates');
  }
  return rows as unknown as KeyspaceRows;
}

async function query(client: cassandra.Client, cql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
  // Schema tables are small, but a keyspace with thousands of columns spans pages: read them all.
  // Not prepared: Amazon Keyspaces serves its system_schema_mcs tables to plain statements, and
  // these run once per keyspace.
  const rows: Record<string, unknown>[] = [];
  for await (const row of await client.execute(cql, params, { prepare: false, fetchSize: 1000 })) rows.push({ ...row });
  return rows;
}
