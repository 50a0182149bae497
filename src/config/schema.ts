import { z } from 'zod';
import { keyspacesLimits } from '../keyspaces-facts.js';

/** Target profiles: `keyspaces` implies TLS, LOCAL_QUORUM and Keyspaces limits; `cassandra` is any CQL cluster. */
export const targetProfiles = ['keyspaces', 'cassandra'] as const;
export type TargetProfile = (typeof targetProfiles)[number];

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s[\]]+):\d{1,5}$/, { message: 'must be host:port, e.g. 127.0.0.1:9042', abort: true })
  .refine((value) => {
    const port = Number(value.slice(value.lastIndexOf(':') + 1));
    return port > 0 && port < 65536;
  }, { message: 'port must be between 1 and 65535' });

const passwordAuth = z.strictObject({
  username: z.string().min(1, { message: 'must not be empty' }),
  password: z.string(),
});

const sigv4Auth = z.strictObject({
  sigv4: z.strictObject({ region: z.string().min(1, { message: 'must name an AWS region' }) }),
});

const tls = z.strictObject({
  /** PEM file with the CA that signed the server certificate; system CAs when absent. */
  caFile: z.string().min(1).optional(),
  /** Verify the server's certificate and host name; only a local test may turn this off. */
  rejectUnauthorized: z.boolean().default(true),
});

const cluster = {
  contactPoints: z.array(hostPort).min(1, { message: 'needs at least one host:port' }),
  localDataCenter: z.string().min(1).default('datacenter1'),
  auth: z.union([passwordAuth, sigv4Auth], { message: 'must be { username, password } or { sigv4: { region } }' }).optional(),
  tls: tls.optional(),
  /**
   * What backfill and validate scan token ranges at. LOCAL_QUORUM (the default) reads what a
   * quorum acknowledged, and keeps going with one replica of three down; LOCAL_ONE asks one replica,
   * cheaper, and may miss a write a replica has not received yet (validate then reads a difference
   * again at LOCAL_QUORUM before it reports it).
   */
  readConsistency: z.enum(['LOCAL_QUORUM', 'LOCAL_ONE']).default('LOCAL_QUORUM'),
};

const sourceSchema = z.strictObject({ ...cluster });

const targetSchema = z.strictObject({
  ...cluster,
  profile: z.enum(targetProfiles).default('keyspaces'),
  maxWritesPerSecond: z.number().int().positive().optional(),
});

const qualifiedTable = z
  .string()
  .regex(/^("[^"]+"|[A-Za-z_][A-Za-z0-9_]*)\.("[^"]+"|[A-Za-z_][A-Za-z0-9_]*)$/, {
    message: 'must be keyspace.table, e.g. msk_ks_cass_blog.user_activity',
  });

const timestampSource = z
  .string()
  .refine((value) => value === 'header' || value === 'record' || /^field:.+$/.test(value), {
    message: 'must be header, record or field:<name>',
  });

const ttlSource = z.union([
  z.number().int().positive({ message: 'must be a positive number of seconds' }),
  z.string().refine((value) => value === 'none' || /^field:.+$/.test(value), {
    message: 'must be none, a number of seconds or field:<name>',
  }),
]);

const topicSchema = z.strictObject({
  topic: z.string().min(1).regex(/^[A-Za-z0-9._-]+$/, { message: 'Kafka topic names use letters, digits, ".", "_" and "-"' }),
  table: qualifiedTable,
  mapping: z.string().min(1).optional(),
  timestamp: timestampSource.default('header'),
  ttl: ttlSource.default('none'),
  deadLetterTopic: z.string().min(1).optional(),
  /** A value field no column takes: `ignore` it, or dead-letter the record (`reject`). */
  unknownFields: z.enum(['ignore', 'reject']).default('ignore'),
  /** As the DataStax connector: a null field leaves its column unset rather than deleting the cell. */
  nullToUnset: z.boolean().default(true),
  /** As the DataStax connector: a record whose mapped non-key fields are all null deletes the row. */
  deletesEnabled: z.boolean().default(true),
});

/** How each destination's sink paces itself. */
const sinkSchema = z.strictObject({
  /**
   * Records in flight per destination (sent, or waiting for a batch); fetching pauses while the
   * window is full. Large enough that rows keep queuing while full batches are out.
   */
  maxInFlight: z.number().int().min(1).max(65_536).default(2_048),
  /**
   * Records of one partition written but not committable, because a record before them is not
   * finished yet (its write retried on and on), past which the partition's fetching pauses while
   * the others go on; it resumes when they fall to half. Bounds memory (each is an offset held) and
   * what a restart redelivers; the partition shows as stuck in status and /metrics.
   */
  maxUncommittedPerPartition: z.number().int().min(1).max(10_000_000).default(20_000),
  /**
   * Requests (single writes or batches) out at once per destination; rows beyond wait and are
   * batched. Default: 16 where batches may hold any rows, 128 where a batch holds one partition
   * (most requests then carry one row, and concurrency is what gives throughput).
   */
  maxRequests: z.number().int().min(1).max(4_096).optional(),
  /**
   * How long (ms) a record may wait for others to share its write while the destination has a
   * request slot free. Default: 2 where batches may hold any rows (a stream of single writes
   * becomes small batches, cheaper for the server per row), 0 where a batch holds one partition
   * (rows of one partition seldom arrive together, so waiting would only add delay).
   */
  lingerMs: z.number().int().min(0).max(1_000).optional(),
  /** Rows per unlogged batch; 1 turns batching off. Amazon Keyspaces takes at most 30. */
  batchMaxRows: z
    .number()
    .int()
    .min(1)
    .max(keyspacesLimits.maxStatementsPerBatch, { message: `must be at most ${keyspacesLimits.maxStatementsPerBatch}, the most Amazon Keyspaces takes in one batch` })
    .default(keyspacesLimits.maxStatementsPerBatch),
  /**
   * Bytes per batch as Cassandra counts them (each cell's value plus 20 bytes of timestamp, TTL
   * and deletion time; see src/cql/mutation-size.ts); a larger row goes alone. The default is
   * Cassandra's default batch_size_warn_threshold (5 KiB): past it the server logs a warning for
   * every batch (one 30-second latency bench run logged 39,000 of them, by an estimate that left
   * out those 20 bytes, and cost each server the CPU to write them). The fail threshold is 50 KiB.
   */
  batchMaxBytes: z.number().int().min(1_024).max(16 * 1_048_576).default(5_120),
  /**
   * `auto` lets rows of different partitions share a batch where no coordinator forwards them (a
   * one-node cluster, Amazon Keyspaces); `never` keeps each batch to one partition.
   */
  batchAcrossPartitions: z.enum(['auto', 'never']).default('auto'),
  /** How often finished offsets are committed. */
  commitIntervalMs: z.number().int().min(10).max(60_000).default(200),
  /** How long a stopping sink waits for writes in flight before it exits without them (they are redelivered). */
  shutdownTimeoutMs: z.number().int().min(0).max(600_000).default(15_000),
  /**
   * A topic whose table does not exist on a destination: `wait` for it (status shows why; nothing
   * to replay once `tandem schema` has run) or `dead-letter` its records.
   */
  missingTable: z.enum(['wait', 'dead-letter']).default('wait'),
  /** Consumer groups are `<prefix>-source` and `<prefix>-target`. */
  groupIdPrefix: z.string().min(1).default('tandem-sink'),
});

/** Settings of the local stack started by `tandem up`; ports come from the addresses above. */
const stackSchema = z.strictObject({
  dataDir: z.string().min(1).optional(),
  cassandraHeapMb: z.number().int().min(256).max(8192).default(512),
  /**
   * Nodes of the local source cluster. One node owns one token, the fastest start; three (Cassandra
   * 4+'s 16 vnodes each, one data center named after source.localDataCenter) is the ring a real
   * migration reads: the reference design's RF 3. Nodes 2 and up listen on 127.0.0.2, 127.0.0.3…
   * at the same ports as node 1.
   */
  sourceNodes: z.number().int().min(1).max(5).default(1),
  kafkaHeapMb: z.number().int().min(128).max(8192).default(512),
  /**
   * How each local Cassandra node syncs its commit log. `periodic` (Cassandra's default: fsync every
   * 10 s) acknowledges writes a kill -9 can lose; `group` fsyncs before acknowledging (a few ms
   * later), which the fault tests need to tell a lost write from a crashed server's lost cache.
   */
  commitlogSync: z.enum(['periodic', 'group']).default('periodic'),
  /** Extra JVM options, after Tandem's own so they win (e.g. -XX:ActiveProcessorCount=2). */
  jvmArgs: z
    .strictObject({ cassandra: z.array(z.string()).default([]), kafka: z.array(z.string()).default([]) })
    .default({ cassandra: [], kafka: [] }),
  /**
   * Secured Kafka listeners beside the plaintext one, numbered as Amazon MSK numbers them from the
   * plaintext port (9092): `tls` on +2 (9094), `scram` (SASL_SSL, SCRAM-SHA-512) on +4 (9096), `iam`
   * (SASL_SSL, OAUTHBEARER with an MSK-IAM-style token) on +6 (9098).
   */
  kafkaSecurity: z.array(z.enum(['tls', 'scram', 'iam'])).default([]),
  /** How long a SASL session lasts before the broker wants the client to re-authenticate (`connections.max.reauth.ms`). */
  kafkaSessionLifetimeMs: z.number().int().min(5_000).default(60_000),
});

/** Where a running Tandem process serves `/metrics` and `/api/status`. */
const statusSchema = z.strictObject({
  /** Beyond loopback, requests need the token in TANDEM_DASHBOARD_TOKEN. */
  host: z.string().min(1).default('127.0.0.1'),
  /** 0 picks any free port (logged at start). */
  port: z.number().int().min(0).max(65_535).default(9464),
});

const kafkaTlsSchema = z
  .strictObject({
    /** PEM file with the CA that signed the brokers' certificates; the system CAs when absent (as for Amazon MSK). */
    caFile: z.string().min(1).optional(),
    /** Verify each broker's certificate and host name; only a local test may turn this off. */
    rejectUnauthorized: z.boolean().default(true),
    /** Mutual TLS: the client's certificate and its private key, both PEM (MSK's TLS client authentication). */
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
  })
  .refine((tls) => (tls.certFile === undefined) === (tls.keyFile === undefined), {
    message: 'certFile and keyFile go together (mutual TLS needs both)',
  });

/** Amazon MSK IAM signs its tokens for one region; Amazon MSK's own regions all look like this. */
const awsRegion = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'must be an AWS region, e.g. us-east-1' });

const kafkaSaslSchema = z.discriminatedUnion(
  'mechanism',
  [
    z.strictObject({
      mechanism: z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']),
      username: z.string().min(1, { message: 'must not be empty' }),
      password: z.string().min(1, { message: 'must not be empty (use ${env:NAME} or ${file:PATH})' }),
    }),
    z.strictObject({ mechanism: z.literal('AWS_MSK_IAM'), region: awsRegion }),
  ],
  { message: 'mechanism must be PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or AWS_MSK_IAM' },
);

const kafkaSchema = z
  .strictObject({
    brokers: z.array(hostPort).min(1, { message: 'needs at least one host:port' }),
    /** TLS to every broker; `true` for the defaults (system CAs, verified). */
    tls: z.union([z.literal(true), kafkaTlsSchema]).optional(),
    sasl: kafkaSaslSchema.optional(),
  })
  .refine((kafka) => kafka.sasl?.mechanism !== 'AWS_MSK_IAM' || kafka.tls !== undefined, {
    message: 'sasl AWS_MSK_IAM needs tls (Amazon MSK takes IAM only over TLS, port 9098): add `tls: true`',
    path: ['tls'],
  });

export const configSchema = z.strictObject({
  kafka: kafkaSchema,
  source: sourceSchema,
  target: targetSchema,
  topics: z.array(topicSchema).default([]),
  sink: sinkSchema.default({
    maxInFlight: 2_048,
    maxUncommittedPerPartition: 20_000,
    batchMaxRows: keyspacesLimits.maxStatementsPerBatch,
    batchMaxBytes: 5_120,
    batchAcrossPartitions: 'auto',
    commitIntervalMs: 200,
    shutdownTimeoutMs: 15_000,
    missingTable: 'wait',
    groupIdPrefix: 'tandem-sink',
  }),
  stack: stackSchema.default({
    cassandraHeapMb: 512,
    sourceNodes: 1,
    kafkaHeapMb: 512,
    commitlogSync: 'periodic',
    jvmArgs: { cassandra: [], kafka: [] },
    kafkaSecurity: [],
    kafkaSessionLifetimeMs: 60_000,
  }),
  status: statusSchema.default({ host: '127.0.0.1', port: 9464 }),
});

export type TandemConfig = z.infer<typeof configSchema>;
export type ClusterConfig = z.infer<typeof sourceSchema>;
export type KafkaConfig = z.infer<typeof kafkaSchema>;
export type KafkaSaslConfig = z.infer<typeof kafkaSaslSchema>;
export type TargetConfig = z.infer<typeof targetSchema>;
export type TopicConfig = z.infer<typeof topicSchema>;
export type SinkConfig = z.infer<typeof sinkSchema>;
export type StatusConfig = z.infer<typeof statusSchema>;
