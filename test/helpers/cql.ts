import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type cassandra from 'cassandra-driver';
import type { ClusterConfig } from '../../src/config/index.js';
import { createCqlClient } from '../../src/cql/index.js';

export const fixturesDir = resolve(import.meta.dirname, '..', '..', 'fixtures');

/** A name no other test uses: keyspaces, topics and groups are never shared between tests. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

/** Opens clients and closes them all at the end of the file (call `closeAll` in afterAll). */
export class Clients {
  private readonly open: cassandra.Client[] = [];

  connect(cluster: ClusterConfig): cassandra.Client {
    const client = createCqlClient(cluster);
    this.open.push(client);
    return client;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.open.splice(0).map((c) => c.shutdown()));
  }
}

/** The reference schema (fixtures/user_activity.cql) under another keyspace name. */
export function referenceSchema(keyspace: string): string[] {
  return readFileSync(resolve(fixturesDir, 'user_activity.cql'), 'utf8')
    .replace(/^--.*$/gm, '')
    .split(';')
    .map((statement) => statement.trim().replaceAll('msk_ks_cass_blog', keyspace))
    .filter(Boolean);
}

export async function runAll(client: cassandra.Client, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await client.execute(statement);
}

export function fixtureLines(): string[] {
  return readFileSync(resolve(fixturesDir, 'user_activity.jsonl'), 'utf8').split('\n').filter(Boolean);
}

export async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000, pollMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Rows in a table, as a number. */
export async function countRows(client: cassandra.Client, table: string): Promise<number> {
  return Number((await client.execute(`SELECT count(*) FROM ${table}`)).first().get(0));
}

/** A fresh keyspace holding the reference table on each given cluster; returns its name. */
export async function referenceKeyspaceOn(clients: readonly cassandra.Client[], prefix: string): Promise<string> {
  const keyspace = uniqueName(prefix);
  for (const client of clients) await runAll(client, referenceSchema(keyspace));
  return keyspace;
}
