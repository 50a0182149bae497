import { randomBytes } from 'node:crypto';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gcLogOption } from './gc-log.js';

/**
 * The secured listeners beside PLAINTEXT, on the ports Amazon MSK gives them counted from the
 * plaintext one (9092): TLS 9094, SASL/SCRAM 9096, IAM 9098.
 */
export const kafkaSecuredListeners = {
  tls: { name: 'TLS', protocol: 'SSL', mechanism: undefined, portOffset: 2 },
  scram: { name: 'SCRAM', protocol: 'SASL_SSL', mechanism: 'SCRAM-SHA-512', portOffset: 4 },
  iam: { name: 'IAM', protocol: 'SASL_SSL', mechanism: 'OAUTHBEARER', portOffset: 6 },
} as const;
export type KafkaSecurity = keyof typeof kafkaSecuredListeners;

export interface KafkaSecuredListener {
  readonly security: KafkaSecurity;
  readonly port: number;
}

export interface KafkaNodeSpec {
  readonly host: string;
  readonly port: number;
  readonly controllerPort: number;
  readonly heapMb: number;
  readonly extraJvmArgs: readonly string[];
  readonly dir: string;
  readonly secured: readonly KafkaSecuredListener[];
  /** `connections.max.reauth.ms` of the SASL listeners. */
  readonly sessionLifetimeMs: number;
}

/** The SCRAM user the stack creates; its password is in `scramPasswordFile`. */
export const kafkaScramUser = 'tandem';
/** The region the stand-in for Amazon MSK IAM takes tokens for. */
export const mskIamRegion = 'us-east-1';
/** The validator the stack compiles from resources/kafka/ and puts on the broker's classpath. */
export const mskIamValidatorClass = 'tandem.kafka.MskIamTokenValidator';
/**
 * The SCRAM listener's SASL server, compiled from resources/kafka/ like the validator: Kafka's own,
 * except that it also accepts the client-final nonce of librdkafka before 2.6.1 (Debian 12's kcat:
 * confluentinc/librdkafka#4895), as Kafka 3.x brokers did. Kafka 4.x, and Amazon MSK on Kafka 4,
 * refuse such clients: an application on one must upgrade before it meets a Kafka 4 cluster.
 */
export const lenientScramProviderClass = 'tandem.kafka.LenientScramProvider';

/** What the secured listeners read and what their clients need, all under the Kafka node's folder. */
export interface KafkaSecurityFiles {
  /** The CA that signed the broker's certificate (subjectAltName DNS:localhost only). */
  readonly caFile: string;
  readonly tlsDir: string;
  /** Private key and certificate, PEM, as `ssl.keystore.type=PEM` reads them. */
  readonly keystoreFile: string;
  /** The password of user `tandem`, for SCRAM-SHA-512. */
  readonly scramPasswordFile: string;
  /** AWS shared-credentials file with profiles `tandem-local` (accepted) and `tandem-expired` (expired session). */
  readonly iamCredentialsFile: string;
  /** The access keys the validator knows, with their secrets: its view of IAM. */
  readonly iamRegistryFile: string;
}

export function kafkaSecurityFiles(node: KafkaNodeSpec): KafkaSecurityFiles {
  return {
    caFile: join(node.dir, 'ca.pem'),
    tlsDir: join(node.dir, 'tls'),
    keystoreFile: join(node.dir, 'tls', 'server-keystore.pem'),
    scramPasswordFile: join(node.dir, 'scram-password'),
    iamCredentialsFile: join(node.dir, 'iam-credentials'),
    iamRegistryFile: join(node.dir, 'tls', 'iam-registry.properties'),
  };
}

/** Where clients reach a secured listener: by name, since the certificate names only localhost. */
export function securedListenerAddress(listener: KafkaSecuredListener): string {
  return `localhost:${listener.port}`;
}

export function kafkaLogFile(node: KafkaNodeSpec): string {
  return join(node.dir, 'logs', 'server.log');
}

/** One combined broker+controller in KRaft mode; every internal topic at replication factor 1. */
export function kafkaServerProperties(node: KafkaNodeSpec): string {
  const secured = node.secured.map((listener) => ({ ...listener, ...kafkaSecuredListeners[listener.security] }));
  const settings: Record<string, string | number> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@${node.host}:${node.controllerPort}`,
    listeners: [
      `PLAINTEXT://${node.host}:${node.port}`,
      `CONTROLLER://${node.host}:${node.controllerPort}`,
      ...secured.map((listener) => `${listener.name}://${node.host}:${listener.port}`),
    ].join(','),
    // Clients reconnect to advertised addresses and verify the certificate's name against them.
    'advertised.listeners': [`PLAINTEXT://${node.host}:${node.port}`, ...secured.map((listener) => `${listener.name}://${securedListenerAddress(listener)}`)].join(','),
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': ['CONTROLLER:PLAINTEXT', 'PLAINTEXT:PLAINTEXT', ...secured.map((listener) => `${listener.name}:${listener.protocol}`)].join(','),
    ...securedListenerSettings(node),
    'log.dirs': join(node.dir, 'data'),
    // The reference design's console producer relies on topics being created on first use.
    'auto.create.topics.enable': 'true',
    'num.partitions': 4,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    // A single node cannot hold three replicas: with the defaults, consumer groups never form.
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 10,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
    // Keyspaces' row limit is 1 MB: records somewhat larger must reach the sinks, to be refused there with a reason.
    'message.max.bytes': 10 * 1024 * 1024,
    'num.network.threads': 2,
    'num.io.threads': 4,
    'log.retention.hours': 168,
  };
  return `${Object.entries(settings)
    // A properties file reads a backslash as an escape: the JAAS config's own escapes must survive it.
    .map(([key, value]) => `${key}=${String(value).replaceAll('\\', '\\\\')}`)
    .join('\n')}\n`;
}

/** TLS for every secured listener, and each SASL listener's one mechanism, login and session lifetime. */
export function securedListenerSettings(node: KafkaNodeSpec): Record<string, string | number> {
  if (node.secured.length === 0) return {};
  const files = kafkaSecurityFiles(node);
  const settings: Record<string, string | number> = {
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': files.keystoreFile,
    // ACLs as a production cluster has them, so a permission can be taken away (a topic Tandem may
    // not create): the plaintext listener, the controller and the broker itself (all ANONYMOUS)
    // may do anything, a SASL user anything no ACL denies it.
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': 'User:ANONYMOUS',
    'allow.everyone.if.no.acl.found': 'true',
  };
  if (node.secured.some((listener) => listener.security === 'scram')) {
    // Kafka puts configured providers ahead of its own: this SCRAM server serves both SCRAM
    // mechanisms, and also takes librdkafka < 2.6.1's client-final nonce (see lenientScramProviderClass).
    settings['security.providers'] = lenientScramProviderClass;
  }
  for (const listener of node.secured) {
    const { name, mechanism } = kafkaSecuredListeners[listener.security];
    if (mechanism === undefined) continue;
    const prefix = `listener.name.${name.toLowerCase()}`;
    const mechanismPrefix = `${prefix}.${mechanism.toLowerCase()}`;
    settings[`${prefix}.sasl.enabled.mechanisms`] = mechanism;
    // Clients that re-authenticate (KIP-368) keep their connection; the broker closes the others' when the session ends.
    settings[`${mechanismPrefix}.connections.max.reauth.ms`] = node.sessionLifetimeMs;
    if (listener.security === 'scram') {
      settings[`${mechanismPrefix}.sasl.jaas.config`] = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
    } else {
      settings[`${mechanismPrefix}.sasl.jaas.config`] =
        `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required region=${jaasQuoted(mskIamRegion)} credentialsRegistry=${jaasQuoted(files.iamRegistryFile)};`;
      settings[`${mechanismPrefix}.sasl.server.callback.handler.class`] = mskIamValidatorClass;
      // Kafka's default login handler turns JAAS options into an unsecured token and fails without a `sub` claim.
      settings[`${mechanismPrefix}.sasl.login.callback.handler.class`] = mskIamValidatorClass;
    }
  }
  return settings;
}

function jaasQuoted(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

export function kafkaLog4j2(node: KafkaNodeSpec): string {
  return `status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = ${kafkaLogFile(node)}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.controller.name = org.apache.kafka.controller
logger.controller.level = WARN
logger.raft.name = org.apache.kafka.raft
logger.raft.level = WARN
`;
}

/** A cluster id as Kafka's `StorageTool random-uuid` makes it, without starting a JVM for it. */
export function randomKafkaClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    // Kafka avoids ids that start with "-" because command lines read them as flags.
    if (!id.startsWith('-')) return id;
  }
}

function classPathAndLogging(node: KafkaNodeSpec, libDir: string, extraClassPath: readonly string[] = []): string[] {
  return [
    `-Dlog4j2.configurationFile=${pathToFileURL(join(node.dir, 'conf', 'log4j2.properties')).href}`,
    `-Dkafka.logs.dir=${join(node.dir, 'logs')}`,
    '-cp',
    [join(libDir, '*'), ...extraClassPath].join(delimiter),
  ];
}

/** `scramPassword` creates the SCRAM user with the metadata, so it exists from the broker's first start. */
export function kafkaFormatArgs(node: KafkaNodeSpec, libDir: string, clusterId: string, scramPassword?: string): string[] {
  return [
    '-Xmx256m',
    ...classPathAndLogging(node, libDir),
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    join(node.dir, 'conf', 'server.properties'),
    ...(scramPassword === undefined ? [] : ['--add-scram', scramCredential(scramPassword, true)]),
  ];
}

/** Sets user `tandem`'s SCRAM password on a running broker: storage formatted before SCRAM was enabled has none. */
export function kafkaScramUpsertArgs(node: KafkaNodeSpec, libDir: string, scramPassword: string): string[] {
  return [
    '-Xmx256m',
    ...classPathAndLogging(node, libDir),
    'kafka.admin.ConfigCommand',
    '--bootstrap-server',
    `${node.host}:${node.port}`,
    '--alter',
    '--add-config',
    scramCredential(scramPassword, false),
    '--entity-type',
    'users',
    '--entity-name',
    kafkaScramUser,
  ];
}

function scramCredential(password: string, withName: boolean): string {
  // StorageTool names the user inside the brackets; ConfigCommand takes it from --entity-name.
  return `SCRAM-SHA-512=[${withName ? `name=${kafkaScramUser},` : ''}password=${password}]`;
}

export function kafkaJavaArgs(node: KafkaNodeSpec, libDir: string, marker: string, extraClassPath: readonly string[] = []): string[] {
  return [
    marker,
    `-Xms${node.heapMb}m`,
    `-Xmx${node.heapMb}m`,
    // The settings of Kafka's own kafka-server-start.sh.
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-XX:+PerfDisableSharedMem',
    '-Djava.awt.headless=true',
    `-XX:ErrorFile=${join(node.dir, 'logs', 'hs_err_%p.log')}`,
    gcLogOption(join(node.dir, 'logs')),
    ...node.extraJvmArgs,
    ...classPathAndLogging(node, libDir, extraClassPath),
    'kafka.Kafka',
    join(node.dir, 'conf', 'server.properties'),
  ];
}
