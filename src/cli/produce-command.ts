import { createReadStream } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { createCqlClient, readTableSchema, splitTable } from '../cql/index.js';
import { ConfigError } from '../errors.js';
import { checkKafkaAccess, kafkaConnection } from '../kafka/index.js';
import { linesOf, produceJsonLines } from '../produce/index.js';
import type { Output } from './output.js';

interface ProduceCommandOptions {
  config?: string;
  topic: string;
  keyColumns?: string;
}

export function registerProduceCommand(program: Command, output: Output): void {
  program
    .command('produce')
    .description('publish JSON lines to a topic, keyed by the table\'s partition key, each with a tandem-ts-us write time')
    .argument('[file]', 'a file of JSON lines, or - for standard input', '-')
    .requiredOption('-t, --topic <topic>', 'a topic of the config')
    .option('-c, --config <file>', 'config file (default: ./tandem.yaml, else the local defaults)')
    .option('-k, --key-columns <columns>', 'partition key columns, comma-separated (default: read from the source\'s schema)')
    .addHelpText('after', '\nExample:\n  $ tandem produce --topic mskkscassdualwrites fixtures/user_activity.jsonl')
    .action(async (file: string, options: ProduceCommandOptions) => {
      const { config } = loadConfig(options.config);
      const topic = config.topics.find((t) => t.topic === options.topic);
      if (!topic) {
        throw new ConfigError(`--topic ${options.topic} is not in the config`, {
          hint: config.topics.length ? `Topics: ${config.topics.map((t) => t.topic).join(', ')}` : 'Add it under topics: with its table',
        });
      }
      await checkKafkaAccess(kafkaConnection(config.kafka));
      const keyColumns = options.keyColumns ? options.keyColumns.split(',').map((c) => c.trim()) : await partitionKeyColumnsOf(config.source, topic.table);
      const result = await produceJsonLines({
        kafka: kafkaConnection(config.kafka),
        topic: topic.topic,
        keyColumns,
        lines: linesOf(() => (file === '-' ? process.stdin : createReadStream(file))),
      });
      for (const problem of result.skipped) output.error(`line ${problem.line}: skipped, ${problem.problem}`);
      for (const problem of result.unkeyed) output.error(`line ${problem.line}: ${problem.problem}`);
      output.info(`Produced ${result.produced} record${result.produced === 1 ? '' : 's'} to ${topic.topic}${result.skipped.length ? `; skipped ${result.skipped.length} malformed line${result.skipped.length === 1 ? '' : 's'}` : ''}.`);
    });
}

async function partitionKeyColumnsOf(source: Parameters<typeof createCqlClient>[0], qualified: string): Promise<string[]> {
  const client = createCqlClient(source);
  try {
    const [keyspace, table] = splitTable(qualified);
    const schema = await readTableSchema(client, keyspace, table);
    if (!schema) throw new ConfigError(`Table ${qualified} does not exist on the source`, { hint: 'Create it there, or pass --key-columns' });
    return schema.partitionKey.map((c) => c.name);
  } finally {
    await client.shutdown();
  }
}
