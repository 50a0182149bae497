/**
 * Kafka client choice, measured on this machine kind against Kafka 4.1.2 (200,000 records of
 * ~205 bytes, 4 partitions, manual commits, alternating rounds in one run):
 *
 * - @platformatic/kafka 1.35 produces ~2x faster than kafkajs 2.2.4 (ratios 1.8-2.6 on Node 20,
 *   1.5-2.3 on Node 24) and consumes at 0.4-0.9x its rate (45-64k records/s on Node 20), with
 *   equal memory. Both delivered every record and committed exactly the end offsets.
 * - kafkajs has had no release since 2023 and warns (TimeoutNegativeWarning) on every start under
 *   Node 24; @platformatic/kafka is maintained, pure TypeScript, tested against Kafka up to 4.1.
 *
 * So Tandem uses @platformatic/kafka. Its consume rate is above what one CQL connection takes
 * (~65k rows/s at best here), so the sink stays write-bound; bench:sink reports both to keep that true.
 *
 * Why 1.35 and not 2.x (2.12.1 needs Node 22.22+), measured 2026-12-07 against Kafka 4.1.2's SASL
 * listeners with 20 s sessions: a producer and a consumer group, 20 records every 200 ms for 70 s,
 * across three re-authentications, delivered every record once with both (SCRAM-SHA-512: 6,680 of
 * 6,680, p99 63 ms on 1.35/Node 20; 6,860 of 6,860, p99 32 ms on 2.12.1/Node 24; MSK-IAM
 * OAUTHBEARER: 6,840 each, p99 35 and 55 ms), no error, no duplicate. Both re-authenticate on the
 * same connection at 80% of the session lifetime, by the same code, asking the token or password
 * provider anew. 2.12.1 handles SASL no better, so the move waits: it would drop Node 20 (past its
 * end of life, still on this machine kind) for a consume-rate gain that is mostly Node 24's (on
 * one Node, 2.12.1 consumed at 1.05-1.15x and produced at 0.95-0.97x of 1.35) and fixes Tandem
 * works around (tagged fields: the patch; concurrent idempotent sends: Tandem sends one at a time),
 * and one of three broker pauses left its consumer unable to rejoin for ~75 s.
 *
 * Settings every Tandem client shares follow from that measurement:
 * - fetches of at most 1 MB per partition (the library's default 10 MB first fetch delays the first
 *   record by ~0.3 s and arrives as one long synchronous burst);
 * - the Java client's partitioner, so a key lands on the same partition whoever produced it;
 * - acks on each send (the constructor's value is not applied to send()).
 */
import { Admin, compatibilityPartitioner } from '@platformatic/kafka';
import { explainKafkaAuthorizationError } from './kafka-access.js';
import type { KafkaConnection } from './kafka-connection.js';
import { findInErrorChain } from './error-chain.js';

export const fetchMaxBytesPerPartition = 1024 * 1024;

/**
 * For the clients of long-running work (sinks, job workers): an operation that may pass later is
 * retried 20 times with backoff up to 5 s, about 75 s in all, so a broker restart is a pause
 * rather than the end of the process (the client's default, 3 retries a second apart, ended a
 * sink 4 s into a broker restart). Not forever: a client that cannot get back into its group
 * would otherwise retry for good while looking alive; after that long the process ends with the
 * error, and its supervisor restarts it from the committed offsets, losing nothing.
 */
export const retryWhileKafkaIsAway = {
  retries: 20,
  retryDelay: (_client: unknown, operation: string, attempt: number, _retries: number, error?: unknown) => {
    // A response the client cannot parse is no outage: the same client parses the next one no better
    // (seen after a broker pause), so its retries go at once and a fresh client takes over sooner.
    if (isUnparsableResponse(error)) return 0;
    // @platformatic/kafka 1.35 reads metadata once per listOffsets and re-sends the same request (same
    // leader, same leader epoch) on each retry, so a broker's refusal of it (FENCED_LEADER_EPOCH after
    // a leader change, say) repeats alike: after a 15 s broker pause that cost ~76 s of backoff before
    // a fresh consumer, which reads metadata anew, drained at once. Such retries are spent in ~5 s.
    if (operation === 'listOffsets' && isBrokerRefusal(error)) return 250;
    return Math.min(5_000, 100 * 2 ** Math.min(attempt, 6));
  },
} as const;

/** Whether the error (or one it wraps) is the client failing to parse a response. */
export function isUnparsableResponse(error: unknown): boolean {
  return anyInChain(error, (e) => e.code === 'OUT_OF_BOUNDS' || e.code === 'PLT_KFK_OUT_OF_BOUNDS');
}

/** Whether the error (or one it wraps) is Kafka refusing a record for its size: sending it again cannot help. */
export function isRecordTooLarge(error: unknown): boolean {
  return anyInChain(error, (e) => {
    const apiId = (e as { apiId?: unknown }).apiId;
    return apiId === 'MESSAGE_TOO_LARGE' || apiId === 'RECORD_LIST_TOO_LARGE';
  });
}

/** Whether the error (or one it wraps) is a broker answering with an error code, rather than no answer at all. */
export function isBrokerRefusal(error: unknown): boolean {
  return anyInChain(error, (e) => e.code === 'PLT_KFK_PROTOCOL' || e.code === 'PLT_KFK_RESPONSE');
}

function anyInChain(error: unknown, test: (error: { code?: unknown }) => boolean): boolean {
  return findInErrorChain(error, test) !== undefined;
}

export { compatibilityPartitioner };

/**
 * Creates the topics that do not exist yet, with `partitions` (default: the broker's count), topic
 * `configs` and the cluster's default replication factor (3 on a production cluster, 1 on the
 * local stack); topics that exist are left as they are. A cluster that forbids creating them (an
 * ACL, or an MSK IAM policy without kafka-cluster:CreateTopic) gets an error naming the topic and
 * the permission, and what to create by hand instead.
 */
export async function ensureTopics(
  connection: KafkaConnection,
  topics: readonly string[],
  partitions = -1,
  configs: Readonly<Record<string, string>> = {},
): Promise<string[]> {
  const admin = new Admin({ clientId: 'tandem-admin', ...connection.options });
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...new Set(topics)].filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      try {
        await admin.createTopics({ topics: missing, partitions, replicas: -1, configs: Object.entries(configs).map(([name, value]) => ({ name, value })) });
      } catch (error) {
        // Another process may have created them meanwhile; anything else is real.
        if (/already exists/i.test(String((error as Error).message) + JSON.stringify((error as { errors?: unknown }).errors ?? ''))) return missing;
        const settings = Object.entries(configs).map(([name, value]) => `${name}=${value}`).join(', ');
        throw (
          explainKafkaAuthorizationError(error, {
            action: 'create',
            resource: `topic${missing.length > 1 ? 's' : ''} ${missing.join(', ')}${partitions > 0 || settings ? ` (${[partitions > 0 ? `${partitions} partition${partitions > 1 ? 's' : ''}` : '', settings].filter(Boolean).join('; ')})` : ''}`,
            awsAction: 'kafka-cluster:CreateTopic',
          }) ?? error
        );
      }
    }
    return missing;
  } finally {
    await admin.close();
  }
}
