import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { consumerGroupLag, kafkaConnection } from '../../src/kafka/index.js';
import { deadLetterReplayGroup } from '../../src/sink/index.js';
import { Clients, referenceKeyspaceOn, uniqueName } from '../helpers/cql.js';
import { runTandem } from '../helpers/run-cli.js';
import { produceRaw, runSinksUntil, settled, sinkConfig } from '../helpers/sinks.js';

const stack = inject('stackConfig');
const clients = new Clients();
afterAll(() => clients.closeAll());

interface Inspection {
  undrained: number;
  total: number;
  letters: { reason: string; error: string; destination: string; sourceTopic: string; sourcePartition: number; sourceOffset: string; sourceTimestampMs: string; original: { value: string | null } }[];
}

describe('tandem dlq', () => {
  it('shows dead letters with their reasons, replays them after the fix with their original write time, and sends back what still fails', { timeout: 300_000 }, async () => {
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    const keyspace = await referenceKeyspaceOn([source, target], 'dlq');
    const table = `${keyspace}.user_activity`;
    const topic = uniqueName('dlq');
    const deadLetterTopic = `${topic}.dlq`;
    const topicConfig = { topic, table, unknownFields: 'reject', timestamp: 'record' };
    const config = sinkConfig(stack, topicConfig);

    // Ten good records; five with a field the table does not have yet; one whose time is not a time.
    const recordMs = (i: number) => 1_700_000_000_000n + BigInt(i) * 1000n;
    const good = Array.from({ length: 10 }, (_, i) => ({ value: JSON.stringify({ user_id: 'u', activity_time: 1_683_720_000_000 + i, activity_type: 'click' }), timestamp: recordMs(i) }));
    const withDevice = Array.from({ length: 5 }, (_, i) => ({
      value: JSON.stringify({ user_id: 'd', activity_time: 1_683_720_000_000 + i, activity_type: 'click', device: `phone ${i}` }),
      timestamp: recordMs(100 + i),
    }));
    const broken = { value: JSON.stringify({ user_id: 'b', activity_time: 'not a time', activity_type: 'click' }), timestamp: recordMs(200) };
    await produceRaw(kafkaConnection(stack.kafka), topic, [...good, ...withDevice, broken]);
    await runSinksUntil(config, (counters) => counters.every((c) => settled(c) >= 16));

    const configFile = join(mkdtempSync(join(tmpdir(), 'tandem-dlq-')), 'tandem.yaml');
    writeFileSync(configFile, stringify({ kafka: stack.kafka, source: stack.source, target: stack.target, topics: [topicConfig], sink: { groupIdPrefix: config.sink.groupIdPrefix } }));
    const inspect = async (...extra: string[]) => {
      const run = await runTandem(['dlq', 'inspect', '--config', configFile, '--topic', deadLetterTopic, '--json', '--limit', '100', ...extra]);
      expect(run.code, run.stderr).toBe(0);
      return JSON.parse(run.stdout) as Inspection;
    };
    const before = await inspect();
    // Each destination dead-letters each of the six on its own. Dead letters are at-least-once too: a
    // record redelivered after a rebalance is dead-lettered again, and a producer's retry can put a
    // record in the topic twice (seen in CI: 22 letters at distinct offsets), so letters count by
    // destination and record content.
    const distinct = (letters: Inspection['letters']) => new Map(letters.map((l) => [`${l.destination}:${l.original.value}`, l]));
    const letters = [...distinct(before.letters).values()];
    expect(letters).toHaveLength(12);
    expect(before.undrained).toBe(before.letters.length);
    expect(letters.filter((l) => l.reason === 'unknown-field')).toHaveLength(10);
    expect(letters.filter((l) => l.reason === 'bad-value' || l.reason === 'bad-timestamp')).toHaveLength(2);
    expect(new Set(letters.map((l) => l.destination))).toEqual(new Set(['source', 'target']));
    expect(letters.find((l) => l.reason === 'unknown-field')!.error).toContain('device');
    expect(letters.every((l) => l.sourceTopic === topic)).toBe(true);
    const stillBroken = before.letters.filter((l) => l.original.value === broken.value).length;
    const text = await runTandem(['dlq', 'inspect', '--config', configFile, '--topic', deadLetterTopic, '--limit', '1']);
    expect(text.stdout).toContain(`${deadLetterTopic}: ${before.undrained} dead letter(s) not replayed`);
    expect(text.stdout).toContain('unknown-field');

    // The fix: the column the application started sending.
    for (const client of [source, target]) await client.execute(`ALTER TABLE ${table} ADD device text`);

    const replay = await runTandem(['dlq', 'replay', '--config', configFile, '--topic', deadLetterTopic, '--json']);
    expect(replay.code, replay.stderr).toBe(1);
    const summary = JSON.parse(replay.stdout) as { read: number; replayed: number; deadLetteredAgain: number; again: { reason: string; destination: string }[] };
    expect(summary).toMatchObject({ read: before.undrained, replayed: before.undrained - stillBroken, deadLetteredAgain: stillBroken });
    expect(new Set(summary.again.map((a) => a.destination))).toEqual(new Set(['source', 'target']));

    // Written on both sides with the write time of the original record, not the replay's.
    for (const client of [source, target]) {
      const rows = (await client.execute(`SELECT activity_time, device, WRITETIME(device) AS w FROM ${table} WHERE user_id = 'd'`)).rows;
      expect(rows.map((r) => r['device']).sort()).toEqual(withDevice.map((_, i) => `phone ${i}`));
      expect(rows.map((r) => BigInt(String(r['w']))).sort()).toEqual(withDevice.map((r) => r.timestamp * 1000n));
    }
    // Only what still fails is left: those letters, published again at the end of the topic.
    const after = await inspect();
    expect(after.undrained).toBe(stillBroken);
    expect(after.letters.every((l) => l.original.value === broken.value)).toBe(true);
    expect(after.letters.every((l) => BigInt(l.sourceTimestampMs) === broken.timestamp)).toBe(true);
    const lag = await consumerGroupLag(kafkaConnection(stack.kafka), deadLetterReplayGroup, [deadLetterTopic], { uncommittedFrom: 'earliest' });
    expect(lag.reduce((sum, p) => sum + p.lag, 0n)).toBe(BigInt(stillBroken));
    expect((await inspect('--all')).total).toBe(before.undrained + stillBroken);

    // A second replay reads only those, and sends them back once more.
    const again = await runTandem(['dlq', 'replay', '--config', configFile, '--topic', deadLetterTopic]);
    expect(again.stdout).toContain(`${stillBroken} read, 0 replayed, ${stillBroken} dead-lettered again`);
  });

  it('refuses a topic that is not a dead-letter topic of the config', async () => {
    const configFile = join(mkdtempSync(join(tmpdir(), 'tandem-dlq-')), 'tandem.yaml');
    writeFileSync(configFile, stringify({ kafka: stack.kafka, source: stack.source, target: stack.target, topics: [{ topic: 'orders', table: 'shop.orders' }] }));
    const run = await runTandem(['dlq', 'replay', '--config', configFile, '--topic', 'payments.dlq']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no topic of the config dead-letters to payments.dlq');
    expect(run.stderr).toContain('orders.dlq');
  });
});
