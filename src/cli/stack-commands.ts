import { relative } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import { stackSpecFromConfig, startStack, stateFile, stopStack, type KafkaListenerInfo, type StackSpec } from '../stack/index.js';
import { table, type Output } from './output.js';

interface StackOptions {
  config?: string;
  dataDir?: string;
  kafkaSecurity?: string;
  sourceNodes?: string;
}

const securedListeners = ['tls', 'scram', 'iam'] as const;

function specFrom(options: StackOptions): StackSpec {
  const { config } = loadConfig(options.config);
  const kafkaSecurity = options.kafkaSecurity === undefined ? config.stack.kafkaSecurity : parseKafkaSecurity(options.kafkaSecurity);
  const sourceNodes = options.sourceNodes === undefined ? config.stack.sourceNodes : parseSourceNodes(options.sourceNodes);
  return stackSpecFromConfig({ ...config, stack: { ...config.stack, kafkaSecurity, sourceNodes } }, options.dataDir ? { dataDir: options.dataDir } : {});
}

/** `--source-nodes 3`: how many nodes the local source has, in place of stack.sourceNodes. */
export function parseSourceNodes(text: string): number {
  const nodes = Number(text);
  if (!/^\d+$/.test(text.trim()) || nodes < 1 || nodes > 5) {
    throw new ConfigError(`--source-nodes ${text} is not a node count from 1 to 5`, { hint: 'Use 1 (the default: one node, one token) or 3 (the reference design: RF 3, 16 vnodes each)' });
  }
  return nodes;
}

/** `scram`, `tls,iam` or `all`: the secured listeners `--kafka-security` asks for, in place of stack.kafkaSecurity. */
export function parseKafkaSecurity(text: string): ('tls' | 'scram' | 'iam')[] {
  if (text.trim() === 'all') return [...securedListeners];
  const names = text.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !(securedListeners as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new ConfigError(`--kafka-security ${text}: ${unknown.length > 0 ? `${unknown.join(', ')} is not a listener` : 'names no listener'}`, { hint: 'Name tls, scram and/or iam, comma-separated, or all' });
  }
  return [...new Set(names)] as ('tls' | 'scram' | 'iam')[];
}

const shown = (path: string) => {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
};

function listenerRow(listener: KafkaListenerInfo): string[] {
  const how = [listener.protocol, listener.mechanism].filter(Boolean).join(' ');
  const what =
    listener.security === 'scram'
      ? `user ${listener.username}, password in ${shown(listener.passwordFile!)}`
      : listener.security === 'iam'
        ? `MSK IAM (${listener.region}): AWS_SHARED_CREDENTIALS_FILE=${shown(listener.credentialsFile!)} AWS_PROFILE=${listener.profiles!.valid} (${listener.profiles!.expired}: expired)`
        : '';
  return [listener.security, listener.address, how, `CA ${shown(listener.caFile)}`, what];
}

export function registerStackCommands(program: Command, output: Output): void {
  program
    .command('up')
    .description('start the local stack: Kafka (KRaft), a source Cassandra and a Keyspaces-like target (TLS, password auth)')
    .option('-c, --config <file>', 'config whose addresses the servers listen on (default: ./tandem.yaml, else the local defaults)')
    .option('-d, --data-dir <dir>', 'where server data, logs and the state file live (default: ./.tandem)')
    .option('--kafka-security <listeners>', 'secured Kafka listeners beside the plaintext one: tls (9094), scram (9096), iam (9098), comma-separated, or all (default: stack.kafkaSecurity of the config)')
    .option('--source-nodes <n>', 'nodes of the source cluster: 1 (one token) or 3 (16 vnodes each, on 127.0.0.1-3; system keyspaces at RF 3) (default: stack.sourceNodes of the config, 1)')
    .addHelpText(
      'after',
      '\nExample:\n  $ tandem up                      # Kafka on 9092, source on 9042, target (TLS) on 9142\n  $ tandem up --kafka-security scram   # and SASL_SSL SCRAM-SHA-512 on localhost:9096 (CA and password under .tandem/kafka/)\n  $ tandem up --source-nodes 3     # a three-node source on 127.0.0.1-3:9042, the reference design\'s ring\n  $ tandem up --data-dir /tmp/tandem-stack',
    )
    .action(async (options: StackOptions) => {
      const spec = specFrom(options);
      const began = Date.now();
      const result = await startStack(spec, {
        onFetchStart: (specs, cacheDir) =>
          output.progress(`Fetching ${specs.map((s) => s.id).join(' and ')} from Maven Central into ${cacheDir} (once)...`),
        onDamaged: (artifact, problem) => output.progress(`The cached ${artifact.id} is damaged (${problem}); fetching it again.`),
        onStarting: (names) => output.progress(`Starting ${names.join(', ')}...`),
      });
      const seconds = ((Date.now() - began) / 1000).toFixed(1);
      output.info(result.alreadyRunning ? `Stack already running (${shown(result.stateFile)}):` : `Stack up in ${seconds} s:`);
      for (const line of table(result.servers.map((s) => [s.name, s.address, s.version, `pid ${s.pid}`, s.detail]))) output.info(`  ${line}`);
      if (result.kafkaListeners.length > 0) {
        output.info('Secured Kafka listeners (connect by name: the certificate names localhost only):');
        for (const line of table(result.kafkaListeners.map(listenerRow))) output.info(`  ${line}`);
      }
      output.info(`Target CA certificate: ${shown(result.caFile)}   Logs: ${shown(spec.dataDir)}/<server>/logs`);
    });

  program
    .command('down')
    .description('stop the servers `tandem up` started, and wait for them to exit')
    .option('-c, --config <file>', 'config the stack was started with')
    .option('-d, --data-dir <dir>', 'data dir the stack was started with (default: ./.tandem)')
    .option('--purge', 'also delete the data dir: every keyspace, topic and log')
    .addHelpText('after', '\nExample:\n  $ tandem down --purge')
    .action(async (options: StackOptions & { purge?: boolean }) => {
      const spec = specFrom(options);
      const result = await stopStack(spec.dataDir, { purge: options.purge ?? false });
      output.info(result.stopped.length === 0 ? `Nothing running (no live servers in ${shown(stateFile(spec.dataDir))}).` : `Stopped ${result.stopped.join(', ')}.`);
      if (result.purged) output.info(`Deleted ${shown(spec.dataDir)}.`);
    });
}
