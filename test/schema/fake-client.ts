import type cassandra from 'cassandra-driver';

/** One statement the fake client was asked to run. */
export interface Executed {
  readonly cql: string;
  readonly params: readonly unknown[];
  readonly options: cassandra.QueryOptions | undefined;
}

/** A row as the driver returns it: columns as own properties, `get` and `values` on the prototype, so `{ ...row }` copies the columns only. */
export class FakeRow {
  constructor(columns: Record<string, unknown>) {
    Object.assign(this, columns);
  }

  get(column: string): unknown {
    return (this as unknown as Record<string, unknown>)[column];
  }

  values(): unknown[] {
    return Object.values(this);
  }
}

function resultOf(rows: readonly Record<string, unknown>[]) {
  const fakeRows = rows.map((row) => new FakeRow(row));
  return {
    rows: fakeRows,
    rowLength: fakeRows.length,
    first: () => fakeRows[0],
    async *[Symbol.asyncIterator]() {
      yield* fakeRows;
    },
  };
}

/** Rows for a statement, or the error it fails with. */
export type Answer = (cql: string, params: readonly unknown[], options: cassandra.QueryOptions | undefined) => readonly Record<string, unknown>[] | Error;

/** A node as the driver's host map holds it. */
export function fakeHost(address: string, up = true): cassandra.Host {
  return { address, isUp: () => up } as unknown as cassandra.Host;
}

/**
 * A stand-in for the driver's client: records every statement with its options and answers from
 * `answer`. Its host map holds `hosts` (one node that is up by default).
 */
export function fakeClient(answer: Answer, hosts: readonly cassandra.Host[] = [fakeHost('127.0.0.1:9042')]) {
  const executed: Executed[] = [];
  const client = {
    executed,
    hosts: { values: () => [...hosts], length: hosts.length },
    async execute(cql: string, params: readonly unknown[] = [], options?: cassandra.QueryOptions) {
      executed.push({ cql, params, options });
      const rows = answer(cql, params, options);
      if (rows instanceof Error) throw rows;
      return resultOf(rows);
    },
  };
  return client as typeof client & cassandra.Client;
}

export interface FakeTable {
  name: string;
  /** `name:type[:pk|:ck[:desc]|:static]`, as in schema-fixtures. */
  columns: string[];
  defaultTimeToLive?: number;
}

/** The system tables of a cluster holding `keyspaces`, as `SELECT * FROM <table>` rows. */
export function systemTables(keyspaces: readonly { name: string; tables?: FakeTable[] }[], releaseVersion = '5.0.9'): Record<string, Record<string, unknown>[]> {
  const tables: Record<string, unknown>[] = [];
  const columns: Record<string, unknown>[] = [];
  for (const keyspace of keyspaces) {
    for (const table of keyspace.tables ?? []) {
      tables.push({ keyspace_name: keyspace.name, table_name: table.name, default_time_to_live: table.defaultTimeToLive ?? 0 });
      const positions = { pk: 0, ck: 0 };
      for (const column of table.columns) {
        const [name, type, role, order] = column.split(':') as [string, string, string?, string?];
        columns.push({
          keyspace_name: keyspace.name,
          table_name: table.name,
          column_name: name,
          kind: role === 'pk' ? 'partition_key' : role === 'ck' ? 'clustering' : role === 'static' ? 'static' : 'regular',
          position: role === 'pk' ? positions.pk++ : role === 'ck' ? positions.ck++ : -1,
          type,
          clustering_order: role === 'ck' ? (order ?? 'asc') : 'none',
        });
      }
    }
  }
  return {
    'system.local': [{ release_version: releaseVersion, data_center: 'datacenter1', schema_version: 'v1' }],
    'system.peers': [],
    'system_schema.keyspaces': [
      { keyspace_name: 'system', replication: new Map([['class', 'LocalStrategy']]), durable_writes: true },
      ...keyspaces.map((k) => ({ keyspace_name: k.name, replication: new Map([['class', 'SimpleStrategy'], ['replication_factor', '1']]), durable_writes: true })),
    ],
    'system_schema.tables': tables,
    'system_schema.columns': columns,
  };
}

/**
 * Answers SELECTs of system tables from `system` (filtered by a `keyspace_name = ?` parameter, and
 * empty for a system table it does not hold), and every other statement with `other`.
 */
export function systemAnswer(system: Record<string, Record<string, unknown>[]>, other: Answer = () => []): Answer {
  return (cql, params, options) => {
    const match = /^SELECT .+? FROM (system[\w.]*)(?: WHERE keyspace_name = \?)?/s.exec(cql);
    if (!match) return other(cql, params, options);
    const rows = system[match[1]!] ?? [];
    return cql.includes('WHERE keyspace_name = ?') ? rows.filter((row) => row.keyspace_name === params[0]) : rows;
  };
}
