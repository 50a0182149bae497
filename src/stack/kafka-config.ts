import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gcLogOption } from './gc-log.js';

export interface KafkaNodeSpec {
  readonly host: string;
  readonly port: number;
  readonly controllerPort: number;
  readonly heapMb: number;
  readonly extraJvmArgs: readonly string[];
  readonly dir: string;
}

export function kafkaLogFile(node: KafkaNodeSpec): string {
  return join(node.dir, 'logs', 'server.log');
}

/** One combined broker+controller in KRaft mode; every internal topic at replication factor 1. */
export function kafkaServerProperties(node: KafkaNodeSpec): string {
  const settings: Record<string, string | number> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@${node.host}:${node.controllerPort}`,
    listeners: `PLAINTEXT://${node.host}:${node.port},CONTROLLER://${node.host}:${node.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${node.host}:${node.port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
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
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
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

function classPathAndLogging(node: KafkaNodeSpec, libDir: string): string[] {
  return [
    `-Dlog4j2.configurationFile=${pathToFileURL(join(node.dir, 'conf', 'log4j2.properties')).href}`,
    `-Dkafka.logs.dir=${join(node.dir, 'logs')}`,
    '-cp',
    join(libDir, '*'),
  ];
}

export function kafkaFormatArgs(node: KafkaNodeSpec, libDir: string, clusterId: string): string[] {
  return [
    '-Xmx256m',
    ...classPathAndLogging(node, libDir),
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    join(node.dir, 'conf', 'server.properties'),
  ];
}

export function kafkaJavaArgs(node: KafkaNodeSpec, libDir: string, marker: string): string[] {
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
    ...classPathAndLogging(node, libDir),
    'kafka.Kafka',
    join(node.dir, 'conf', 'server.properties'),
  ];
}
