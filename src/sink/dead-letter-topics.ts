import { Admin } from '@platformatic/kafka';
import type { Logger } from 'pino';
import { describeError } from '../errors.js';
import { describeTopicConfigs, ensureTopics, keepForever, setTopicConfigs, type GroupLagOptions, type KafkaConnection, type PartitionLag } from '../kafka/index.js';
import { deadLetterHeadroomBytes, deadLetterTopicOf } from './dead-letter.js';

/**
 * Dead letters are counted from the first ever written (offset 0), not the first the broker still
 * holds: a letter deleted before a replay read it is a record never written, and must keep the
 * cutover gate shut rather than vanish from the count.
 */
export const deadLetterLagOptions: GroupLagOptions = Object.freeze({ uncommittedFrom: 'zero', logStart: true });

/** One dead-letter topic's letters the replay group has not consumed, and how many of those the broker deleted unread. */
export interface DeadLetterCount {
  readonly undrained: number;
  readonly expired: number;
}

/** Sums `lags` (read with `deadLetterLagOptions`) over the partitions of `topic`. */
export function countDeadLetters(lags: readonly PartitionLag[], topic: string): DeadLetterCount {
  let undrained = 0n;
  let expired = 0n;
  for (const p of lags) {
    if (p.topic !== topic) continue;
    undrained += p.lag;
    const goneBelow = p.logStart === undefined ? 0n : p.logStart < p.end ? p.logStart : p.end;
    if (goneBelow > p.committed) expired += goneBelow - p.committed;
  }
  return { undrained: Number(undrained), expired: Number(expired) };
}

/** Kafka's default largest record batch (message.max.bytes), for a topic whose own limit cannot be read. */
export const kafkaDefaultMaxMessageBytes = 1_048_588;

/**
 * The settings a dead-letter topic needs: letters are kept until replayed, however long that takes
 * (the broker's default retention of 7 days would delete records never written), and a letter
 * carrying the largest record its source topics accept is accepted too.
 */
export function deadLetterTopicSettings(largestSourceRecordBytes: number): Record<string, string> {
  return { ...keepForever, 'max.message.bytes': String(largestSourceRecordBytes + deadLetterHeadroomBytes) };
}

/** Of `wanted`, the settings an existing topic falls short of: retention that is not forever, a smaller record limit. */
export function settingsToRaise(current: ReadonlyMap<string, string>, wanted: Readonly<Record<string, string>>): Record<string, string> {
  const raise: Record<string, string> = {};
  for (const [name, value] of Object.entries(wanted)) {
    const now = current.get(name);
    const shortOf = name === 'max.message.bytes' ? now === undefined || Number(now) < Number(value) : now !== value;
    if (shortOf) raise[name] = value;
  }
  return raise;
}

/**
 * Creates the dead-letter topics of `topics` with `deadLetterTopicSettings`, and raises the
 * settings of those that exist (created by hand, or by a Tandem before this rule) to them. A
 * refusal to change an existing topic (an ACL) is logged with the topic and the setting, and the
 * sink goes on: a letter the topic then refuses for its size stops the sink with that record named,
 * and `tandem status` counts letters deleted before a replay as not replayed.
 */
export async function ensureDeadLetterTopics(kafka: KafkaConnection, topics: readonly { topic: string; deadLetterTopic?: string | undefined }[], log: Logger): Promise<void> {
  const admin = new Admin({ clientId: 'tandem-admin', ...kafka.options });
  try {
    const sourceTopics = [...new Set(topics.map((t) => t.topic))];
    const sourceLimits = await describeTopicConfigs(admin, sourceTopics, ['max.message.bytes']).catch((error: unknown) => {
      log.warn({ topics: sourceTopics, reason: describeError(error) }, "cannot read the topics' max.message.bytes; their dead-letter topics are sized for Kafka's default");
      return new Map<string, Map<string, string>>();
    });
    const largestByDeadLetterTopic = new Map<string, number>();
    for (const t of topics) {
      const largest = Number(sourceLimits.get(t.topic)?.get('max.message.bytes') ?? kafkaDefaultMaxMessageBytes);
      const deadLetterTopic = deadLetterTopicOf(t);
      largestByDeadLetterTopic.set(deadLetterTopic, Math.max(largest, largestByDeadLetterTopic.get(deadLetterTopic) ?? 0));
    }
    const created = new Set<string>();
    for (const [deadLetterTopic, largest] of largestByDeadLetterTopic) {
      for (const topic of await ensureTopics(kafka, [deadLetterTopic], -1, deadLetterTopicSettings(largest))) created.add(topic);
    }
    const existing = [...largestByDeadLetterTopic.keys()].filter((t) => !created.has(t));
    const current = await describeTopicConfigs(admin, existing, Object.keys(deadLetterTopicSettings(0))).catch((error: unknown) => {
      log.warn({ topics: existing, reason: describeError(error) }, 'cannot read the settings of the dead-letter topics; check yourself that they keep letters for ever and take records as large as their topics do');
      return undefined;
    });
    if (!current) return;
    for (const topic of existing) {
      const raise = settingsToRaise(current.get(topic) ?? new Map(), deadLetterTopicSettings(largestByDeadLetterTopic.get(topic)!));
      if (Object.keys(raise).length === 0) continue;
      try {
        await setTopicConfigs(admin, topic, raise);
        log.info({ topic, settings: raise }, 'dead-letter topic settings raised: letters are kept until replayed, and as large as their records');
      } catch (error) {
        log.warn({ topic, settings: raise, reason: describeError(error) }, 'cannot change the dead-letter topic; set these yourself, or letters may be deleted before a replay or refused for their size');
      }
    }
  } finally {
    await admin.close();
  }
}
