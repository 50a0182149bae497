import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import type { KafkaConfig } from '../../src/config/index.js';
import { seedReferenceRows } from '../helpers/activity-rows.js';
import { Clients, countRows, eventually, fixtureLines, fixturesDir, referenceKeyspaceOn, uniqueName } from '../helpers/cql.js';
import { cqlsh, kcatConsume, kcatProduce } from '../helpers/independent-clients.js';
import { killStartedTandems, runTandem, spawnTandem } from '../helpers/run-cli.js';
import { securedKafka } from '../helpers/secured-kafka.js';

/**
 * Issue 22's acceptance: the whole dual-write flow (produce, both sinks, dead letters, a backfill
 * job, validate, status lag, the dead-letter inspection and replay) through each secured listener of the
 * stack's broker, with nothing but the `kafka:` block changed: TLS verified against a certificate
 * naming `localhost` only, SASL/SCRAM-SHA-512 over TLS, and SASL/OAUTHBEARER with Amazon-MSK-IAM
 * tokens, checked by the broker's stand-in validator. Every command runs as a user runs it, in a
 * process of its own; kcat publishes where it can (it cannot sign MSK IAM tokens).
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

describe.each([
  ['tls', listeners.tls, {}],
  ['scram', listeners.scram, {}],
  ['iam', listeners.iam, listeners.iamEnv],
] as const)('the dual-write flow over the %s listener', (name, kafka: KafkaConfig, env: NodeJS.ProcessEnv) => {
  it('produces, sinks to both sides, dead-letters, backfills, validates and reports lag', { timeout: 300_000 }, async () => {
    const keyspace = await referenceKeyspaceOn([source, target], `secured_${name}`);
    const table = `${keyspace}.user_activity`;
    // History the application wrote before the dual writes: on the source only, for the backfill.
    await seedReferenceRows(source, keyspace, 200);
    const topic = uniqueName(`secured-${name}`);
    const dir = mkdtempSync(join(tmpdir(), 'tandem-secured-'));
    const configFile = join(dir, 'tandem.yaml');
    writeFileSync(
      configFile,
      stringify({
        kafka,
        source: stack.source,
        target: stack.target,
        topics: [{ topic, table, timestamp: 'record' }],
        sink: { groupIdPrefix: uniqueName(`secured-${name}`), commitIntervalMs: 100 },
      }),
    );
    const tandem = (args: readonly string[]) => runTandem([...args, '--config', configFile], { env });

    // The reference design's records, one of them twice, and a record that can never be written.
    const fixture = join(dir, 'records.jsonl');
    writeFileSync(fixture, `${fixtureLines().join('\n')}\n{"user_id":"broken","activity_time":"not a time"}\n`);
    const produced = await tandem(['produce', '--topic', topic, fixture]);
    expect(produced.code, produced.stderr).toBe(0);
    const resolved: KafkaConfig = kafka.sasl && 'password' in kafka.sasl ? { ...kafka, sasl: { ...kafka.sasl, password: listeners.scramPassword() } } : kafka;
    if (name !== 'iam') {
      await kcatProduce(resolved, topic, [{ key: '{"user_id":"kcat1"}', value: '{"user_id":"kcat1","activity_time":"2023-05-10T13:00:00Z","activity_type":"view"}' }]);
    }
    const expectedRows = fixtureLines().length + (name === 'iam' ? 0 : 1);

    const sink = spawnTandem(['sink', '--config', configFile, '--status-port', '0'], { env });
    const counts = await eventually(() => Promise.all([countRows(source, table), countRows(target, table)]), ([s, t]) => s === 200 + expectedRows && t === expectedRows, 90_000, 500);
    expect(counts, sink.stderr()).toEqual([200 + expectedRows, expectedRows]);

    const backfill = await tandem(['backfill', '--table', table]);
    expect(backfill.code, backfill.stderr).toBe(0);
    expect(await countRows(target, table)).toBe(200 + expectedRows);

    const validate = await tandem(['validate', '--table', table, '--compare', 'values+writetime']);
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);

    const status = await eventually(
      async () => JSON.parse((await tandem(['status', '--json'])).stdout) as { kafka: { reachable: boolean }; sinks: { lag?: number }[]; deadLetters?: { topic: string; undrained: number }[] },
      (s) => s.sinks.every((sink) => sink.lag === 0),
      30_000,
      500,
    );
    expect(status.kafka.reachable).toBe(true);
    expect(status.sinks.map((s) => s.lag)).toEqual([0, 0]);
    // The broken record, once per destination.
    expect(status.deadLetters).toEqual([{ topic: `${topic}.dlq`, undrained: 2, expired: 0 }]);

    const inspect = await tandem(['dlq', 'inspect', '--topic', `${topic}.dlq`, '--json']);
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(inspect.stdout).toContain('bad-value');
    if (name !== 'iam') expect((await kcatConsume(resolved, `${topic}.dlq`, 2)).map((l) => l.headers['tandem-dlq-reason'])).toEqual(['bad-value', 'bad-value']);

    // The broken record cannot be written however often it is replayed: read, sent back with its reason (exit 1).
    const replay = await tandem(['dlq', 'replay', '--topic', `${topic}.dlq`]);
    expect(replay.code, replay.stdout + replay.stderr).toBe(1);
    expect(replay.stdout).toContain(`${topic}.dlq: 2 read, 0 replayed, 2 dead-lettered again`);

    sink.child.kill('SIGTERM');
    expect(await sink.exited).toBe(0);
    const outputs = [produced, backfill, validate, inspect, replay].map((r) => r.stdout + r.stderr).join('\n') + sink.stderr();
    if (name === 'scram') expect(outputs).not.toContain(listeners.scramPassword());
    // What cqlsh reads on the target is what the source holds, for the records that came through Kafka.
    const [onSource, onTarget] = await Promise.all([stack.source, stack.target].map((cluster) => cqlsh(cluster, `SELECT user_id, activity_type FROM ${table} WHERE user_id = 'user123'`)));
    expect(onTarget).toEqual(onSource);
    expect(readFileSync(join(fixturesDir, 'user_activity.jsonl'), 'utf8')).toContain('user123');
  });
});
