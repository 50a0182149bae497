import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { kafkaConnection } from '../../src/kafka/index.js';
import { Clients, countRows, eventually, referenceKeyspaceOn, uniqueName } from '../helpers/cql.js';
import { killStartedTandems, runTandem, spawnTandem } from '../helpers/run-cli.js';
import { securedKafka, tokensAccepted } from '../helpers/secured-kafka.js';
import { produceRaw } from '../helpers/sinks.js';

/**
 * Issue 22: a sink on Amazon MSK runs for days while its IAM tokens last 15 minutes and the broker
 * ends each SASL session when its lifetime runs out (connections.max.reauth.ms). On the stack's
 * IAM stand-in, sessions last 20 s: a sink under a steady stream for over three of them must sign
 * new tokens and re-authenticate (or reconnect) without losing or doubling a record.
 */
const stack = inject('stackConfig');
const dataDir = inject('stackDataDir');
const clients = new Clients();
const source = clients.connect(stack.source);
const target = clients.connect(stack.target);
afterAll(async () => {
  killStartedTandems();
  await clients.closeAll();
});

const listeners = securedKafka(dataDir);
const sessionLifetimeMs = 20_000;

describe('a sink on the IAM listener across session expiries', () => {
  it('re-authenticates under a steady stream and loses or doubles nothing', { timeout: 300_000 }, async () => {
    const keyspace = await referenceKeyspaceOn([source, target], 'iam_expiry');
    const table = `${keyspace}.user_activity`;
    const topic = uniqueName('iam-expiry');
    const configFile = join(mkdtempSync(join(tmpdir(), 'tandem-iam-')), 'tandem.yaml');
    writeFileSync(
      configFile,
      stringify({ kafka: listeners.iam, source: stack.source, target: stack.target, topics: [{ topic, table, timestamp: 'record' }], sink: { groupIdPrefix: uniqueName('iam-expiry'), commitIntervalMs: 100 } }),
    );
    // The application publishes over the plaintext port: what is under test is the sink's sessions.
    const plaintext = kafkaConnection(stack.kafka);
    await produceRaw(plaintext, topic, [record(0)]);
    const acceptedBefore = tokensAccepted(dataDir);

    const sink = spawnTandem(['sink', '--config', configFile, '--status-port', '0', '--stats-interval', '5'], { env: listeners.iamEnv });
    const began = Date.now();
    let sent = 1;
    // 20 records every 200 ms for 3.5 session lifetimes: ~7,000 records, each its own row.
    while (Date.now() - began < 3.5 * sessionLifetimeMs) {
      await produceRaw(plaintext, topic, Array.from({ length: 20 }, (_, i) => record(sent + i)));
      sent += 20;
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(sink.child.exitCode, sink.stderr()).toBeNull();
    }
    const counts = await eventually(() => Promise.all([countRows(source, table), countRows(target, table)]), ([s, t]) => s === sent && t === sent, 60_000, 500);
    expect(counts, sink.stderr()).toEqual([sent, sent]);

    // Each of the sink's connections signed a token at connect and at each re-authentication.
    const signed = tokensAccepted(dataDir) - acceptedBefore;
    expect(signed, 'tokens the broker accepted while the sink ran').toBeGreaterThanOrEqual(2 * 3);

    sink.child.kill('SIGTERM');
    expect(await sink.exited, sink.stderr()).toBe(0);
    // The sink wrote each record once: a session ended under it would have redelivered uncommitted ones.
    const summary = sink.stderr() + sink.stdout();
    expect(summary).toContain(`source: ${sent} written`);
    expect(summary).toContain(`target: ${sent} written`);
    expect(sink.stderr()).not.toMatch(/"level":50/);

    const validate = await runTandem(['validate', '--config', configFile, '--table', table, '--compare', 'values+writetime'], { env: listeners.iamEnv });
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
  });
});

function record(i: number) {
  const user = `iam${i}`;
  return { key: JSON.stringify({ user_id: user }), value: JSON.stringify({ user_id: user, activity_time: 1_700_000_000_000 + i, activity_type: 'view', activity_details: `record ${i}` }) };
}
