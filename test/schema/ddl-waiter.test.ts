import { describe, expect, it } from 'vitest';
import { waitUntilReady } from '../../src/schema/ddl-waiter.js';
import { fakeClient, fakeHost } from './fake-client.js';

describe('waitUntilReady on Keyspaces', () => {
  /** Answers table and type status queries from a script; a keyspace is listed at once. */
  function keyspacesClient(statuses: string[]) {
    return fakeClient((cql) => (cql.includes('system_schema_mcs.keyspaces') ? [{ keyspace_name: 'shop' }] : [{ status: statuses.shift() ?? 'ACTIVE' }]));
  }

  it('polls until the table is ACTIVE, with unprepared queries', async () => {
    const client = keyspacesClient(['CREATING', 'CREATING', 'ACTIVE']);
    let sleeps = 0;
    await waitUntilReady(client, { kind: 'table', keyspace: 'shop', name: 'orders' }, { profile: 'keyspaces', sleep: async () => void sleeps++ });
    expect(sleeps).toBe(2);
    expect(client.executed.map((e) => [e.cql, e.params, e.options?.prepare])).toEqual(
      Array(3).fill(['SELECT status FROM system_schema_mcs.tables WHERE keyspace_name = ? AND table_name = ?', ['shop', 'orders'], false]),
    );
  });

  it('gives up after the timeout, naming the object and its state', async () => {
    const client = keyspacesClient(Array(100).fill('CREATING'));
    await expect(waitUntilReady(client, { kind: 'type', keyspace: 'shop', name: 'line' }, { profile: 'keyspaces', timeoutMs: 0, sleep: async () => {} })).rejects.toThrow(
      'type shop.line was created but is still CREATING after 0 s',
    );
  });
});

describe('waitUntilReady on Cassandra', () => {
  const [first, second, third] = [fakeHost('10.0.0.1:9042'), fakeHost('10.0.0.2:9042'), fakeHost('10.0.0.3:9042', false)];

  /** A three-node cluster whose peers report the schema versions scripted per poll; 10.0.0.3 is down. */
  function cluster(peerVersions: string[][], hosts = [first, second, third]) {
    return fakeClient((cql) => {
      if (cql.includes('system.local')) return [{ schema_version: 'v2' }];
      const [two, three] = peerVersions.shift() ?? ['v2', 'v1'];
      return [
        { peer: '10.0.0.2', rpc_address: '0.0.0.0', schema_version: two },
        { peer: '10.0.0.9', rpc_address: '10.0.0.3', schema_version: three },
      ];
    }, hosts);
  }

  it('polls until the nodes that are up agree, asking one node that is up, and leaves a down node out', async () => {
    const client = cluster([['v1', 'v1'], ['v1', 'v1'], ['v2', 'v1']]);
    let sleeps = 0;
    await waitUntilReady(client, { kind: 'table', keyspace: 'shop', name: 'orders' }, { profile: 'cassandra', sleep: async () => void sleeps++ });
    expect(sleeps).toBe(2);
    expect(client.executed.every((e) => e.options?.host === first && e.options.prepare === false)).toBe(true);
  });

  it('waits for a node that is up, and gives up after the timeout', async () => {
    const client = cluster(Array(100).fill(['v2', 'v1']), [fakeHost('10.0.0.4:9042', false), first, second, fakeHost('10.0.0.3:9042')]);
    await expect(waitUntilReady(client, { kind: 'keyspace', keyspace: 'shop', name: 'shop' }, { profile: 'cassandra', timeoutMs: 0, sleep: async () => {} })).rejects.toThrow(
      'keyspace shop was created but is still without schema agreement after 0 s',
    );
    // The first host the driver lists is down: the node asked is the first one up.
    expect(client.executed[0]!.options?.host).toBe(first);
  });
});
