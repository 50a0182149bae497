import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { consumerGroupLag, describeTopicConfigs, setTopicConfigs, kafkaConnection } from '../../src/kafka/index.js';
import { Clients, eventually, referenceKeyspaceOn, uniqueName } from '../helpers/cql.js';
import { exitedWithin } from '../helpers/processes.js';
import { killStartedTandems, runTandem, spawnTandem } from '../helpers/run-cli.js';
import { produceRaw, readTopic, runSinksUntil, settled, sinkConfig } from '../helpers/sinks.js';

const stack = inject('stackConfig');
const clients = new Clients();
const admin = new Admin({ clientId: 'tandem-test', bootstrapBrokers: [...stack.kafka.brokers] });
afterAll(async () => {
  killStartedTandems();
  await admin.close();
  await clients.closeAll();
});

function writeConfig(topics: readonly Record<string, unknown>[], groupIdPrefix: string): string {
  const configFile = join(mkdtempSync(join(tmpdir(), 'tandem-dlt-')), 'tandem.yaml');
  writeFileSync(configFile, stringify({ kafka: stack.kafka, source: stack.source, target: stack.target, topics, sink: { groupIdPrefix, commitIntervalMs: 100 } }));
  return configFile;
}

/** A record no table takes (its time is not a time), padded to `bytes`. */
function unwritable(bytes: number, i = 0) {
  const value = JSON.stringify({ user_id: `big${i}`, activity_time: 'not a time', activity_type: 'click', activity_details: 'x'.repeat(bytes) });
  return { key: JSON.stringify({ user_id: `big${i}` }), value };
}

interface StatusReport {
  gates: { id: string; pass: boolean; reason: string }[];
  deadLetters?: { topic: string; undrained: number; expired?: number }[];
}

describe('dead-letter topics', () => {
  it('keep letters for ever; letters the broker deleted unread hold the cutover gate and stop a replay until --skip-expired', { timeout: 180_000 }, async () => {
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    const keyspace = await referenceKeyspaceOn([source, target], 'dlkeep');
    const topic = uniqueName('dlkeep');
    const deadLetterTopic = `${topic}.dlq`;
    const topicConfig = { topic, table: `${keyspace}.user_activity` };
    const config = sinkConfig(stack, topicConfig);
    await produceRaw(kafkaConnection(stack.kafka), topic, [unwritable(10, 1), unwritable(10, 2)]);
    await runSinksUntil(config, (all) => all.every((c) => settled(c) >= 2));

    const settings = (await describeTopicConfigs(admin, [deadLetterTopic], ['retention.ms', 'retention.bytes'])).get(deadLetterTopic);
    expect(Object.fromEntries(settings ?? [])).toEqual({ 'retention.ms': '-1', 'retention.bytes': '-1' });

    const configFile = writeConfig([topicConfig], config.sink.groupIdPrefix);
    const gate = async () => {
      const run = await runTandem(['status', '--config', configFile, '--json']);
      const report = JSON.parse(run.stdout) as StatusReport;
      return { gate: report.gates.find((g) => g.id === 'dead-letters-drained')!, letters: report.deadLetters?.find((d) => d.topic === deadLetterTopic) };
    };
    const before = await gate();
    expect(before.gate.pass).toBe(false);
    const letters = before.letters!.undrained;
    expect(letters).toBeGreaterThanOrEqual(4);

    // What a retention shorter than the replay's wait does: the letters are deleted unread.
    const ends = await consumerGroupLag(kafkaConnection(stack.kafka), uniqueName('ends'), [deadLetterTopic]);
    await admin.deleteRecords({ topics: [{ name: deadLetterTopic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.end })) }] });

    const after = await gate();
    expect(after.gate.pass, after.gate.reason).toBe(false);
    expect(after.letters).toMatchObject({ undrained: letters, expired: letters });
    expect(after.gate.reason).toContain('deleted by the broker before a replay read them');

    const refused = await runTandem(['dlq', 'replay', '--config', configFile, '--topic', deadLetterTopic]);
    expect(refused.code, refused.stdout + refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`${letters} dead letter(s) of ${deadLetterTopic} were deleted by the broker before a replay read them`);
    expect(refused.stderr).toContain('--skip-expired');
    expect((await gate()).gate.pass).toBe(false);

    const skipped = await runTandem(['dlq', 'replay', '--config', configFile, '--topic', deadLetterTopic, '--skip-expired', '--json']);
    expect(skipped.code, skipped.stdout + skipped.stderr).toBe(0);
    expect(JSON.parse(skipped.stdout)).toMatchObject({ expiredSkipped: letters, read: 0 });
    expect((await gate()).gate).toMatchObject({ pass: true });
  });

  it('accept a letter as large as the source topic accepts; a letter still refused for its size ends the sink naming the record', { timeout: 180_000 }, async () => {
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    const keyspace = await referenceKeyspaceOn([source, target], 'dlbig');
    const topic = uniqueName('dlbig');
    const deadLetterTopic = `${topic}.dlq`;
    // A source topic that takes records of up to 3 MB, above Kafka's default of 1 MB.
    await admin.createTopics({ topics: [topic], partitions: 1, replicas: -1, configs: [{ name: 'max.message.bytes', value: String(3 * 1024 * 1024) }] });
    const topicConfig = { topic, table: `${keyspace}.user_activity` };
    const config = sinkConfig(stack, topicConfig);
    await produceRaw(kafkaConnection(stack.kafka), topic, [unwritable(2 * 1024 * 1024)]);
    const counters = await runSinksUntil(config, (all) => all.every((c) => settled(c) >= 1), { timeoutMs: 60_000, destinations: ['target'] });
    expect(counters[0]!.snapshot()).toMatchObject({ deadLettered: 1 });
    const [letter] = await readTopic(kafkaConnection(stack.kafka), deadLetterTopic, 1, 10_000);
    expect(letter!.value!.length).toBeGreaterThan(2 * 1024 * 1024);
    const limit = (await describeTopicConfigs(admin, [deadLetterTopic], ['max.message.bytes'])).get(deadLetterTopic)?.get('max.message.bytes');
    expect(Number(limit)).toBe(3 * 1024 * 1024 + 64 * 1024);

    // The dead-letter topic's limit lowered behind the running sink's back (as an operator might):
    // the next letter is refused for its size, and the sink stops naming the record instead of retrying it for ever.
    const configFile = writeConfig([topicConfig], config.sink.groupIdPrefix);
    const sink = spawnTandem(['sink', '--config', configFile, '--destination', 'target', '--status-port', '0']);
    // Lowered once the sink has set its topics up (it raises a limit it finds too low when it starts).
    await eventually(async () => sink.stderr(), (text) => text.includes('"msg":"sink started"'), 60_000, 200);
    await setTopicConfigs(admin, deadLetterTopic, { 'max.message.bytes': '20000' });
    await produceRaw(kafkaConnection(stack.kafka), topic, [unwritable(100_000, 2)]);
    expect(await exitedWithin(sink.exited, 45_000), `still running 45 s after a letter too large:\n${sink.stderr().slice(-3000)}`).toBe(true);
    expect(await sink.exited).not.toBe(0);
    const line = sink.stderr().split('\n').find((l) => l.startsWith('tandem: '));
    expect(line, sink.stderr().slice(-3000)).toMatch(new RegExp(`dead letter of ${topic} partition 0 offset 1 .*larger than ${deadLetterTopic.replaceAll('.', '\\.')} accepts`));
  });
});
